"""Figure 5: accuracy on unseen signers, leave-signers-out cross-validation by signer.

`signlang.crossval.scoring.cross_validate` over the multi-signer keypoints of the starter data, on the
same folds and the same epochs budget for both configurations:
- project: the default preset with the default features and augmentation (`train.preset`
  of params.yaml);
- baseline: the source projects' `tutorial` network on raw coordinates (`tutorial:raw`).
Full: crossval.folds folds (at least 5), crossval.epochs epochs. --quick: 2 folds, 1 epoch,
the samples of 8 signers.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np

from bench.common import MULTISIGNER, Context, Row, ratio, unavailable

BASELINE = "tutorial:raw"
QUICK_FOLDS, QUICK_EPOCHS, QUICK_SIGNERS = 2, 1, 8
FIGURE = "5. unseen signers macro-F1 (mean): default preset vs tutorial:raw"


def measure(ctx: Context, folds: int | None = None, epochs: int | None = None, signers: int | None = None) -> list[Row]:
    try:
        from signlang.crossval.data import load_signer_data
        from signlang.crossval.scoring import cross_validate
    except ImportError as exc:
        return [unavailable(FIGURE, f"signlang.crossval cannot be imported ({exc})")]
    params = ctx.params()
    if ctx.quick:
        folds, epochs, signers = folds or QUICK_FOLDS, epochs or QUICK_EPOCHS, signers or QUICK_SIGNERS
    folds = folds or max(5, params.crossval.folds)
    epochs = epochs or params.crossval.epochs
    project = params.train.preset
    data = load_signer_data(params, ctx.shared_data / MULTISIGNER)
    if signers:
        keep = np.unique(data.signers)[:signers]
        data = data.subset(np.flatnonzero(np.isin(data.signers, keep)))
    lines: list[str] = []
    ctx.log(f"bench: cross-validation, {folds} folds x {epochs} epoch(s), {project} vs {BASELINE}, "
            f"{len(np.unique(data.signers))} signers ...")
    with contextlib.redirect_stdout(io.StringIO()):  # per-epoch lines of signlang.models.train
        # The figure compares two fixed presets; no selection among them (nested_folds 0).
        result = cross_validate(params, [BASELINE, project], folds, epochs, data, log=lines.append,
                                         nested_folds=0)
    scores = {name: {key: value for key, value in config.items() if key not in ("y_true", "y_pred", "ids")}
              for name, config in result["configs"].items()}
    ours, theirs = scores[project], scores[BASELINE]
    raw = {"folds": folds, "epochs": epochs, "signers": result["signers"], "samples": result["samples"],
           "fold_signers": result["fold_signers"], "configs": scores}
    rows = []
    for metric, label in (("macro_f1", "macro-F1"), ("accuracy", "accuracy")):
        gain = ratio(ours[f"{metric}_mean"], theirs[f"{metric}_mean"])
        rows.append(Row(
            f"5. unseen signers {label} (mean): {project} (params.yaml) vs {BASELINE}",
            ours[f"{metric}_mean"], theirs[f"{metric}_mean"], "", gain, f"{project} / {BASELINE}",
            ">= 1x (informative)", gain is not None and gain >= 1.0,
            note=f"std {ours[f'{metric}_std']:.3f} vs {theirs[f'{metric}_std']:.3f}; {folds} folds, {epochs} epochs",
            raw=raw if metric == "macro_f1" else {},
        ))
    return rows
