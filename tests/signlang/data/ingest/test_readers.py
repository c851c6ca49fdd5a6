"""signlang.data.ingest.readers: reading keypoint samples back from manifest rows (every
keypoint kind, real files), cached per file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signlang.data import ingest
from signlang.data.ingest import readers
from signlang.errors import InputFileError


def test_load_npz_sample(shared_data: Path) -> None:
    path = shared_data / "keypoints" / "multisigner-258" / "daita-sur.npz"
    with np.load(path) as data:
        expected = data["X"][7]
    for index in (7, "7", 7.0):  # int, as read from CSV, as a float column
        frames = ingest.load_keypoint_sample({"kind": "npz", "path": str(path), "index": index})
        assert frames.dtype == np.float32 and frames.shape == (15, 258)
        np.testing.assert_array_equal(frames, expected.astype(np.float32))
    with pytest.raises(InputFileError, match="no row 100000"):
        ingest.load_keypoint_sample({"kind": "npz", "path": str(path), "index": 100000})
    with pytest.raises(InputFileError, match="no index"):
        ingest.load_keypoint_sample({"kind": "npz", "path": str(path), "index": ""})


def test_npz_files_are_opened_once(shared_data: Path) -> None:
    path = str(shared_data / "keypoints" / "multisigner-258" / "hirak214.npz")
    readers._read_npz_cached.cache_clear()
    for index in range(60):
        ingest.load_keypoint_sample(pd.Series({"kind": "npz", "path": path, "index": index}))
    info = readers._read_npz_cached.cache_info()
    assert info.misses == 1 and info.hits == 59


def test_load_mp_data_sample_in_numeric_frame_order(shared_data: Path) -> None:
    folder = shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data" / "thankYou" / "3"
    frames = ingest.load_keypoint_sample({"kind": "mp_data", "path": str(folder), "index": None})
    assert frames.dtype == np.float32 and frames.shape == (30, 1662)
    np.testing.assert_array_equal(frames[10], np.load(folder / "10.npy").astype(np.float32))
    np.testing.assert_array_equal(frames[2], np.load(folder / "2.npy").astype(np.float32))
    assert [p.name for p in ingest.mp_data_frame_files(folder)][:4] == ["0.npy", "1.npy", "2.npy", "3.npy"]


def test_load_psl_h5_sample_ordered_by_frame(shared_data: Path) -> None:
    path = shared_data / "keypoints" / "psl-h5" / "7" / "buenos_dias.h5"
    table = pd.read_hdf(path)
    sample = int(table["sample"].iloc[-1])
    rows = table[table["sample"] == sample].sort_values("frame")
    frames = ingest.load_keypoint_sample({"kind": "psl_h5", "path": str(path), "index": sample})
    assert frames.shape == (len(rows), 1662) and frames.dtype == np.float32
    np.testing.assert_array_equal(frames, np.stack(rows["keypoints"].to_list()).astype(np.float32))
    with pytest.raises(InputFileError, match="no sample 9999"):
        ingest.load_keypoint_sample({"kind": "psl_h5", "path": str(path), "index": 9999})


def test_load_refuses_videos_and_unknown_kinds(shared_data: Path) -> None:
    clip = str(shared_data / "videos" / "asl-starter" / "hello" / "hello_02.mp4")
    with pytest.raises(InputFileError, match="is a video"):
        ingest.load_keypoint_sample({"kind": "video", "path": clip, "index": ""})
    with pytest.raises(InputFileError, match="unknown manifest kind 'csv'"):
        ingest.load_keypoint_sample({"kind": "csv", "path": clip, "index": ""})


def test_cached_npz_is_reread_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "signer.npz"
    np.savez(path, X=np.zeros((1, 4, 258), np.float16), label=np.array(["hello"]))
    assert ingest.load_keypoint_sample({"kind": "npz", "path": str(path), "index": 0}).sum() == 0
    np.savez(path, X=np.ones((2, 5, 258), np.float16), label=np.array(["hello", "no"]))
    again = ingest.load_keypoint_sample({"kind": "npz", "path": str(path), "index": 1})
    assert again.shape == (5, 258) and again.sum() == 5 * 258
