"""signlang.crossval.data: the pipeline's own samples, read with ingest's rules and made into
windows as the extract stage makes them; signers with too few windows only train."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from signlang.crossval.data import cv_sources, load_signer_data
from signlang.errors import ParamsError, SignlangError
from tests.signlang.crossval.helpers import SIGNERS, link_signers, make_params


def test_the_windows_are_the_extract_stages(project_root: Path, few_signers: Path, tmp_path: Path) -> None:
    data = load_signer_data(make_params(project_root), few_signers, cache_dir=tmp_path / "cache")
    assert set(data.signers) == set(SIGNERS) and data.train_only is None
    assert data.X.shape[1:] == (30, 258) and data.X.dtype == np.float32
    assert len(data.X) == len(data.labels) == len(data.ids) == 60 + 90 + 90 + 60  # AD-Codex's `no` removed (v2)
    assert set(data.labels) <= set(data.classes) and list(data.ids) == sorted(data.ids)


def test_cross_validation_follows_ingest_sources_unless_told(project_root: Path, few_signers: Path) -> None:
    params = make_params(project_root)
    assert cv_sources(params) == list(params.ingest.sources)  # one params change switches both
    assert [source.path for source in cv_sources(params, few_signers)] == [str(few_signers)]
    told = make_params(project_root, sources=[{"path": str(few_signers)}])
    assert [source.path for source in cv_sources(told)] == [str(few_signers)]


def cut_signer(shared_data: Path, signer: str, windows: int, target: Path) -> None:
    """A real signer's file cut to its first `windows` windows, saved as `target`."""
    source = np.load(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz", allow_pickle=False)
    np.savez(target, **{key: source[key][:windows] if source[key].ndim else source[key] for key in source.files})


def test_signers_with_few_windows_only_train(project_root: Path, shared_data: Path, tmp_path: Path) -> None:
    folder = link_signers(tmp_path / "data", shared_data, {name: name for name in SIGNERS})
    cut_signer(shared_data, "Jeet10", 5, folder / "Jeet10.npz")
    data = load_signer_data(make_params(project_root, min_signer_windows=10), folder, cache_dir=tmp_path / "cache")
    assert set(data.signers[data.train_only]) == {"Jeet10"} and int(data.train_only.sum()) == 5
    assert set(data.signers[data.testable]) == set(SIGNERS)
    everyone = load_signer_data(make_params(project_root, min_signer_windows=1), folder, cache_dir=tmp_path / "cache")
    assert everyone.train_only is None


def test_a_training_only_window_equal_to_a_tested_one_is_refused(project_root: Path, shared_data: Path,
                                                                  tmp_path: Path) -> None:
    folder = link_signers(tmp_path / "data", shared_data, {name: name for name in SIGNERS})
    cut_signer(shared_data, "AdrLfv", 5, folder / "someone_else.npz")  # one recording under two names
    with pytest.raises(ParamsError, match=r"someone_else\.npz#0 is the same window as .*AdrLfv\.npz#0"):
        load_signer_data(make_params(project_root, min_signer_windows=10), folder, cache_dir=tmp_path / "cache")


def test_samples_without_a_signer_are_refused(project_root: Path, shared_data: Path, tmp_path: Path) -> None:
    mp_data = shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data"
    with pytest.raises(SignlangError, match="needs every sample's signer; 30 of 30 have none"):
        load_signer_data(make_params(project_root), mp_data, cache_dir=tmp_path / "cache")


def test_a_missing_source_is_named(project_root: Path, tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="crossval: source .*nowhere.* does not exist"):
        load_signer_data(make_params(project_root), tmp_path / "nowhere")
