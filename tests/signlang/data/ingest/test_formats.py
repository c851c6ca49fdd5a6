"""signlang.data.ingest.formats: what one real file holds, per layout, as the plain records the
cache keeps (hashes, frame counts, recorded labels); unusable files raise with the reason."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signlang.data.ingest.formats import read_h5, read_mp_data, read_npz_file, read_video
from signlang.data.ingest.readers import mp_data_frame_files
from signlang.errors import InputFileError


def test_npz_record_marks_rows_with_nan(shared_data: Path, tmp_path: Path) -> None:
    with np.load(shared_data / "keypoints" / "vocab" / "fatih150.npz") as data:
        arrays = {key: data[key] for key in data.files}
    arrays["X"] = arrays["X"].copy()
    arrays["X"][3, 0, 0] = np.nan
    np.savez(tmp_path / "f.npz", **arrays)
    record = read_npz_file(tmp_path / "f.npz")
    assert record["frames"] == 30 and len(record["hashes"]) == 90 and record["hashes"][3] is None
    assert record["hashes"][0] == hashlib.sha256(arrays["X"][0].tobytes()).hexdigest()
    assert "teşekkürederim" in record["labels"] and record["raws"] == [str(raw) for raw in arrays["source_action"]]
    assert json.loads(json.dumps(record)) == record  # what the cache stores


def test_h5_and_mp_data_and_video_records(shared_data: Path) -> None:
    path = shared_data / "keypoints" / "psl-h5" / "7" / "como_estas.h5"
    record = read_h5(path)
    table = pd.read_hdf(path)
    assert [sample for sample, _, _ in record["samples"]] == sorted(table["sample"].unique())
    assert sum(frames for _, _, frames in record["samples"]) == len(table)

    folder = shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data" / "no" / "0"
    files = mp_data_frame_files(folder)
    assert read_mp_data(folder, files) == {
        "hash": hashlib.sha256(b"".join(file.read_bytes() for file in files)).hexdigest(), "frames": 30}

    clip = shared_data / "videos" / "asl-starter" / "yes" / "yes_02.mp4"
    video = read_video(clip)
    clips = pd.read_csv(shared_data / "videos" / "clips.csv").set_index("file").loc["asl-starter/yes/yes_02.mp4"]
    assert video["frames"] == clips["frames"] and video["fps"] == pytest.approx(clips["fps"], abs=0.01)


def test_unusable_files_raise_with_the_reason(shared_data: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(InputFileError, match="cannot be opened as a video"):
        read_video(tmp_path / "empty.mp4")
    np.savez(tmp_path / "x.npz", X=np.zeros((2, 5, 100), np.float32), label=np.array(["a", "b"]))
    with pytest.raises(InputFileError, match=r"X of shape \(2, 5, 100\)"):
        read_npz_file(tmp_path / "x.npz")
