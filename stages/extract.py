"""Stage extract: data/manifest.csv -> data/keypoints/<key>.npz (each video clip's Holistic
keypoints, cached by content hash so a clip is extracted once), data/dataset.npz (one window
per sample), reports/extract.json and reports/skipped.csv (what could not be used, and why)."""

from __future__ import annotations

import time
from pathlib import Path

from signlang import paths
from stages._entry import quiet_console, run_stage


def extract(
    params,
    manifest_path: str | Path = paths.MANIFEST,
    cache_dir: str | Path = paths.KEYPOINT_CACHE_DIR,
    dataset_path: str | Path = paths.DATASET,
    report_path: str | Path = paths.EXTRACT_REPORT,
    skipped_path: str | Path = paths.SKIPPED,
    ingest_skipped_path: str | Path = paths.INGEST_SKIPPED,
    progress: bool = True,
):
    """Run the stage; returns its ExtractSummary (the numbers of the printed summary line)."""
    from signlang.io import require_inputs

    require_inputs("extract", {manifest_path: "ingest"})  # before the heavy imports
    from signlang.errors import SignlangError
    from signlang.features.extract import (
        ExtractSummary,
        SampleWindows,
        add_cached_clips,
        add_extracted_clips,
        add_keypoint_samples,
        extract_clips,
        extract_report,
        prune_cache,
        read_manifest_rows,
        save_npz,
    )
    from signlang.features.holistic import HolisticSettings
    from signlang.io import read_skipped, remove_stale_temps, write_json, write_skipped

    started = time.perf_counter()
    settings = HolisticSettings.from_params(params.extract)
    rows = read_manifest_rows(manifest_path)
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temps([cache_dir, Path(dataset_path).parent])  # left by a run killed mid-write
    samples = SampleWindows(rows, params.features, strict=params.ingest.on_error == "strict",
                            min_decoded_fraction=params.extract.min_decoded_fraction, face=settings.face)

    # Keypoint samples are read as stored; video clips the cache holds are read back.
    add_keypoint_samples(samples)
    targets, jobs = add_cached_clips(samples, cache_dir, settings)
    from_cache = samples.video_clips
    # data/keypoints is a DVC output holding exactly this manifest's clips, so its hash (and
    # dvc.lock) is the same in a fresh clone and in a checkout that once held other clips.
    pruned = prune_cache(cache_dir, set(targets.values()))

    # The other clips through Holistic, in parallel; each finished clip is cached at once.
    results, frames_extracted, extract_seconds = extract_clips(
        jobs, settings, params.extract.backend, params.extract.workers, progress,
        params.extract.scheduler_address, on_result=samples.check_clip,
    )
    extracted = add_extracted_clips(samples, results, targets)

    # Write: the skipped list (ingest's first), the report, the dataset in manifest order.
    ingest_skipped = read_skipped(ingest_skipped_path)
    write_skipped(skipped_path, ingest_skipped + samples.skipped_list())
    report = extract_report(samples, len(ingest_skipped))
    write_json(report_path, report, sort_keys=False)
    if not samples.kept:
        raise SignlangError(f"extract: none of the {len(rows)} samples in {manifest_path} could be used; "
                            f"reasons in {skipped_path}")
    save_npz(dataset_path, samples.dataset_arrays())

    summary = ExtractSummary(
        clips=samples.video_clips, pruned=pruned, from_cache=from_cache, extracted=extracted,
        samples_in=len(rows), samples_out=report["samples_out"], skipped=report["skipped"],
        frames_extracted=frames_extracted, extract_seconds=extract_seconds,
        seconds=time.perf_counter() - started, report=report,
    )
    print(summary.line())
    print(f"extract: {summary.seconds:.1f} s in all, {extract_seconds:.1f} s running Holistic on {len(jobs)} clip(s)")
    return summary


def main() -> None:
    run_stage(extract)


if __name__ == "__main__":
    quiet_console()
    main()
