"""`signlang audit`: find wrong labels, foreign signs, missing hands and duplicated people in data folders."""

from __future__ import annotations

import argparse
from pathlib import Path

from signlang import paths
from signlang.errors import SignlangError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, action="append", required=True, metavar="PATH",
                        help="folder to audit (videos in <label>/ folders, MP_Data, PSL .h5 or multi-signer .npz); "
                             "repeat to audit several together")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="folder for blocks.csv, signers.csv, audit.md, audit.html and figures/")
    parser.add_argument("--params", type=Path, default=paths.PARAMS_FILE,
                        help="params.yaml: its audit thresholds, label_aliases, signer_pattern, ingest decisions and "
                             "features/extract settings (default ./params.yaml)")


def run(args: argparse.Namespace) -> int:
    from signlang.audit.folders import audit_folders
    from signlang.params import load_params

    params = load_params(args.params)
    if not args.data:
        raise SignlangError("audit: give at least one --data folder")
    audit_folders(args.data, args.out, params)
    return 0
