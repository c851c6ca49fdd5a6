"""Stage: data/dataset.npz + data/split.csv -> models/model.keras, reports/plots/history.csv,
reports/train.json."""

from __future__ import annotations

import argparse
import sys


def train(params) -> None:
    from signlang import paths
    from signlang.io import require_inputs

    require_inputs("train", {paths.DATASET: "extract", paths.SPLIT: "split"})  # before TensorFlow loads
    from signlang.models.train import run

    run(params)


def main(argv: list[str] | None = None) -> int:
    """Load params.yaml and train; a SignlangError is one `error: ...` line and exit 1
    (the traceback only with --debug)."""
    from signlang.errors import SignlangError
    from signlang.params import load_params

    parser = argparse.ArgumentParser(prog="python -m stages.train", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    parser.add_argument("--verbose", action="store_true", help="keep TensorFlow's native log lines")
    args = parser.parse_args(argv)
    from stages._entry import clean_outputs

    try:
        params = load_params()
        clean_outputs()
        train(params)
    except SignlangError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    from stages._entry import quiet_console

    quiet_console()
    sys.exit(main())
