"""The windows the audit reads: the pipeline's dataset with its manifest, and bad input as one
error naming the file or the window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signlang.audit.data import AuditData, check_data, load_dataset, window_hash
from signlang.errors import InputFileError, SignlangError


def write_dataset(folder: Path, real: AuditData, rows: np.ndarray) -> tuple[Path, Path]:
    """A dataset.npz (as the extract stage writes it) and manifest.csv of `real`'s windows `rows`;
    the manifest leaves the last window's content hash empty."""
    dataset, manifest = folder / "dataset.npz", folder / "manifest.csv"
    np.savez(dataset, X=real.X[rows], ids=real.ids[rows], labels=real.labels[rows],
             classes=np.array(sorted(set(real.labels[rows]))))
    hashes = real.hashes[rows].copy()
    hashes[-1] = ""
    pd.DataFrame({"id": real.ids[rows], "signer": real.signers[rows], "raw_label": real.folders[rows],
                  "content_hash": hashes}).to_csv(manifest, index=False)
    return dataset, manifest


def test_dataset_and_manifest_are_read_by_id(real: AuditData, tmp_path: Path) -> None:
    rows = np.flatnonzero(np.isin(real.signers, ["hirak214", "daita-sur"]))[::-1]
    dataset, manifest = write_dataset(tmp_path, real, rows)
    data = load_dataset(dataset, manifest, ["pose", "left_hand", "right_hand"])
    assert list(data.ids) == list(real.ids[rows]) and list(data.signers) == list(real.signers[rows])
    assert list(data.folders) == list(real.folders[rows])
    np.testing.assert_array_equal(data.X, real.X[rows])
    assert data.hashes[-1] == window_hash(real.X[rows[-1]])  # no hash in the manifest: the window's own
    assert data.sources == (str(dataset),)


def test_dataset_without_both_hands_or_manifest_is_refused(real: AuditData, tmp_path: Path) -> None:
    dataset, manifest = write_dataset(tmp_path, real, np.arange(40))
    with pytest.raises(SignlangError, match="features.parts lacks right_hand"):
        load_dataset(dataset, manifest, ["pose", "left_hand"])
    with pytest.raises(InputFileError, match="manifest not found"):
        load_dataset(dataset, tmp_path / "none.csv", ["pose", "left_hand", "right_hand"])
    pd.read_csv(manifest).drop(columns="raw_label").to_csv(manifest, index=False)
    with pytest.raises(InputFileError, match="missing column.* raw_label"):
        load_dataset(dataset, manifest, ["pose", "left_hand", "right_hand"])


def test_windows_with_nan_or_wrong_width_are_refused(real: AuditData) -> None:
    X = real.X.copy()
    X[3, 2, 7] = np.inf
    with pytest.raises(InputFileError, match=f"{real.ids[3]}: holds NaN or infinite"):
        check_data(AuditData(X, real.ids, real.labels, real.signers, real.folders, real.hashes))
    with pytest.raises(SignlangError, match="expected .* 258"):
        check_data(AuditData(real.X[..., :200], real.ids, real.labels, real.signers, real.folders, real.hashes))
    with pytest.raises(SignlangError, match="but 3 ids"):
        check_data(AuditData(real.X, real.ids[:3], real.labels, real.signers, real.folders, real.hashes))
