"""`signlang report`: the Markdown report of a change (metrics diff, figures, bench table)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from signlang import paths


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", required=True, help="git revision to compare with (e.g. origin/main)")
    parser.add_argument("--head", default=None, help="git revision of the change (default: the workspace)")
    parser.add_argument("--out", type=Path, required=True, help="Markdown file to write")
    parser.add_argument("--image-base", default=os.environ.get("SIGNLANG_REPORT_IMAGE_BASE"),
                        help=f"URL or folder the figure files are referenced under (default {paths.FIGURES_DIR})")
    parser.add_argument("--title", default="Pipeline report", help="heading of the report")


def run(args: argparse.Namespace) -> int:
    from signlang.metrics.report import build_report

    text = build_report(args.base, args.head, args.image_base, args.title)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"report: wrote {args.out}")
    return 0
