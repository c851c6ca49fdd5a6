"""The windows the audit reads (AuditData): from data/dataset.npz and data/manifest.csv, or
built by signlang.audit.folders from any folders ingest reads; checked before scoring."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from signlang.errors import InputFileError, SignlangError
from signlang.features import keypoints as kp

PARTS = ("pose", "left_hand", "right_hand")


@dataclass(frozen=True)
class AuditData:
    """Raw windows (n, T, 258: pose, left hand, right hand) with what is known of each."""

    X: np.ndarray
    ids: np.ndarray
    labels: np.ndarray
    signers: np.ndarray
    folders: np.ndarray  # the spelling found: <label> folder, npz source_action
    hashes: np.ndarray  # content hash of the sample (sha256)
    sources: tuple[str, ...] = ()


def check_data(data: AuditData) -> None:
    """Refuse windows that are not (n, T, 258) finite values aligned with their ids."""
    X = data.X
    if X.ndim != 3 or X.shape[2] != kp.NO_FACE_SIZE or len(X) == 0:
        raise SignlangError(f"audit: windows of shape {X.shape}; expected (n > 0, frames, 258): pose and both hands")
    if not len(X) == len(data.ids) == len(data.labels) == len(data.signers):
        raise SignlangError(f"audit: {len(X)} windows but {len(data.ids)} ids, {len(data.labels)} labels, "
                            f"{len(data.signers)} signers")
    finite = np.isfinite(X).reshape(len(X), -1).all(axis=1)
    if not finite.all():
        bad = data.ids[~finite]
        raise InputFileError(bad[0], f"holds NaN or infinite keypoint values ({len(bad)} window(s) in all)")


def window_hash(window: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(window, dtype=np.float32).tobytes()).hexdigest()


def load_dataset(dataset_path: str | Path, manifest_path: str | Path, parts: Sequence[str]) -> AuditData:
    """data/dataset.npz (windows as the model sees them) with the manifest's folders and
    content hashes (by id); pose and both hands are taken from the windows' `parts`
    (features.parts)."""
    from signlang.data.dataset import read_dataset

    arrays = read_dataset(Path(dataset_path))
    parts = tuple(parts)
    missing = [part for part in PARTS if part not in parts]
    if missing:
        raise SignlangError(f"audit: features.parts lacks {', '.join(missing)}; the audit reads pose and both hands")
    X = kp.join_parts(kp.split_parts(arrays["X"], parts), PARTS)
    ids = arrays["ids"].astype(str)
    manifest = _manifest_columns(Path(manifest_path))
    known = manifest.reindex(ids)
    signers = known["signer"].fillna("").to_numpy(str)
    folders = known["raw_label"].fillna("").to_numpy(str)
    hashes = np.where(known["content_hash"].fillna("") == "", [window_hash(x) for x in X], known["content_hash"].fillna(""))
    return AuditData(X=X, ids=ids, labels=arrays["labels"].astype(str), signers=signers, folders=folders,
                     hashes=hashes.astype(str), sources=(str(dataset_path),))


def _manifest_columns(path: Path) -> pd.DataFrame:
    """signer, raw_label and content_hash of data/manifest.csv by id (all text)."""
    if not path.is_file():
        raise InputFileError(path, "manifest not found (run `dvc repro ingest` first)")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [column for column in ("id", "signer", "raw_label", "content_hash") if column not in table.columns]
    if missing:
        raise InputFileError(path, f"missing column(s) {', '.join(missing)}")
    return table.set_index("id")[["signer", "raw_label", "content_hash"]]
