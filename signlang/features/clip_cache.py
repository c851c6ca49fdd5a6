"""Video clips through MediaPipe Holistic, in parallel, cached by content.

Each clip runs in a worker (one Holistic per clip) and its keypoints are written to
`data/keypoints/<key>.npz`, keyed by the clip's content hash and the Holistic settings: a clip
already extracted with the same settings is read back, never recomputed, and finished clips
survive an interrupted run. Backends: joblib's (loky, threading), multiprocessing, sequential,
or a Dask cluster (`signlang.features.cluster`).
"""

from __future__ import annotations

import hashlib
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from signlang.data.layout import FULL_SIZE
from signlang.errors import InputFileError
from signlang.features.holistic import HolisticSettings, extract_video
from signlang.io import save_npz


def worker_count(workers: int, jobs: int) -> int:
    """Processes to start: `workers` (-1 all cores, -2 all but one, ...), at most `jobs`."""
    import joblib

    if workers < 0:
        workers = max(1, joblib.cpu_count() + 1 + workers)
    return max(1, min(workers, jobs))


# --- files -------------------------------------------------------------------------------


def cache_key(content_hash: str, settings: HolisticSettings) -> str:
    """The per-clip cache key: sha256 of the clip's content hash and the Holistic settings."""
    return hashlib.sha256(f"{content_hash}\n{settings.cache_key_part()}".encode()).hexdigest()


def cache_file(cache_dir: str | Path, key: str) -> Path:
    return Path(cache_dir) / f"{key}.npz"


def write_cached_clip(path: str | Path, frames: np.ndarray, fps: float) -> None:
    save_npz(path, {"frames": np.asarray(frames, dtype=np.float32), "fps": np.float64(fps)})


def read_cached_clip(path: str | Path) -> tuple[np.ndarray, float]:
    """Frames float32 (n, 1662) and fps of a cache file; InputFileError when unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            frames = np.asarray(data["frames"], dtype=np.float32)
            fps = float(data["fps"])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
        raise InputFileError(path, f"unreadable keypoint cache file ({type(exc).__name__}: {exc})") from None
    if frames.ndim != 2 or frames.shape[1] != FULL_SIZE or frames.shape[0] == 0:
        raise InputFileError(path, f"keypoint cache file holds frames of shape {frames.shape}")
    return frames, fps


# --- one clip, in a worker ---------------------------------------------------------------


def extract_clip(row_id: str, video_path: str, target: str | Path, settings: HolisticSettings,
                 single_threaded: bool = False) -> tuple[str, int, str | None]:
    """Run Holistic on one video and write its cache file. Runs inside a parallel worker;
    returns `(row id, frames extracted, None)` or `(row id, 0, reason)` when the clip is unusable.

    `single_threaded`: OpenCV's resizing and FFmpeg's decoding on one thread each. Parallel
    workers already fill every core, and their extra threads would only compete with
    Holistic's own."""
    if single_threaded:
        import cv2

        cv2.setNumThreads(1)
    try:
        frames, fps = extract_video(video_path, settings, decoder_threads=1 if single_threaded else 0)
    except InputFileError as exc:
        return row_id, 0, exc.problem
    write_cached_clip(target, frames, fps)
    return row_id, int(frames.shape[0]), None


def _extract_job(job: tuple[str, str, Path, HolisticSettings, bool]) -> tuple[str, int, str | None]:
    return extract_clip(*job)


def _run_jobs(
    jobs: list[tuple[str, str, Path]], settings: HolisticSettings, backend: str, workers: int,
    scheduler_address: str | None = None,
) -> Iterator[tuple[str, int, str | None]]:
    """Results of `extract_clip` per job, as each clip finishes.

    Paths are made absolute first: worker processes (loky's are reused between calls, Dask's
    may run elsewhere) need not share this process's working directory.
    """
    n_jobs = 1 if backend == "sequential" else worker_count(workers, len(jobs))
    single_threaded = n_jobs > 1
    tasks = [(row_id, str(Path(video).resolve()), Path(target).resolve(), settings, single_threaded)
             for row_id, video, target in jobs]
    if backend == "sequential":
        yield from map(_extract_job, tasks)
        return
    if backend == "multiprocessing":
        # joblib's multiprocessing backend only returns a list at the end (no progress):
        # the same process pool, used directly.
        import multiprocessing

        with multiprocessing.Pool(n_jobs) as pool:
            yield from pool.imap_unordered(_extract_job, tasks)
        return
    from joblib import Parallel, delayed

    if backend == "dask":
        from signlang.features.cluster import dask_backend

        with dask_backend(scheduler_address, n_jobs) as dask_jobs:
            parallel = Parallel(n_jobs=dask_jobs, return_as="generator_unordered")
            yield from parallel(delayed(_extract_job)(task) for task in tasks)
        return
    parallel = Parallel(n_jobs=n_jobs, backend=backend, return_as="generator_unordered")
    yield from parallel(delayed(_extract_job)(task) for task in tasks)


def extract_clips(
    jobs: list[tuple[str, str, Path]],
    settings: HolisticSettings,
    backend: str = "loky",
    workers: int = -1,
    progress: bool = True,
    scheduler_address: str | None = None,
    on_result: Callable[[str, int, str | None], None] | None = None,
) -> tuple[dict[str, tuple[int, str | None]], int, float]:
    """Extract `(row id, video path, cache file)` jobs in parallel with a progress bar
    (backend dask: on the Dask scheduler at `scheduler_address`, else a local cluster).

    Returns `({row id: (frames, reason or None)}, frames extracted, seconds)`. Each worker
    writes its clip's cache file itself, so finished clips survive an interrupted run.
    `on_result(row id, frames, reason)` is called as each clip finishes (it may raise to stop)."""
    from tqdm import tqdm

    results: dict[str, tuple[int, str | None]] = {}
    total_frames = 0
    started = time.perf_counter()
    with tqdm(total=len(jobs), unit="clip", desc="extract", disable=not progress or not jobs,
              mininterval=1.0, file=sys.stderr) as bar:
        for row_id, count, reason in _run_jobs(jobs, settings, backend, workers, scheduler_address):
            results[row_id] = (count, reason)
            if on_result is not None:
                on_result(row_id, count, reason)
            total_frames += count
            elapsed = time.perf_counter() - started
            bar.set_postfix_str(f"{total_frames / elapsed if elapsed > 0 else 0.0:.1f} frames/s", refresh=False)
            bar.update(1)
    return results, total_frames, time.perf_counter() - started


def prune_cache(cache_dir: Path, keep: set[Path]) -> int:
    """Remove cached clip keypoints no manifest row asks for; returns how many were removed."""
    stale = [path for path in cache_dir.glob("*.npz") if path not in keep]
    for path in stale:
        path.unlink()
    return len(stale)
