"""`--model`: the one flag that picks the model in `signlang live`, `serve` and `evaluate`
(resolved by signlang/serving/resolve.py). Cheap to import: argparse only."""

from __future__ import annotations

import argparse

MODEL_HELP = ("the model: an exported bundle folder, or models:/NAME@ALIAS from the MLflow registry "
              "(e.g. models:/signlang@champion; needs the pipeline extra). Default models/bundle, "
              "the bundle this checkout's `dvc repro` exported")


def add_model_argument(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """`--model MODEL` (also spelled `--bundle`), None when not given."""
    parser.add_argument("--model", "--bundle", dest="model", default=None, metavar="MODEL", help=MODEL_HELP)
