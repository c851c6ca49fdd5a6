"""Stage split: data/dataset.npz -> data/split.csv (train / val / test per sample: by signer, or by
sequence stratified by class when params.yaml says split.by: sequence) and reports/split.json."""

from __future__ import annotations

from pathlib import Path

from signlang import paths
from stages._entry import quiet_console, run_stage


def split(
    params,
    dataset_path: str | Path = paths.DATASET,
    split_path: str | Path = paths.SPLIT,
    report_path: str | Path = paths.SPLIT_REPORT,
):
    """Run the stage; returns the split table (id, label, signer, subset)."""
    from signlang.io import require_inputs

    require_inputs("split", {dataset_path: "extract"})
    from signlang.data.split import (
        assign_subsets,
        read_samples,
        summarise,
        summary_line,
        warnings_for,
        write_split,
    )
    from signlang.io import write_json

    table = read_samples(dataset_path)
    table["subset"], strategy = assign_subsets(table.label.values, table.signer.values, params.split)
    table = table.sort_values("id").reset_index(drop=True)
    report = summarise(table, strategy)

    write_split(table, split_path)
    write_json(report_path, report, sort_keys=False)
    for line in warnings_for(report):  # said before training starts, and kept in the report
        print(f"split: warning: {line}", flush=True)
    print(summary_line(table))
    return table


def stage_params():
    """The params.yaml sections this stage reads, validated (no others)."""
    from signlang.data.settings import SplitParams
    from signlang.settings import load_sections

    return load_sections(split=SplitParams)


def main() -> None:
    run_stage(split, stage_params)


if __name__ == "__main__":
    quiet_console()
    main()
