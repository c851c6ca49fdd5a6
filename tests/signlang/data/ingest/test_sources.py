"""signlang.data.ingest.sources: what a source may be (a folder, or one .npz/.h5 file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from signlang.data import ingest
from signlang.data.settings import IngestParams, SourceParams
from signlang.errors import InputFileError


def _every_class(path: Path) -> IngestParams:
    """Ingest of `path` with no label aliases, every class kept."""
    return IngestParams(sources=[SourceParams(path=str(path))], label_aliases={}, min_samples_per_class=1)


def test_one_keypoint_file_is_a_source(shared_data: Path) -> None:
    """`- path: .../vocab/fatih150.npz`: only that file is read (not its neighbours), ids and
    paths written from its folder, labels exactly as recorded (one Turkish with ş and ü)."""
    vocab = shared_data / "keypoints" / "vocab"
    table = ingest.build_manifest(_every_class(vocab / "fatih150.npz"))
    assert len(table) == 90 and set(table["path"]) == {f"{vocab.as_posix()}/fatih150.npz"}
    assert table["id"].iloc[0] == "vocab/fatih150.npz#0"
    assert sorted(table["label"].unique()) == ["evet", "merhaba", "teşekkürederim"]


def test_a_source_that_is_neither_a_folder_nor_a_keypoint_file_is_named(shared_data: Path, tmp_path: Path) -> None:
    clips_csv = shared_data / "videos" / "clips.csv"
    with pytest.raises(InputFileError, match=r"clips\.csv: ingest.sources\[0\].path is a \.csv file; a source is a folder or one"):
        ingest.build_manifest(_every_class(clips_csv))
    with pytest.raises(InputFileError, match="ingest.sources\\[0\\].path is neither a folder nor a data file"):
        ingest.build_manifest(_every_class(tmp_path / "missing"))
