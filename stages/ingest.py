"""Stage ingest: the folders and files params.yaml `ingest.sources` names -> data/manifest.csv
(one row per sample: where it is, its label, signer and content hash), reports/ingest.json
(counts and the decisions applied) and reports/ingest_skipped.csv (what could not be used, and why)."""

from __future__ import annotations

from pathlib import Path

from signlang import paths
from stages._entry import quiet_console, run_stage


def ingest(
    params,
    manifest_path: str | Path = paths.MANIFEST,
    report_path: str | Path = paths.INGEST_REPORT,
    skipped_path: str | Path = paths.INGEST_SKIPPED,
    cache_dir: str | Path | None = paths.INGEST_CACHE_DIR,
):
    """Run the stage; returns the manifest table. `cache_dir`: what each source file held, kept
    so that a run over unchanged files reads none of them again (None: read every file)."""
    from signlang.data.ingest import check_sources_exist

    check_sources_exist(params.ingest)  # before the heavy imports
    from signlang.data.ingest import build_manifest, ingest_report, summary_line, write_manifest
    from signlang.io import write_json, write_skipped

    # Read: every source, with ingest.exclude / relabel and the class filters applied.
    unreadable: list[dict] = []
    manifest = build_manifest(params.ingest, unreadable, cache_dir)
    report = ingest_report(manifest, unreadable, params.ingest)

    # Write: the manifest, the report, and the samples left out (unreadable files first).
    write_manifest(manifest, manifest_path)
    write_json(report_path, report, sort_keys=False)
    write_skipped(skipped_path, unreadable + manifest.attrs.get("dropped_samples", []))
    print(summary_line(report))
    return manifest


def stage_params():
    """The params.yaml sections this stage reads, validated (no others)."""
    from signlang.data.settings import IngestParams
    from signlang.settings import load_sections

    return load_sections(ingest=IngestParams)


def main() -> None:
    run_stage(ingest, stage_params)


if __name__ == "__main__":
    quiet_console()
    main()
