"""Keypoint extraction: manifest rows -> keypoint frames -> one fixed-size window per sample
(the pieces `stages/extract.py` is made of).

Video rows run MediaPipe Holistic through the per-clip cache (`signlang.features.clip_cache`):
a clip already extracted with the same settings is read back, never recomputed, so adding a
clip extracts that clip alone. Keypoint rows (mp_data, psl_h5, npz) are read as stored.

Every sample becomes one `(sequence_length, features)` window through
`signlang.features.keypoints.clip_to_window`; the windows form `data/dataset.npz`. A sample that cannot
be used is skipped with its reason in `reports/skipped.csv`, never a crash.

This module does not import TensorFlow (nor pandas at import time), so parallel workers
start fast.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from signlang.data.layout import FULL_PARTS, LAYOUTS
from signlang.errors import InputFileError
from signlang.features.clip_cache import cache_file, cache_key, extract_clips, prune_cache, read_cached_clip
from signlang.features.holistic import HolisticSettings
from signlang.features.keypoints import clip_to_window
from signlang.io import file_sha256

if TYPE_CHECKING:
    from signlang.features.settings import ExtractParams
    from signlang.features.spec import FeatureParams

KINDS = ("video", "mp_data", "psl_h5", "npz")
VIDEO = "video"


# --- one extract run's samples ----------------------------------------------------------


@dataclass
class ExtractSummary:
    """What one extract run did (also the numbers of the printed summary line)."""

    clips: int = 0  # video clips with keypoints (cached or newly extracted)
    pruned: int = 0  # cached clips of earlier manifests removed from the cache folder
    from_cache: int = 0
    extracted: int = 0  # clips Holistic ran on successfully in this run
    sent_to_holistic: int = 0  # clips not in the cache, run through Holistic in this run
    samples_in: int = 0
    samples_out: int = 0
    skipped: int = 0  # skipped by extract (the ingest ones are only listed)
    frames_extracted: int = 0  # frames Holistic processed in this run
    extract_seconds: float = 0.0
    seconds: float = 0.0
    report: dict = field(default_factory=dict)

    @property
    def fps(self) -> float:
        return self.frames_extracted / self.extract_seconds if self.extract_seconds > 0 else 0.0

    def line(self) -> str:
        return (
            f"extracted {self.clips} clips ({self.from_cache} from cache), {self.samples_out} samples in "
            f"dataset, {self.skipped} skipped; {self.frames_extracted} frames at {self.fps:.1f} fps"
            + (f"; {self.pruned} cached clips no longer in the manifest removed" if self.pruned else "")
        )


def _is_na(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def load_keypoint_sample(row: Mapping) -> np.ndarray:
    """Frames of a keypoint-kind manifest row (signlang.data.ingest's reader, imported on use)."""
    from signlang.data.ingest import load_keypoint_sample as load

    return load(row)


def read_manifest_rows(manifest_path: str | Path) -> list[dict]:
    """The manifest's rows as dicts (`read_manifest` refuses a missing or malformed file)."""
    from signlang.data.ingest import read_manifest

    return read_manifest(manifest_path).to_dict("records")


class DetectionCounts:
    """Frames of extracted videos in which each part was detected."""

    def __init__(self, face: bool = True) -> None:
        self.frames = 0
        # Without the face mesh (extract.face false) the face is not looked for: not reported.
        self.parts = Counter({part: 0 for part in FULL_PARTS if face or part != "face"})

    def add(self, frames: np.ndarray) -> None:
        self.frames += int(frames.shape[0])
        for part, columns in LAYOUTS[frames.shape[1]].items():
            if part in self.parts:
                self.parts[part] += int(np.any(frames[:, columns] != 0, axis=1).sum())

    def fractions(self) -> dict[str, float]:
        return {part: round(count / self.frames, 4) if self.frames else 0.0 for part, count in self.parts.items()}


class SampleWindows:
    """Where each manifest row ends up in one extract run: one model window, or one reason it
    was skipped (under `ingest.on_error: strict` the first reason stops the run instead).

    `spec` makes the windows (`clip_to_window`); a video whose decoded frames fall short of
    what its file reports by more than `min_decoded_fraction` allows is skipped as damaged."""

    def __init__(self, rows: list[dict], spec: FeatureParams, strict: bool, min_decoded_fraction: float,
                 face: bool) -> None:
        self.rows = rows
        self.by_id = {row["id"]: row for row in rows}
        self.spec = spec
        self.strict = strict
        self.min_decoded_fraction = min_decoded_fraction
        self.windows: dict[str, np.ndarray] = {}
        self.reasons: dict[str, str] = {}
        self.detection = DetectionCounts(face=face)
        self.video_clips = 0  # video rows with keypoints (cached or extracted), windowed or not

    def skip(self, row: Mapping, reason: str) -> None:
        from signlang.data.ingest import sample_location

        if self.strict:
            raise InputFileError(sample_location(row),
                                 f"{reason} (ingest.on_error is strict: stopping at the first unusable sample)")
        self.reasons[row["id"]] = reason

    def add(self, row: Mapping, frames: np.ndarray, source: str) -> None:
        try:
            self.windows[row["id"]] = clip_to_window(frames, self.spec, source=source)
        except InputFileError as exc:
            self.skip(row, exc.problem)

    def add_video(self, row: Mapping, frames: np.ndarray) -> None:
        self.video_clips += 1
        self.detection.add(frames)
        self.add(row, frames, str(row["path"]))

    def check_clip(self, row_id: str, count: int, reason: str | None) -> None:
        """Skip a clip that failed (`reason`) or decoded too few of its frames; `extract_clips`
        calls it as each clip finishes."""
        row = self.by_id[row_id]
        reason = reason or damaged_reason(count, _int(row.get("frames")), self.min_decoded_fraction)
        if reason is not None:
            self.skip(row, reason)

    @property
    def kept(self) -> list[dict]:
        """The rows with a window, in manifest (id) order."""
        return [row for row in self.rows if row["id"] in self.windows]

    @property
    def skipped(self) -> list[dict]:
        return [row for row in self.rows if row["id"] in self.reasons]

    def skipped_list(self) -> list[dict[str, str]]:
        """reports/skipped.csv's rows for this run's skips."""
        from signlang.data.ingest import sample_location

        return [{"path": sample_location(row), "reason": self.reasons[row["id"]]} for row in self.skipped]

    def dataset_arrays(self) -> dict[str, np.ndarray]:
        """data/dataset.npz's arrays: the windows, ids, labels, signers and sorted classes."""
        kept = self.kept
        labels = [str(row["label"]) for row in kept]
        return {
            "X": np.stack([self.windows[row["id"]] for row in kept]).astype(np.float32, copy=False),
            "ids": np.array([str(row["id"]) for row in kept], dtype=str),
            "labels": np.array(labels, dtype=str),
            "signers": np.array([_text(row.get("signer")) for row in kept], dtype=str),
            "classes": np.array(sorted(set(labels)), dtype=str),
        }


def add_keypoint_samples(samples: SampleWindows) -> None:
    """The keypoint rows (mp_data, psl_h5, npz): read as stored, no Holistic."""
    from signlang.data.ingest import sample_location

    for row in samples.rows:
        if row["kind"] == VIDEO:
            continue
        try:
            frames = load_keypoint_sample(row)
        except InputFileError as exc:
            samples.skip(row, exc.problem)
            continue
        samples.add(row, frames, sample_location(row))


def add_cached_clips(samples: SampleWindows, cache_dir: Path, settings: HolisticSettings,
                     ) -> tuple[dict[str, Path], list[tuple[str, str, Path]]]:
    """The video rows whose keypoints the cache holds are read back; returns every video row's
    cache file `{row id: path}` and the `(row id, video path, cache file)` jobs still to extract,
    longest clips first (the parallel map finishes sooner when the big ones start early).
    An unreadable cache file is deleted and its clip extracted again."""
    targets: dict[str, Path] = {}
    jobs: list[tuple[str, str, Path]] = []
    for row in samples.rows:
        if row["kind"] != VIDEO:
            continue
        content_hash = str(row.get("content_hash") or "")
        if not content_hash:
            try:
                content_hash = file_sha256(row["path"])
            except OSError as exc:
                samples.skip(row, f"cannot be read: {exc.strerror or exc}")
                continue
        targets[row["id"]] = target = cache_file(cache_dir, cache_key(content_hash, settings))
        if target.is_file():
            try:
                frames, _ = read_cached_clip(target)
            except InputFileError as exc:
                print(f"warning: {exc}; extracting the clip again", file=sys.stderr)
                target.unlink(missing_ok=True)
            else:
                samples.check_clip(row["id"], len(frames), None)
                if row["id"] not in samples.reasons:
                    samples.add_video(row, frames)
                continue
        jobs.append((row["id"], str(row["path"]), target))
    jobs.sort(key=lambda job: -_int(samples.by_id[job[0]].get("frames")))
    return targets, jobs


def add_extracted_clips(samples: SampleWindows, finished: Iterable[str], targets: Mapping[str, Path]) -> int:
    """Read back the clips Holistic just extracted (the `finished` row ids); returns how many
    gave keypoints. Failed and damaged clips were already skipped by `check_clip`."""
    added = 0
    for row_id in finished:
        if row_id in samples.reasons:
            continue
        row = samples.by_id[row_id]
        try:
            frames, _ = read_cached_clip(targets[row_id])
        except InputFileError as exc:
            samples.skip(row, exc.problem)
            continue
        added += 1
        samples.add_video(row, frames)
    return added


def source_windows(rows: list[dict], features: FeatureParams, extract: ExtractParams, cache_dir: str | Path,
                   strict: bool = False, progress: bool = False,
                   prune: bool = False) -> tuple[SampleWindows, ExtractSummary]:
    """Manifest rows (`signlang.data.ingest.build_manifest`'s) made into windows, the extract
    stage's way: keypoint samples read as stored, video clips read from the keypoint cache in
    `cache_dir` (by content hash and Holistic settings) or run through Holistic, in parallel, and
    cached there as each finishes. Unusable samples are skipped with their reason (`strict`: the
    first one stops the run). `prune` removes the cached clips these rows do not ask for (the
    extract stage's cache is a DVC output holding exactly its manifest's clips). Returns the
    windows and the run's clip figures (the rest of the summary is the caller's)."""
    settings = HolisticSettings.from_params(extract)
    samples = SampleWindows(rows, features, strict=strict, min_decoded_fraction=extract.min_decoded_fraction,
                            face=settings.face)
    add_keypoint_samples(samples)
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    targets, jobs = add_cached_clips(samples, cache_dir, settings)
    from_cache = samples.video_clips
    pruned = prune_cache(cache_dir, set(targets.values())) if prune else 0
    results, frames_extracted, extract_seconds = extract_clips(
        jobs, settings, extract.backend, extract.workers, progress, extract.scheduler_address,
        on_result=samples.check_clip,
    )
    extracted = add_extracted_clips(samples, results, targets)
    summary = ExtractSummary(clips=samples.video_clips, pruned=pruned, from_cache=from_cache, extracted=extracted,
                             sent_to_holistic=len(jobs), samples_in=len(rows),
                             frames_extracted=frames_extracted, extract_seconds=extract_seconds)
    return samples, summary


def extract_report(samples: SampleWindows, ingest_skipped: int) -> dict:
    """reports/extract.json: samples in and out per kind and class, and how often Holistic found
    each part in the video frames."""
    rows, kept, skipped = samples.rows, samples.kept, samples.skipped
    labels = [str(row["label"]) for row in kept]
    return {
        "samples_in": len(rows),
        "samples_out": len(kept),
        "skipped": len(skipped),
        "ingest_skipped": ingest_skipped,
        "classes": len(set(labels)),
        "sequence_length": samples.spec.sequence_length,
        "features": samples.spec.feature_size,
        "per_kind": {
            kind: {
                "in": sum(row["kind"] == kind for row in rows),
                "out": sum(row["kind"] == kind for row in kept),
                "skipped": sum(row["kind"] == kind for row in skipped),
            }
            for kind in KINDS
        },
        "per_class": dict(sorted(Counter(labels).items())),
        "video_clips": samples.video_clips,
        "video_frames": samples.detection.frames,
        "detected": samples.detection.fractions(),
    }


def decoded_too_little(decoded: int, reported: int, min_fraction: float) -> str | None:
    """The damage rule, in plain words: why a video that decoded `decoded` of the `reported`
    frames its container states is unusable (damaged or truncated part-way), or None when
    enough of it decoded (or it states no count). Shared by the extract stage and
    `signlang evaluate`, which each say in their own words how the threshold was set."""
    if reported > 0 and decoded < min_fraction * reported:
        return f"only {decoded} of the {reported} frames the file reports could be decoded"
    return None


def damaged_reason(decoded: int, reported: int, min_fraction: float) -> str | None:
    """The extract stage's reason for a damaged clip (`decoded_too_little`), naming the
    params.yaml key that sets the threshold, or None when enough of it decoded."""
    problem = decoded_too_little(decoded, reported, min_fraction)
    if problem is None:
        return None
    return f"{problem} (damaged or truncated; extract.min_decoded_fraction is {min_fraction:g})"


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _text(value: Any) -> str:
    return "" if _is_na(value) else str(value)
