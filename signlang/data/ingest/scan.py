"""Scanning: every sample of a source, per layout (videos, MP_Data, PSL .h5, multi-signer
.npz); unreadable files go to the skip list with the reason, never a crash."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from signlang.data.ingest.labels import alias_table, canonical
from signlang.data.ingest.manifest import to_table
from signlang.data.ingest.readers import check_frames, frame_number, read_h5_samples, read_npz
from signlang.data.ingest.skips import SkipList, StrictStop
from signlang.data.ingest.sources import Source, hidden
from signlang.data.layout import LAYOUTS
from signlang.data.settings import IngestParams
from signlang.errors import InputFileError, SignlangError
from signlang.io import file_sha256

VIDEO_EXTENSIONS = frozenset({".mp4", ".avi", ".mov", ".webm", ".mkv"})
H5_EXTENSIONS = frozenset({".h5", ".hdf5"})
_WIDTHS = tuple(sorted(LAYOUTS))  # 258, 1662


def _label_folder(rel: str, depth: int) -> str | None:
    """The folder `depth` levels above the file inside the source, or None when it is the source itself."""
    parts = rel.split("/")
    return parts[-1 - depth] if len(parts) > depth else None


def _video_rows(src: Source, path: Path, rel: str) -> list[dict]:
    raw = _label_folder(rel, 1)
    if raw is None:
        raise InputFileError(path, "video is not inside a <label> folder")
    frames, fps = _probe_video(path)
    label = canonical(raw, src.aliases)
    return [src.row(rel, raw, label, src.signer(path, path.stem), file_sha256(path), frames, "video", fps=fps)]


def _probe_video(path: Path) -> tuple[int, float | None]:
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


def _mp_data_row(src: Source, folder: Path, rel: str, files: list[Path]) -> dict:
    raw = _label_folder(rel, 1)
    if raw is None:
        raise InputFileError(folder, "MP_Data sequence folder is not inside an <action> folder")
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
    label = canonical(raw, src.aliases)
    return src.row(rel, raw, label, src.signer(folder, folder.name), digest.hexdigest(), len(frames), "mp_data")


def _h5_rows(src: Source, path: Path, rel: str) -> list[dict]:
    samples = read_h5_samples(path)
    if not samples:
        raise InputFileError(path, "holds no samples")
    raw = path.stem
    label, signer = canonical(raw, src.aliases), src.signer(path, path.stem)
    rows = []
    for sample, frames in samples.items():
        check_frames(frames, f"{path} sample {sample}")
        digest = hashlib.sha256(frames.tobytes()).hexdigest()
        rows.append(src.row(rel, raw, label, signer, digest, len(frames), "psl_h5", index=sample))
    return rows


def _npz_rows(src: Source, path: Path, rel: str, skipped: list) -> list[dict]:
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
    signer = src.signer(path, path.stem, fallback=path.stem)
    rows = []
    for index in range(len(X)):
        if not finite[index]:
            skipped.append({"path": f"{src.location(rel)}#{index}", "reason": "holds NaN or infinite keypoint values"})
            continue
        label = canonical(str(labels[index]), src.aliases)
        digest = hashlib.sha256(X[index].tobytes()).hexdigest()
        rows.append(src.row(rel, str(raws[index]), label, signer, digest, X.shape[1], "npz", index=index))
    return rows


def scan_source(src: Source, skipped: list) -> list[dict]:
    """Every sample in one source folder; unreadable files go to `skipped` with the reason."""
    rows: list[dict] = []

    def attempt(location: str, read, *args) -> None:
        try:
            result = read(*args)
        except StrictStop:
            raise
        except InputFileError as exc:
            skipped.append({"path": location, "reason": exc.problem})
        except Exception as exc:  # noqa: BLE001 - readers (cv2, PyTables, numpy) raise many kinds
            skipped.append({"path": location, "reason": f"cannot be read: {type(exc).__name__}: {exc}"})
        else:
            rows.extend(result if isinstance(result, list) else [result])

    for dirpath, dirnames, filenames in os.walk(src.root):
        dirnames[:] = [] if src.single_file else sorted(name for name in dirnames if not hidden(name))
        folder = Path(dirpath)
        rel_folder = folder.relative_to(src.root).as_posix()
        prefix = "" if rel_folder == "." else f"{rel_folder}/"
        frame_files = []
        for name in sorted(filenames):
            path = folder / name
            if hidden(name) or (src.metadata is not None and path.resolve() == src.metadata):
                continue
            rel, ext = prefix + name, path.suffix.lower()
            if not src.reads(rel):
                continue
            if frame_number(name) is not None:
                frame_files.append(name)
            elif ext in VIDEO_EXTENSIONS:
                attempt(src.location(rel), _video_rows, src, path, rel)
            elif ext in H5_EXTENSIONS:
                attempt(src.location(rel), _h5_rows, src, path, rel)
            elif ext == ".npz":
                attempt(src.location(rel), _npz_rows, src, path, rel, skipped)
            elif ext == ".npy":
                skipped.append({"path": src.location(rel), "reason": "a .npy file not named <n>.npy (MP_Data <action>/<sequence>/<n>.npy)"})
            else:
                skipped.append({"path": src.location(rel), "reason": f"unknown file type {ext or '(no extension)'}"})
        if frame_files:
            files = [folder / name for name in sorted(frame_files, key=frame_number)]
            attempt(src.location(rel_folder), _mp_data_row, src, folder, rel_folder, files)
    return rows



def scan_sources(params: IngestParams, skipped: list | None = None) -> pd.DataFrame:
    """Every sample of every source, labels aliased, before class filtering; sorted by id."""
    skipped = [] if skipped is None else skipped
    aliases = alias_table(params.label_aliases)
    rows: list[dict] = []
    for number, source in enumerate(params.sources):
        src = Source(number, source, params, aliases)
        before = len(skipped)
        collected = SkipList(params.on_error == "strict")
        found = scan_source(src, collected)
        skipped.extend(collected)
        if not found:
            detail = f"{len(skipped) - before} file(s) could not be read" if len(skipped) > before else "it is empty"
            raise SignlangError(
                f"ingest.sources[{number}].path: no samples found in {source.path} ({detail}); expected videos in "
                "<label>/<clip> folders, MP_Data <action>/<sequence>/<frame>.npy, PSL .h5 or multi-signer .npz files"
            )
        rows.extend(found)
    skipped.sort(key=lambda entry: (entry["path"], entry["reason"]))
    table = to_table(rows)
    duplicated = table["id"][table["id"].duplicated()]
    if len(duplicated):
        raise SignlangError(
            f"ingest.sources: sample id {duplicated.iloc[0]!r} is found twice; two sources share the folder "
            "name (ids start with the source folder's name), rename or nest one of them"
        )
    return table
