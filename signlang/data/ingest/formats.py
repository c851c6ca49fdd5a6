"""What one data file (or MP_Data sequence folder) holds, per layout: its samples' content
hashes and frame counts, and the fps or recorded labels it carries. Nothing here depends on
params.yaml, so a result stays valid as long as the file does (see cache.py).

Each reader returns a plain JSON-able record, or raises InputFileError with the reason the file
cannot be used."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np

from signlang.data.ingest.readers import check_frames, read_h5_samples, read_npz
from signlang.data.layout import LAYOUTS
from signlang.errors import InputFileError
from signlang.io import file_sha256

VIDEO_EXTENSIONS = frozenset({".mp4", ".avi", ".mov", ".webm", ".mkv"})
H5_EXTENSIONS = frozenset({".h5", ".hdf5"})
_WIDTHS = tuple(sorted(LAYOUTS))  # 258, 1662


def read_video(path: Path) -> dict:
    """{"hash": sha256 of the file, "frames": count, "fps": float or None}."""
    frames, fps = probe_video(path)
    return {"hash": file_sha256(path), "frames": frames, "fps": fps}


def probe_video(path: Path) -> tuple[int, float | None]:
    """(frame count, fps or None) from OpenCV; refuses a file it cannot open or decode."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise InputFileError(path, "cannot be opened as a video (damaged or unsupported format)")
        fps = capture.get(cv2.CAP_PROP_FPS)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        if not capture.read()[0]:
            raise InputFileError(path, "video has no decodable frames (empty, damaged, or a codec OpenCV cannot decode)")
        if count <= 0:  # some containers (webm, mkv) carry no frame count: count them
            count = 1
            while capture.grab():
                count += 1
    finally:
        capture.release()
    return count, (float(fps) if fps and np.isfinite(fps) and fps > 0 else None)


def read_mp_data(folder: Path, files: list[Path]) -> dict:
    """{"hash": sha256 of the frame files' bytes in frame order, "frames": count}."""
    digest, frames = hashlib.sha256(), []
    for file in files:
        data = file.read_bytes()
        digest.update(data)
        try:
            frames.append(np.load(io.BytesIO(data), allow_pickle=False))
        except (ValueError, OSError, EOFError) as exc:
            raise InputFileError(folder, f"frame file {file.name} cannot be read: {exc}") from None
    shapes = sorted({frame.shape for frame in frames})
    if len(shapes) != 1 or len(shapes[0]) != 1 or shapes[0][0] not in LAYOUTS:
        raise InputFileError(folder, f"frame files have shape(s) {shapes}; expected one ({'|'.join(map(str, _WIDTHS))},) vector each")
    check_frames(np.stack(frames), folder)
    return {"hash": digest.hexdigest(), "frames": len(frames)}


def read_h5(path: Path) -> dict:
    """{"samples": [[sample value, sha256 of its frames, frame count], ...]} of a PSL-style HDF5 file."""
    samples = read_h5_samples(path)
    if not samples:
        raise InputFileError(path, "holds no samples")
    found = []
    for sample, frames in samples.items():
        check_frames(frames, f"{path} sample {sample}")
        found.append([int(sample), hashlib.sha256(frames.tobytes()).hexdigest(), len(frames)])
    return {"samples": found}


def read_npz_file(path: Path) -> dict:
    """{"frames": T, "labels": [...], "raws": [...] (source_action, else the labels), "hashes":
    [sha256 per row, None for a row with NaN or infinite values]} of a multi-signer .npz file."""
    data = read_npz(path)
    missing = [key for key in ("X", "label") if key not in data]
    if missing:
        raise InputFileError(path, f"missing array(s) {', '.join(missing)} (a multi-signer npz needs X, label)")
    X, labels = data["X"], data["label"]
    raws = data.get("source_action", labels)
    if X.ndim != 3 or X.shape[2] not in LAYOUTS or len(labels) != len(X) or len(raws) != len(X):
        raise InputFileError(
            path, f"X of shape {X.shape} with {len(labels)} labels; expected (n, frames, 1662|258) and n labels"
        )
    finite = np.isfinite(X).all(axis=(1, 2))
    return {
        "frames": int(X.shape[1]),
        "labels": [str(label) for label in labels],
        "raws": [str(raw) for raw in raws],
        "hashes": [hashlib.sha256(X[index].tobytes()).hexdigest() if finite[index] else None
                   for index in range(len(X))],
    }
