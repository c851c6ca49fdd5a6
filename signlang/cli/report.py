"""`signlang report`: the Markdown report of a change (the base's and this change's bundles on the
same test windows, this change's scores with their intervals, params diff, figures, bench table)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from signlang import paths


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", required=True, help="git revision to compare with (e.g. origin/main)")
    parser.add_argument("--head", default=None, help="git revision of the change (default: the workspace)")
    parser.add_argument("--base-bundle", type=Path, default=None,
                        help="the base's bundle folder, built on this machine (e.g. `dvc repro export` in a git "
                             "worktree of the base): run with this change's bundle on the same test windows")
    parser.add_argument("--head-bundle", type=Path, default=paths.BUNDLE_DIR,
                        help=f"this change's bundle folder (default {paths.BUNDLE_DIR})")
    parser.add_argument("--out", type=Path, required=True, help="Markdown file to write")
    parser.add_argument("--image-base", default=os.environ.get("SIGNLANG_REPORT_IMAGE_BASE"),
                        help=f"URL or folder the figure files are referenced under (default {paths.FIGURES_DIR})")
    parser.add_argument("--title", default="Pipeline report", help="heading of the report")


def run(args: argparse.Namespace) -> int:
    from signlang.metrics.report import build_report

    text = build_report(args.base, args.head, args.image_base, args.title, args.base_bundle, args.head_bundle)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"report: wrote {args.out}")
    return 0
