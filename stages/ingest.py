"""Stage: ingest.sources folders -> data/manifest.csv, reports/ingest.json,
reports/ingest_skipped.csv."""

from __future__ import annotations

from stages._entry import run_stage


def ingest(params) -> None:
    from signlang.ingest import run, summary_line
    from signlang.params import check_paths_exist

    check_paths_exist(params)
    print(summary_line(run(params).attrs["report"]))


def main() -> None:
    run_stage(ingest)


if __name__ == "__main__":
    main()
