"""Stage: data/manifest.csv + sources -> data/keypoints/<key>.npz (per-clip cache),
data/dataset.npz, reports/extract.json, reports/skipped.csv."""

from __future__ import annotations

from stages._entry import quiet_console, run_stage


def extract(params) -> None:
    from signlang import paths
    from signlang.io import require_inputs

    require_inputs("extract", {paths.MANIFEST: "ingest"})  # before the heavy imports
    from signlang.features.extract import run

    run(params)  # prints the summary line and timings


def main() -> None:
    run_stage(extract)


if __name__ == "__main__":
    quiet_console()
    main()
