"""extract.backend: dask (signlang/features/cluster.py) on a real local Dask cluster (2 worker
processes) gives the same keypoints as the default loky path, on short real clips."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from signlang.features.clip_cache import extract_clips, read_cached_clip
from signlang.features.holistic import HolisticSettings

# Two-second clips (64 frames each) of two people.
CLIPS = ["eat/eat_02.mp4", "water/water_02.mp4"]


def _jobs(clips: list[Path], cache: Path) -> list[tuple[str, str, Path]]:
    return [(clip.stem, str(clip), cache / f"{clip.stem}.npz") for clip in clips]


@pytest.mark.slow
def test_dask_cluster_extracts_the_same_keypoints_as_loky(tmp_path: Path, shared_data: Path, monkeypatch) -> None:
    from distributed import LocalCluster

    clips = []
    for clip in CLIPS:  # a copy in a relative folder: the dask path must resolve it
        target = tmp_path / "videos" / clip
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared_data / "videos" / "more" / "asl" / clip, target)
        clips.append(Path("videos") / clip)
    monkeypatch.chdir(tmp_path)
    settings = HolisticSettings()

    loky, _, _ = extract_clips(_jobs(clips, Path("loky")), settings, "loky", 2, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster:
        dask, frames, _ = extract_clips(_jobs(clips, Path("dask")), settings, "dask", 2, progress=False,
                                        scheduler_address=cluster.scheduler_address)
        assert len(cluster.scheduler.workers) == 2
    assert dask == loky and frames > 0
    for clip in clips:
        expected, fps = read_cached_clip(Path("loky") / f"{clip.stem}.npz")
        got, got_fps = read_cached_clip(Path("dask") / f"{clip.stem}.npz")
        np.testing.assert_array_equal(got, expected)
        assert got_fps == fps


@pytest.mark.slow
def test_dask_backend_without_address_starts_a_local_cluster(tmp_path: Path, shared_data: Path) -> None:
    clip = shared_data / "videos" / "more" / "asl" / CLIPS[0]
    results, frames, _ = extract_clips(_jobs([clip], tmp_path), HolisticSettings(), "dask", 1, progress=False)
    assert results == {clip.stem: (frames, None)} and frames > 0
    assert (tmp_path / f"{clip.stem}.npz").is_file()
