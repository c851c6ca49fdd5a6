"""The samples cross-validation is made of: the pipeline's own, read as the ingest and extract
stages read them (ingest's sources, label rules, decisions and class filters; keypoint samples as
stored, video clips through the extract stage's keypoint cache), so a team that points
`ingest.sources` at its data cross-validates that data without another change.

A signer with fewer than `crossval.min_signer_windows` windows cannot be scored as a person (one
clip is right or wrong): such signers join every fold's training side and are never tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from signlang.data.settings import SourceParams
from signlang.errors import ParamsError, SignlangError

if TYPE_CHECKING:
    from signlang.params import Params


@dataclass(frozen=True)
class SignerData:
    """Raw windows of every sample with its label and signer; classes sorted."""

    X: np.ndarray  # (n, T, F) float32 raw coordinates, as data/dataset.npz holds them
    labels: np.ndarray
    signers: np.ndarray
    ids: np.ndarray
    classes: tuple[str, ...]
    # True for samples that only ever train (signers with too few windows); None: none such.
    train_only: np.ndarray | None = None

    @property
    def testable(self) -> np.ndarray:
        """The samples folds are made of (every sample but the training-only ones)."""
        return np.ones(len(self.labels), bool) if self.train_only is None else ~self.train_only

    def subset(self, index: np.ndarray) -> SignerData:
        return SignerData(self.X[index], self.labels[index], self.signers[index], self.ids[index], self.classes,
                          None if self.train_only is None else self.train_only[index])


def cv_sources(params: Params, data: str | Path | None = None) -> list[SourceParams]:
    """`--data` when given, else crossval.sources, else ingest.sources: the pipeline's data."""
    if data is not None:
        return [SourceParams(path=str(data))]
    return list(params.crossval.sources or params.ingest.sources)


def load_signer_data(params: Params, data: str | Path | None = None, cache_dir: str | Path | None = None) -> SignerData:
    """The windows of `cv_sources` with ingest's rules, made as the extract stage makes them (video
    clips read from, or added to, the keypoint cache `cache_dir`, default data/keypoints);
    signers with fewer than crossval.min_signer_windows windows marked training-only."""
    from signlang import paths
    from signlang.data.ingest import build_manifest
    from signlang.features.extract import source_windows

    sources = cv_sources(params, data)
    for source in sources:
        if not Path(source.path).exists():
            raise ParamsError(f"crossval: source {source.path!r} does not exist")
    table = build_manifest(params.ingest.model_copy(update={"sources": sources}))
    unnamed = table[table.signer.astype(str) == ""]
    if len(unnamed):
        raise SignlangError(f"cross-validation by signer needs every sample's signer; {len(unnamed)} of {len(table)} "
                            f"have none (e.g. {unnamed.id.iloc[0]}): name them in ingest.sources (signer, "
                            "signer_pattern or a metadata CSV)")
    samples, _ = source_windows(table.to_dict("records"), params.features, params.extract,
                                paths.KEYPOINT_CACHE_DIR if cache_dir is None else cache_dir,
                                strict=params.ingest.on_error == "strict")
    if not samples.kept:
        raise SignlangError(f"crossval: none of the {len(table)} samples of {', '.join(s.path for s in sources)} "
                            "could be used")
    arrays = samples.dataset_arrays()
    signers = arrays["signers"].astype(str)
    names, counts = np.unique(signers, return_counts=True)
    few = set(names[counts < params.crossval.min_signer_windows])
    train_only = np.isin(signers, list(few))
    data_ = SignerData(arrays["X"].astype(np.float32), arrays["labels"].astype(str), signers,
                       arrays["ids"].astype(str), tuple(str(name) for name in arrays["classes"]),
                       train_only if train_only.any() else None)
    refuse_shared_windows(data_)
    return data_


def refuse_shared_windows(data: SignerData) -> None:
    """A training-only window equal to a tested one is one recording on both sides of a fold."""
    if data.train_only is None:
        return
    tested = {window.tobytes(): sample for window, sample in zip(data.X[data.testable], data.ids[data.testable])}
    for window, sample in zip(data.X[data.train_only], data.ids[data.train_only]):
        if window.tobytes() in tested:
            raise ParamsError(f"crossval: {sample} is the same window as {tested[window.tobytes()]} under another "
                              "signer: one recording on both sides of a fold")
