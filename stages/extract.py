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
    from signlang.features.settings import check_face_extracted
    from signlang.io import require_inputs

    check_face_extracted(params.features, params.extract)
    require_inputs("extract", {manifest_path: "ingest"})  # before the heavy imports
    from dataclasses import replace

    from signlang.errors import SignlangError
    from signlang.features.extract import extract_report, read_manifest_rows, source_windows
    from signlang.io import read_skipped, remove_stale_temps, save_npz, write_json, write_skipped

    started = time.perf_counter()
    rows = read_manifest_rows(manifest_path)
    remove_stale_temps([Path(cache_dir), Path(dataset_path).parent])  # left by a run killed mid-write
    # Keypoint samples as stored; video clips from the cache or through Holistic. data/keypoints
    # is a DVC output holding exactly this manifest's clips (pruned), so its hash (and dvc.lock)
    # is the same in a fresh clone and in a checkout that once held other clips.
    samples, clips = source_windows(rows, params.features, params.extract, cache_dir,
                                    strict=params.ingest.on_error == "strict", progress=progress, prune=True)

    # Write: the skipped list (ingest's first), the report, the dataset in manifest order.
    ingest_skipped = read_skipped(ingest_skipped_path)
    write_skipped(skipped_path, ingest_skipped + samples.skipped_list())
    report = extract_report(samples, len(ingest_skipped))
    write_json(report_path, report, sort_keys=False)
    if not samples.kept:
        raise SignlangError(f"extract: none of the {len(rows)} samples in {manifest_path} could be used; "
                            f"reasons in {skipped_path}")
    save_npz(dataset_path, samples.dataset_arrays())

    summary = replace(clips, samples_out=report["samples_out"], skipped=report["skipped"],
                      seconds=time.perf_counter() - started, report=report)
    print(summary.line())
    print(f"extract: {summary.seconds:.1f} s in all, {summary.extract_seconds:.1f} s running Holistic on "
          f"{summary.sent_to_holistic} clip(s)")
    return summary


def stage_params():
    """The params.yaml sections this stage reads, validated (no others)."""
    from signlang.data.settings import IngestParams
    from signlang.features.settings import ExtractParams
    from signlang.features.spec import FeatureParams
    from signlang.settings import load_sections

    return load_sections(extract=ExtractParams, features=FeatureParams, ingest=IngestParams)


def main() -> None:
    run_stage(extract, stage_params)


if __name__ == "__main__":
    quiet_console()
    main()
