"""`signlang cv`: leave-signers-out cross-validation of training configurations on the same folds."""

from __future__ import annotations

import argparse
from pathlib import Path

from signlang import paths
from signlang.errors import ParamsError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--presets", default=None,
                        help="comma-separated configs, e.g. tutorial:raw,conv (default: crossval.presets)")
    parser.add_argument("--folds", type=int, default=None, help="folds over the signers (default: crossval.folds)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs budget per fold (default: crossval.epochs)")
    parser.add_argument("--nested-folds", type=int, default=None,
                        help="inner folds of the nested selection among the configs; 0 = off (default: crossval.nested_folds)")
    parser.add_argument("--out", type=Path, default=None, help="report folder (default: crossval.out)")
    parser.add_argument("--data", type=Path, default=None,
                        help="a folder or file to cross-validate, read with ingest's rules "
                             "(default: crossval.sources, else ingest.sources: the pipeline's data)")
    parser.add_argument("--no-track", dest="track", action="store_false",
                        help="do not log the run to MLflow (default: a parent run and a child per configuration and fold)")
    parser.add_argument("--params", type=Path, default=None, help="params.yaml (default: the project's)")


def run(args: argparse.Namespace) -> int:
    from signlang.crossval.runs import run as cross_validate_and_report
    from signlang.crossval.settings import CrossValParams
    from signlang.params import load_params

    params = load_params(args.params or paths.PARAMS_FILE)
    configs = [name.strip() for name in args.presets.split(",") if name.strip()] if args.presets else None
    if configs:
        try:
            CrossValParams(presets=configs)
        except ValueError as exc:
            raise ParamsError(f"--presets: {exc.errors()[0]['msg'] if hasattr(exc, 'errors') else exc}") from None
    if args.folds is not None and args.folds < 2:
        raise ParamsError(f"--folds: needs at least 2, got {args.folds}")
    if args.epochs is not None and args.epochs < 1:
        raise ParamsError(f"--epochs: needs at least 1, got {args.epochs}")
    if args.nested_folds is not None and (args.nested_folds < 0 or args.nested_folds == 1):
        raise ParamsError(f"--nested-folds: needs 0 (off) or at least 2, got {args.nested_folds}")
    cross_validate_and_report(params, configs, args.folds, args.epochs, args.out, args.data, args.nested_folds,
                              track=args.track)
    return 0
