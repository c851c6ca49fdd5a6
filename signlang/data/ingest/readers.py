"""Cached readers of keypoint samples (shared by ingest, extract and evaluate): .npz and PSL
HDF5 files opened once per path and modification time, MP_Data frame files in numeric order."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from signlang.data.layout import LAYOUTS
from signlang.errors import InputFileError

KINDS = ("video", "mp_data", "psl_h5", "npz")
H5_COLUMNS = ("sample", "frame", "keypoints")


def _stat_key(path: str | Path) -> tuple[str, int, int]:
    stat = os.stat(path)
    return str(path), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=64)
def _read_npz_cached(path: str, mtime_ns: int, size: int) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    for array in arrays.values():
        array.setflags(write=False)
    return arrays


def read_npz(path: str | Path) -> dict[str, np.ndarray]:
    """All arrays of an .npz file (read-only, cached per path and modification time)."""
    return _read_npz_cached(*_stat_key(path))


@lru_cache(maxsize=64)
def _read_h5_cached(path: str, mtime_ns: int, size: int) -> dict[int, np.ndarray]:
    table = pd.read_hdf(path)
    if not isinstance(table, pd.DataFrame):
        raise InputFileError(path, f"holds a {type(table).__name__}, expected a DataFrame")
    missing = [column for column in H5_COLUMNS if column not in table.columns]
    if missing:
        raise InputFileError(path, f"missing column(s) {', '.join(missing)} (expected {', '.join(H5_COLUMNS)})")
    samples = {}
    for sample, group in table.groupby("sample", sort=True):
        group = group.sort_values("frame", kind="stable")
        try:
            frames = np.ascontiguousarray(np.stack([np.asarray(k) for k in group["keypoints"]]))
        except ValueError as exc:
            raise InputFileError(path, f"sample {sample}: keypoint rows of unequal length ({exc})") from None
        frames.setflags(write=False)
        samples[int(sample)] = frames
    return samples


def read_h5_samples(path: str | Path) -> dict[int, np.ndarray]:
    """`sample` value -> frames (as stored, ordered by `frame`) of a PSL-style HDF5 file (cached)."""
    return _read_h5_cached(*_stat_key(path))


def mp_data_frame_files(folder: str | Path) -> list[Path]:
    """The `<n>.npy` frame files of an MP_Data sequence folder, in numeric order."""
    names = [name for name in os.listdir(folder) if frame_number(name) is not None]
    return [Path(folder) / name for name in sorted(names, key=frame_number)]


def frame_number(name: str) -> int | None:
    stem, ext = os.path.splitext(name)
    return int(stem) if ext.lower() == ".npy" and stem.isdigit() else None


def _row_index(value: object, path: str) -> int:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) or value == "":
        raise InputFileError(path, "manifest row has no index for a multi-sample file")
    return int(float(value))


def load_keypoint_sample(row: Mapping) -> np.ndarray:
    """Frames float32 (n, 1662|258) of a keypoint manifest row (kind mp_data, psl_h5 or npz).

    `row` is a dict or pandas Series with at least `path`, `index` and `kind`; opened npz and
    HDF5 files are cached, so calling this for thousands of rows reads each file once."""
    kind, path = row["kind"], str(row["path"])
    if kind == "npz":
        X = read_npz(path)["X"]
        index = _row_index(row["index"], path)
        if not 0 <= index < len(X):
            raise InputFileError(path, f"has no row {index} (holds {len(X)})")
        frames = X[index]
    elif kind == "psl_h5":
        samples = read_h5_samples(path)
        index = _row_index(row["index"], path)
        if index not in samples:
            raise InputFileError(path, f"has no sample {index}")
        frames = samples[index]
    elif kind == "mp_data":
        files = mp_data_frame_files(path)
        if not files:
            raise InputFileError(path, "holds no <n>.npy frame files")
        frames = np.stack([np.load(file, allow_pickle=False) for file in files])
    elif kind == "video":
        raise InputFileError(path, "is a video: run Holistic on it (signlang.features.holistic.extract_video)")
    else:
        raise InputFileError(path, f"unknown manifest kind {kind!r}; allowed: {', '.join(KINDS)}")
    check_frames(frames, path)
    return np.asarray(frames, dtype=np.float32)


def check_frames(frames: np.ndarray, path: str | Path) -> None:
    if frames.ndim != 2 or frames.shape[1] not in LAYOUTS:
        raise InputFileError(path, f"frames of shape {frames.shape}; expected (n, 1662) or (n, 258)")
    if frames.shape[0] == 0:
        raise InputFileError(path, "has no frames")
    if not np.all(np.isfinite(frames)):
        raise InputFileError(path, f"holds {int(np.sum(~np.isfinite(frames)))} NaN or infinite keypoint values")
