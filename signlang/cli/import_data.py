"""`signlang import`: copy or link a dataset into data/raw and track it with DVC (a new dataset version)."""

from __future__ import annotations

import argparse
from pathlib import Path

from signlang import paths


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, metavar="SRC", help="dataset folder, in any layout ingest reads")
    parser.add_argument("--raw-dir", type=Path, default=paths.RAW_DIR,
                        help=f"DVC-tracked raw-data folder (default {paths.RAW_DIR}); list it in ingest.sources")
    parser.add_argument("--name", default=None, help="sub-folder of the raw-data folder (default: SRC's name)")
    parser.add_argument("--link", action="store_true",
                        help="hard-link files instead of copying them (same filesystem only; DVC then makes "
                             "the shared files read-only)")


def run(args: argparse.Namespace) -> int:
    from signlang.data.versions import data_files, import_dataset

    dvc_file = import_dataset(args.source, args.raw_dir, args.name, args.link)
    count = len(data_files(args.raw_dir))
    gitignore = dvc_file.parent / ".gitignore"
    print(f"import: {args.raw_dir} now holds {count} data file(s), tracked by {dvc_file}")
    print(f"next: git add {dvc_file} {gitignore} && git commit -m 'data: ...' && dvc push")
    return 0
