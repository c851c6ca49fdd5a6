"""Stage: ingest.sources folders -> data/manifest.csv, reports/ingest.json,
reports/ingest_skipped.csv."""

from __future__ import annotations

from stages._entry import quiet_console, run_stage


def ingest(params) -> None:
    from signlang.params import check_paths_exist

    check_paths_exist(params)  # before the heavy imports
    from signlang.data.ingest import run, summary_line

    print(summary_line(run(params).attrs["report"]))


def main() -> None:
    run_stage(ingest)


if __name__ == "__main__":
    quiet_console()
    main()
