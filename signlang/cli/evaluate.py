"""`signlang evaluate`: score an exported bundle (`--model`, default models/bundle) on any
folder ingest can read."""

from __future__ import annotations

import argparse
from pathlib import Path

from signlang.cli.model_option import add_model_argument


def configure(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument("--data", type=Path, required=True,
                        help="folder to score: videos in <label>/ folders, MP_Data, PSL .h5 or multi-signer .npz")
    parser.add_argument("--out", type=Path, required=True, help="metrics JSON to write")
    parser.add_argument("--params", type=Path, default=None,
                        help="params.yaml whose extract section sets the Holistic settings for videos and how "
                             "much of a video must decode (default: Holistic's defaults, 75%%)")
    parser.add_argument("--predictions", type=Path, default=None,
                        help="CSV to write each sample's truth and top 3 classes to "
                             "(columns sample,truth,pred1,p1,pred2,p2,pred3,p3)")


def run(args: argparse.Namespace) -> int:
    from signlang.metrics.score_folder import evaluate_bundle
    from signlang.serving.resolve import resolve_bundle

    extract = None
    if args.params is not None:
        from signlang.features.settings import ExtractParams
        from signlang.settings import load_section

        extract = load_section("extract", ExtractParams, args.params)
    resolved = resolve_bundle(args.model)
    evaluate_bundle(resolved.path, args.data, args.out, extract=extract, predictions_path=args.predictions)
    return 0
