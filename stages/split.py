"""Stage: data/dataset.npz -> data/split.csv (train / val / test per sample)."""

from stages._entry import quiet_console, run_stage


def split(params) -> None:
    from signlang import paths
    from signlang.io import require_inputs

    require_inputs("split", {paths.DATASET: "extract"})
    from signlang.data.split import run

    table = run(params)
    counts = table.subset.value_counts()
    signers = table[table.signer != ""].groupby("subset").signer.nunique()
    print(
        "split: "
        + ", ".join(f"{s} {counts.get(s, 0)} samples / {signers.get(s, 0)} signers" for s in ("train", "val", "test"))
    )


if __name__ == "__main__":
    quiet_console()
    run_stage(split)
