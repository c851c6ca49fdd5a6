"""What a cross-validation run writes: cv.json (the scores), cv.md (the tables a person reads),
per configuration the pooled confusion figure, every window's prediction and the signer x class
blocks, and the params.yaml that reruns it."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from signlang.crossval.configs import RAW_SUFFIX
from signlang.crossval.data import cv_sources
from signlang.crossval.scoring import NESTED

if TYPE_CHECKING:
    from signlang.params import Params

# The per-window lists of a summary: written as predictions_<config>.csv, not into cv.json.
PER_WINDOW = ("y_true", "y_pred", "ids", "signers", "fold_of_window", "blocks")
PREDICTION_COLUMNS = ("id", "signer", "fold", "actual", "predicted")


def _file_name(config: str) -> str:
    return config.replace(RAW_SUFFIX, "_raw")


def scored_rows(result: dict) -> dict[str, dict]:
    """Every scored row of a result: the configs, then the nested selection when run."""
    rows = dict(result["configs"])
    if "nested" in result:
        rows[NESTED] = result["nested"]
    return rows


def scores_without_windows(summary: dict) -> dict:
    return {key: value for key, value in summary.items() if key not in PER_WINDOW}


def write_reports(result: dict, out: str | Path) -> list[Path]:
    """cv.json (scores, no predictions), cv.md (the tables) and per configuration (and for the
    nested selection, as `nested`) the pooled confusion matrix as confusion_<config>.png, every
    tested window's prediction as predictions_<config>.csv (id, signer, fold, actual, predicted)
    and blocks_<config>.csv (`evaluation.signer_blocks`)."""
    from signlang.io import write_json
    from signlang.metrics.evaluation import write_blocks_csv
    from signlang.metrics.figures import confusion_png

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    scores = {key: value for key, value in result.items() if key not in ("configs", "nested")}
    scores["configs"] = {name: scores_without_windows(config) for name, config in result["configs"].items()}
    if "nested" in result:
        scores["nested"] = scores_without_windows(result["nested"])
    written.append(write_json(out / "cv.json", scores))
    (out / "cv.md").write_text(markdown_table(result), encoding="utf-8")
    written.append(out / "cv.md")
    for name, config in scored_rows(result).items():
        stem = _file_name(name)
        written.append(write_predictions_csv(out / f"predictions_{stem}.csv", config))
        written.append(confusion_png(out / f"confusion_{stem}.png", config["y_true"], config["y_pred"],
                                     result["classes"], f"{name}: {result['folds']}-fold leave-signers-out, pooled"))
        written.append(write_blocks_csv(out / f"blocks_{stem}.csv", config["blocks"]))
    return written


def write_run_params(params: Params, result: dict, out: Path, data: str | Path | None) -> Path:
    """out/params.yaml: every params section as this run used it, the command line's choices
    (configs, folds, epochs, data, nested folds) folded into `crossval`, so that
    `signlang cv --params out/params.yaml` reruns the same folds and configs."""
    import yaml

    crossval = params.crossval.model_copy(update={
        "presets": list(result["configs"]), "folds": result["folds"], "epochs": result["epochs"],
        "sources": cv_sources(params, data),
        "nested_folds": result["nested"]["inner_folds"] if "nested" in result else 0,
    })
    values = params.model_copy(update={"crossval": crossval}).model_dump(mode="json")
    header = ("# The params this cross-validation ran with (`signlang cv` wrote them; the command line's\n"
              "# choices are in crossval). Rerun: signlang cv --params <this file> --out <folder>\n")
    path = out / "params.yaml"
    path.write_text(header + yaml.safe_dump(values, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def markdown_table(result: dict) -> str:
    """The per-config table (with the nested selection's row when run), then per-class
    accuracy, in Markdown."""
    lines = [
        f"Leave-signers-out cross-validation: {result['folds']} folds over {result['signers']} signers "
        f"({result['samples']} windows), {result['epochs']} epochs budget, seed {result['seed']}.",
    ]
    if "training_only" in result:
        only = result["training_only"]
        lines.append(f"Every fold also trains on {only['samples']} windows of {only['signers']} more signers "
                     f"(fewer than {only['min_signer_windows']} windows each: crossval.min_signer_windows; never "
                     "tested), signers per class: "
                     + ", ".join(f"{name} {count}" for name, count in only["class_signers"].items()) + ".")
    lines += [
        "",
        "Pooled over folds (every signer tested once), with 95% intervals from resampling signers:",
        "",
        "| config | accuracy | macro-F1 | worst signer | median signer | accuracy per fold (mean ± std) |",
        "|---|---|---|---|---|---|",
    ]
    rows = scored_rows(result)
    for name, config in rows.items():
        intervals = config.get("intervals", {})
        lines.append(f"| {name} | {with_interval(config['pooled_accuracy'], intervals.get('accuracy'))} | "
                     f"{with_interval(config['pooled_macro_f1'], intervals.get('macro_f1'))} | "
                     f"{with_interval(config['worst_signer_accuracy'], intervals.get('worst_signer_accuracy'))} "
                     f"({config['worst_signer']}) | {config['median_signer_accuracy']:.3f} | "
                     f"{config['accuracy_mean']:.3f} ± {config['accuracy_std']:.3f} |")
    classes = result["classes"]
    lines += ["", "Per-class accuracy, pooled over folds (signers who recorded the class in the header: a class "
              "resting on few people is one new people often sign differently):", "",
              "| config | " + " | ".join(f"{c} ({result['class_signers'][c]})" if "class_signers" in result else c
                                        for c in classes) + " |", "|---|" + "---|" * len(classes)]
    for name, config in rows.items():
        cells = ["" if config["per_class_accuracy"][c] is None else f"{config['per_class_accuracy'][c]:.2f}"
                 for c in classes]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += failed_blocks_markdown(rows)
    if "nested" in result:
        nested = result["nested"]
        lines += ["", f"`{NESTED}`: on each outer fold, the config with the best mean {nested['metric']} over a "
                  f"{nested['inner_folds']}-fold leave-signers-out CV of that fold's training signers only "
                  "(the test fold plays no part in the choice):", "",
                  "| fold | selected | " + " | ".join(f"inner {name}" for name in nested["candidates"]) + " |",
                  "|---|---|" + "---|" * len(nested["candidates"])]
        for row in nested["folds"]:
            lines.append(f"| {row['fold']} | {row['selected']} | "
                         + " | ".join(f"{row['inner_scores'][name]:.3f}" for name in nested["candidates"]) + " |")
    return "\n".join(lines) + "\n"


def with_interval(value: float, interval: list[float] | None) -> str:
    """`0.935 [0.903, 0.962]`, or the value alone when there is no interval."""
    return f"{value:.3f}" + (f" [{interval[0]:.3f}, {interval[1]:.3f}]" if interval else "")


def failed_blocks_markdown(rows: dict[str, dict]) -> list[str]:
    """Per config, the signer x class blocks scored at or below `crossval.failed_block_accuracy`
    and their share of all errors: the recordings to look at first (blocks_<config>.csv has all)."""
    lines = []
    for name, config in rows.items():
        failed = config["failed_blocks"]
        lines += ["", f"`{name}`: {failed['blocks']} of {failed['of_blocks']} signer x class blocks at accuracy "
                  f"<= {failed['max_accuracy']:g} ({failed['windows']} windows) hold "
                  f"{failed['share_of_errors']:.0%} of its errors."]
        if failed["list"]:
            lines += ["", "| signer | class | windows | accuracy | taken for (share) |", "|---|---|---|---|---|"]
            lines += [f"| {b['signer']} | {b['label']} | {b['windows']} | {b['accuracy']:.2f} | "
                      f"{b['taken_for']} ({b['taken_for_share']:.2f}) |" for b in failed["list"]]
    return lines


def write_predictions_csv(path: Path, summary: dict) -> Path:
    """One row per tested window, in fold order: what the signer-resampled intervals are made of."""
    from signlang.io import atomic_path

    with atomic_path(path) as temporary, open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(PREDICTION_COLUMNS)
        writer.writerows(zip(summary["ids"], summary["signers"], summary["fold_of_window"], summary["y_true"],
                             summary["y_pred"]))
    return path
