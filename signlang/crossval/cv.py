"""Leave-signers-out cross-validation: how well a configuration recognises people it never saw.

The signers are split into `crossval.folds` groups (StratifiedGroupKFold, seeded). For each
fold, a configuration is trained on the other signers (optionally with early stopping watching
`crossval.val_signers` of those training signers, never the test fold's), and scored on the
fold's signers. Preprocessing and augmentation are the pipeline's own: windows come from
`signlang.data.ingest` + `keypoints.clip_to_window`, training from `signlang.models.train.fit`.

A configuration is a preset name, optionally with `:raw` (`tutorial:raw`): the preset trained
on raw coordinates without augmentation, as the source projects did. Without `:raw` it is
trained with the `features` and `train.augment` sections of the params. Epochs and configs
are fixed before any test fold is seen; the folds depend only on the signers and the seed,
so two calls with the same params compare configurations on the same folds.

Choosing the best of several configurations by these scores and quoting its score would be
choosing on the test folds. `crossval.nested_folds` runs the choice itself inside each outer
fold, on that fold's training signers only (`nested_selection`), which gives the honest
figure for "the config this procedure picks, on new signers".

`cross_validate` returns the results and `write_reports` writes `cv.json`, `cv.md` and, per
configuration (and for the nested selection), the pooled confusion matrix
(`confusion_<config>.png` / `.csv`) and the accuracy of every signer x class block
(`blocks_<config>.csv`). Blocks the model gets (almost) all wrong are listed in cv.md: on
real multi-signer data most errors sit in a few whole blocks, which is where to look for a
mislabelled recording or a signer's variant of a sign.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from signlang.data.settings import IngestParams, SourceParams
from signlang.errors import ParamsError, SignlangError
from signlang.features.keypoints import clip_to_window, normalise
from signlang.features.spec import FeatureParams

if TYPE_CHECKING:
    from signlang.params import Params

RAW_SUFFIX = ":raw"
NESTED = "nested"  # the row and file names of the nested selection's scores


@dataclass(frozen=True)
class SignerData:
    """Raw windows of every sample with its label and signer; classes sorted."""

    X: np.ndarray  # (n, T, F) float32 raw coordinates, as data/dataset.npz holds them
    labels: np.ndarray
    signers: np.ndarray
    ids: np.ndarray
    classes: tuple[str, ...]
    # True for samples that only ever train (crossval.extra_training); None: none such.
    train_only: np.ndarray | None = None

    @property
    def testable(self) -> np.ndarray:
        """The samples folds are made of (every sample but the training-only ones)."""
        return np.ones(len(self.labels), bool) if self.train_only is None else ~self.train_only

    def subset(self, index: np.ndarray) -> SignerData:
        return SignerData(self.X[index], self.labels[index], self.signers[index], self.ids[index], self.classes,
                          None if self.train_only is None else self.train_only[index])

    def with_training_only(self, extra: SignerData) -> SignerData:
        """These samples followed by `extra`'s, marked training-only."""
        if not len(extra.labels):
            return self
        return SignerData(
            X=np.concatenate([self.X, extra.X]), labels=np.concatenate([self.labels, extra.labels]),
            signers=np.concatenate([self.signers, extra.signers]), ids=np.concatenate([self.ids, extra.ids]),
            classes=self.classes,
            train_only=np.concatenate([~self.testable, np.ones(len(extra.labels), bool)]),
        )


def load_signer_data(params: Params, data: str | Path | None = None) -> SignerData:
    """The samples of one folder (default `crossval.data`) through ingest and clip_to_window,
    exactly as the pipeline's ingest + extract stages see them, followed by the training-only
    samples of `crossval.extra_training` (`extra_training_data`; video clips through the
    extract stage's keypoint cache, data/keypoints)."""
    from signlang.data.ingest import build_manifest, load_keypoint_sample

    folder = str(data if data is not None else params.crossval.data)
    if not Path(folder).exists():
        raise ParamsError(f"crossval.data: {folder!r} does not exist")
    ingest = IngestParams(
        sources=[SourceParams(path=folder)],
        label_aliases=_label_aliases(params),
        min_samples_per_class=params.crossval.min_samples_per_class,
    )
    table = build_manifest(ingest)
    table = table[table.signer.astype(str) != ""]
    if table.empty:
        raise SignlangError(f"{folder}: no sample with a known signer to cross-validate on")
    spec = params.features
    windows = [clip_to_window(load_keypoint_sample(row), spec, row["id"]) for _, row in table.iterrows()]
    labels = table.label.astype(str).to_numpy()
    tested = SignerData(
        X=np.stack(windows).astype(np.float32),
        labels=labels,
        signers=table.signer.astype(str).to_numpy(),
        ids=table.id.astype(str).to_numpy(),
        classes=tuple(sorted(set(labels))),
    )
    return tested.with_training_only(extra_training_data(params, tested))


def _label_aliases(params: Params) -> dict[str, list[str]]:
    aliases = params.crossval.label_aliases
    return params.ingest.label_aliases if aliases is None else aliases


def extra_training_data(params: Params, tested: SignerData, cache_dir: str | Path | None = None) -> SignerData:
    """The samples of `crossval.extra_training` (made into windows as the extract stage makes
    them, video clips through the keypoint cache) of the classes `tested` has. Refused when one
    of their signers, or one of their windows, is also in `tested`: a person (or a recording) on
    both sides of a fold would make the scores say nothing about new people."""
    from signlang import paths
    from signlang.data.ingest import build_manifest
    from signlang.features.extract import source_windows

    sources = params.crossval.extra_training
    none = tested.subset(np.arange(0))
    if not sources:
        return none
    for source in sources:
        if not Path(source.path).exists():
            raise ParamsError(f"crossval.extra_training: {source.path!r} does not exist")
    ingest = IngestParams(sources=list(sources), label_aliases=_label_aliases(params), min_samples_per_class=1)
    try:
        table = build_manifest(ingest)
    except SignlangError as exc:
        raise ParamsError(f"crossval.extra_training: {exc}") from None
    table = table[table.label.astype(str).isin(tested.classes)]  # no Holistic for clips of other words
    if table.empty:
        print(f"cv: crossval.extra_training holds no sample of {', '.join(tested.classes)}; training on the "
              "tested data's signers only", flush=True)
        return none
    cache_dir = paths.KEYPOINT_CACHE_DIR if cache_dir is None else cache_dir
    samples, _ = source_windows(table.to_dict("records"), params.features, params.extract, cache_dir,
                                strict=params.ingest.on_error == "strict")
    if not samples.kept:
        return none
    arrays = samples.dataset_arrays()
    extra = SignerData(arrays["X"], arrays["labels"], arrays["signers"], arrays["ids"], tested.classes)
    shared = sorted((set(extra.signers) & set(tested.signers)) - {""})
    if shared:
        raise ParamsError(f"crossval.extra_training: signer(s) {', '.join(shared)} also in crossval.data; "
                          "a person on both sides of a fold")
    seen = {window.tobytes(): sample for window, sample in zip(tested.X, tested.ids)}
    for window, sample in zip(extra.X, extra.ids):
        if window.tobytes() in seen:
            raise ParamsError(f"crossval.extra_training: {sample} is the same window as {seen[window.tobytes()]} "
                              "in crossval.data")
    return extra


def signer_folds(labels: np.ndarray, signers: np.ndarray, folds: int, seed: int,
                 knob: str = "crossval.folds", train_only: np.ndarray | None = None,
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train indices, test indices) per fold; no signer on both sides of a fold. `knob`
    names the setting that asked for `folds` in the error when there are too few signers.
    Samples marked `train_only` are in no test fold and on every fold's training side."""
    testable = np.flatnonzero(np.ones(len(labels), bool) if train_only is None else ~train_only)
    always = np.setdiff1d(np.arange(len(labels)), testable)
    count = len(np.unique(signers[testable]))
    if count < folds:
        raise ParamsError(f"{knob}: {folds} folds need at least {folds} signers, the data has {count}")
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "least populated class" on small classes
        splits = splitter.split(np.zeros(len(testable)), labels[testable], signers[testable])
        return [(np.concatenate([testable[train], always]), testable[test]) for train, test in splits]


def validation_signers(labels: np.ndarray, signers: np.ndarray, count: int, seed: int, tries: int = 20) -> np.ndarray:
    """`count` signers for early stopping, drawn (seeded) among `signers`, preferring the draw
    that covers the most classes; always leaves at least one signer to train on."""
    names = np.unique(signers)
    count = min(count, len(names) - 1)
    if count < 1:
        return np.array([], dtype=names.dtype)
    rng = np.random.default_rng(seed)
    best, best_cover = None, -1
    for _ in range(tries):
        pick = np.sort(rng.choice(names, size=count, replace=False))
        cover = len(np.unique(labels[np.isin(signers, pick)]))
        if cover > best_cover:
            best, best_cover = pick, cover
    return best


def parse_config(name: str) -> tuple[str, bool]:
    """'bigru' -> ('bigru', False); 'tutorial:raw' -> ('tutorial', True)."""
    raw = name.endswith(RAW_SUFFIX)
    return (name[: -len(RAW_SUFFIX)] if raw else name), raw


def config_params(params: Params, name: str, epochs: int) -> Params:
    """The params a configuration trains with: its preset, the epochs budget and
    crossval.early_stopping_patience, and for `:raw` raw coordinates and no augmentation."""
    from signlang.models.networks import PRESETS

    preset, raw = parse_config(name)
    if preset not in PRESETS:
        raise ParamsError(f"crossval.presets: unknown preset {preset!r}; allowed: {', '.join(sorted(PRESETS))} "
                          f"(optionally with {RAW_SUFFIX})")
    train = params.train.model_copy(update={
        "preset": preset, "epochs": epochs, "early_stopping_patience": params.crossval.early_stopping_patience,
    })
    features = params.features
    if raw:
        train = train.model_copy(update={"augment": train.augment.model_copy(update={"enabled": False})})
        features = FeatureParams.raw(features.parts, sequence_length=features.sequence_length,
                                     resample=features.resample)
    return params.model_copy(update={"train": train, "features": features})


def fit_and_predict(params: Params, data: SignerData, train: np.ndarray, val: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Train on `train` (early stopping on `val`) and predict the class names of `test`."""
    import keras

    from signlang.models.train import TrainingData, fit

    spec = params.features
    index = {name: i for i, name in enumerate(data.classes)}

    def onehot(rows: np.ndarray) -> np.ndarray:
        return keras.utils.to_categorical([index[v] for v in data.labels[rows]], len(data.classes)).astype(np.float32)

    training = TrainingData(
        classes=data.classes,
        x_train=normalise(data.X[train], spec), y_train=onehot(train),
        x_val=normalise(data.X[val], spec), y_val=onehot(val),
        raw_train=data.X[train], spec=spec, signers_train=tuple(data.signers[train]),
    )
    model, _ = fit(params.train, training)
    probabilities = model.predict(normalise(data.X[test], spec), batch_size=256, verbose=0)
    return np.asarray(data.classes)[np.argmax(probabilities, axis=1)]


def fit_fold(params: Params, data: SignerData, train: np.ndarray, test: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train on `train` less `crossval.val_signers` of its signers (held out for early
    stopping, seeded draw) and predict `test`. Returns (predicted classes, held-out signers)."""
    held = validation_signers(data.labels[train], data.signers[train], params.crossval.val_signers, seed)
    val = train[np.isin(data.signers[train], held)]
    fit_rows = train[~np.isin(data.signers[train], held)]
    if set(data.signers[test]) & set(data.signers[train]):
        raise SignlangError("a signer is on both sides of a fold")
    return fit_and_predict(params, data, fit_rows, val, test), held


def cross_validate(
    params: Params,
    configs: Sequence[str] | None = None,
    folds: int | None = None,
    epochs: int | None = None,
    data: SignerData | None = None,
    log: Callable[[str], None] = print,
    nested_folds: int | None = None,
) -> dict:
    """Leave-signers-out scores of each configuration on the same folds.

    Defaults come from `params.crossval`. Returns {"folds", "epochs", "seed", "classes",
    "signers", "fold_signers", "configs": {name: {"accuracy_mean", ..., "folds": [...],
    "per_class_accuracy", "y_true", "y_pred", "ids"}}}, and with `nested_folds` >= 2 (and
    two or more configs) "nested": the same scores for choosing a config on each outer
    fold's training signers only (`nested_selection`).
    """
    from signlang.metrics.evaluation import class_signer_support

    settings = params.crossval
    configs = list(configs or settings.presets)
    folds, epochs = folds or settings.folds, epochs or settings.epochs
    nested_folds = settings.nested_folds if nested_folds is None else nested_folds
    data = data if data is not None else load_signer_data(params)
    splits = signer_folds(data.labels, data.signers, folds, settings.seed, train_only=data.train_only)
    tested = data.subset(np.flatnonzero(data.testable))
    result = {
        "folds": folds, "epochs": epochs, "seed": settings.seed, "classes": list(data.classes),
        "signers": int(len(np.unique(tested.signers))), "samples": int(len(tested.labels)),
        "fold_signers": [sorted(np.unique(data.signers[test]).tolist()) for _, test in splits],
        "class_signers": class_signer_support(tested.labels, tested.signers, data.classes),
        "configs": {},
    }
    if not data.testable.all():
        extra = data.subset(np.flatnonzero(~data.testable))
        result["extra_training"] = {
            "samples": int(len(extra.labels)), "signers": int(len(np.unique(extra.signers))),
            "class_signers": class_signer_support(extra.labels, extra.signers, data.classes),
            "class_samples": {name: int(np.sum(extra.labels == name)) for name in data.classes},
        }
    nested = nested_folds >= 2 and len(configs) >= 2
    if nested:  # refuse before any training, not after the outer folds' work
        fewest = min(len(np.unique(data.signers[train[data.testable[train]]])) for train, _ in splits)
        if fewest < nested_folds:
            raise ParamsError(f"crossval.nested_folds (inner folds): {nested_folds} folds need at least "
                              f"{nested_folds} signers, the smallest outer training side has {fewest}")
    for name in configs:
        result["configs"][name] = score_config(params, name, epochs, data, splits, log)
    if nested:
        result["nested"] = nested_selection(params, configs, epochs, data, splits, result["configs"],
                                            nested_folds, log)
    return result


def score_config(params: Params, name: str, epochs: int, data: SignerData,
                 splits: list[tuple[np.ndarray, np.ndarray]], log: Callable[[str], None]) -> dict:
    """One configuration trained and scored on every fold (`summarise_config`'s result)."""
    from signlang.metrics.evaluation import classification_metrics

    fold_params = config_params(params, name, epochs)
    rows, tested, predicted = [], [], []
    for number, (train, test) in enumerate(splits, start=1):
        started = time.perf_counter()
        guess, held = fit_fold(fold_params, data, train, test, params.crossval.seed + number)
        metrics = classification_metrics(data.labels[test], guess, data.classes)
        rows.append({"fold": number, "accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"],
                     "test_samples": int(len(test)), "val_signers": held.tolist()})
        tested.extend(test), predicted.extend(guess)
        log(f"cv: {name} fold {number}/{len(splits)}: accuracy {metrics['accuracy']:.3f}, macro_f1 "
            f"{metrics['macro_f1']:.3f} ({len(test)} test windows, {time.perf_counter() - started:.0f} s)")
    return summarise_config(rows, data.subset(np.asarray(tested, dtype=int)), predicted,
                            params.crossval.failed_block_accuracy)


def inner_scores(params: Params, configs: Sequence[str], epochs: int, data: SignerData, inner_folds: int,
                 seed: int) -> dict[str, float]:
    """Mean `crossval.select_metric` of each config over a leave-signers-out CV of `data`."""
    from signlang.metrics.evaluation import classification_metrics

    splits = signer_folds(data.labels, data.signers, inner_folds, seed, knob="crossval.nested_folds (inner folds)",
                          train_only=data.train_only)
    scores = {}
    for name in configs:
        fold_params = config_params(params, name, epochs)
        values = []
        for number, (train, test) in enumerate(splits, start=1):
            guess, _ = fit_fold(fold_params, data, train, test, seed + number)
            values.append(classification_metrics(data.labels[test], guess, data.classes)[params.crossval.select_metric])
        scores[name] = round(float(np.mean(values)), 6)
    return scores


def nested_selection(params: Params, configs: Sequence[str], epochs: int, data: SignerData,
                     splits: list[tuple[np.ndarray, np.ndarray]], scored: dict[str, dict], inner_folds: int,
                     log: Callable[[str], None]) -> dict:
    """Nested cross-validation of "pick the best config": for each outer fold, every config is
    cross-validated over that fold's training signers only (`inner_folds` folds by signer),
    the one with the best mean `crossval.select_metric` is taken (the first listed on a tie),
    and its outer-fold predictions (already in `scored`, trained on the same training signers)
    are the procedure's. The test fold plays no part in the choice, so the result is an
    unbiased estimate of the accuracy of the chosen preset on new signers."""
    from signlang.metrics.evaluation import classification_metrics

    rows, tested, predicted = [], [], []
    for number, (train, test) in enumerate(splits, start=1):
        started = time.perf_counter()
        scores = inner_scores(params, configs, epochs, data.subset(train), inner_folds,
                              params.crossval.seed + 1000 * number)
        chosen = max(configs, key=lambda name: scores[name])
        start = sum(len(t) for _, t in splits[: number - 1])
        guess = np.asarray(scored[chosen]["y_pred"][start : start + len(test)])
        metrics = classification_metrics(data.labels[test], guess, data.classes)
        rows.append({"fold": number, "accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"],
                     "test_samples": int(len(test)), "selected": chosen, "inner_scores": scores})
        tested.extend(test), predicted.extend(guess)
        log(f"cv: nested fold {number}/{len(splits)}: inner {params.crossval.select_metric} "
            + ", ".join(f"{name} {value:.3f}" for name, value in scores.items())
            + f" -> {chosen}: accuracy {metrics['accuracy']:.3f} ({time.perf_counter() - started:.0f} s)")
    summary = summarise_config(rows, data.subset(np.asarray(tested, dtype=int)), predicted,
                               params.crossval.failed_block_accuracy)
    summary.update(inner_folds=inner_folds, metric=params.crossval.select_metric, candidates=list(configs))
    return summary


def summarise_config(rows: list[dict], tested: SignerData, predicted: Sequence[str],
                     failed_block_accuracy: float) -> dict:
    """Mean and std (population) over folds, pooled per-class and per-signer accuracy, the
    failed signer x class blocks (`evaluation.signer_blocks`), and the predictions.
    `tested`: the samples of the test folds in fold order, `predicted` their predictions."""
    from signlang.metrics.evaluation import classification_metrics, signer_blocks, signer_scores

    truth, predicted, signers, classes = tested.labels, np.asarray(predicted), tested.signers, tested.classes
    summary: dict = {}
    for key in ("accuracy", "macro_f1"):
        values = np.array([row[key] for row in rows], dtype=float)
        summary[f"{key}_mean"] = round(float(values.mean()), 6)
        summary[f"{key}_std"] = round(float(values.std()), 6)
    # Over all folds' predictions at once: every class is in the truth, so a fold's stray
    # prediction of a class it does not hold (an F1 of 0 in that fold's macro average) weighs
    # as the errors it is.
    pooled = classification_metrics(truth, predicted, classes)
    summary["pooled_accuracy"], summary["pooled_macro_f1"] = pooled["accuracy"], pooled["macro_f1"]
    summary["per_class_accuracy"] = {
        name: (round(float(np.mean(predicted[truth == name] == name)), 6) if np.any(truth == name) else None)
        for name in classes
    }
    blocks = signer_blocks(signers, truth, predicted)
    per_signer: dict[str, list[int]] = {}
    for block in blocks:  # [windows, errors] summed over the signer's classes
        totals = per_signer.setdefault(block["signer"], [0, 0])
        totals[0], totals[1] = totals[0] + block["windows"], totals[1] + block["errors"]
    summary["per_signer_accuracy"] = {name: round((windows - errors) / windows, 6)
                                      for name, (windows, errors) in per_signer.items()}
    summary.update({key: value for key, value in signer_scores(signers, truth, predicted).items() if key != "signers"})
    failed = [block for block in blocks if block["accuracy"] <= failed_block_accuracy]
    errors = int(np.sum(truth != predicted))
    summary["failed_blocks"] = {
        "max_accuracy": failed_block_accuracy,
        "blocks": len(failed),
        "of_blocks": len(blocks),
        "windows": int(sum(block["windows"] for block in failed)),
        "share_of_errors": round(sum(block["errors"] for block in failed) / errors, 6) if errors else 0.0,
        "list": failed,
    }
    summary["folds"] = rows
    summary.update(y_true=truth.tolist(), y_pred=predicted.tolist(), ids=tested.ids.tolist(), blocks=blocks)
    return summary


def _file_name(config: str) -> str:
    return config.replace(RAW_SUFFIX, "_raw")


def _scored(result: dict) -> dict[str, dict]:
    """Every scored row of a result: the configs, then the nested selection when run."""
    rows = dict(result["configs"])
    if "nested" in result:
        rows[NESTED] = result["nested"]
    return rows


def _without_predictions(summary: dict) -> dict:
    return {key: value for key, value in summary.items() if key not in ("y_true", "y_pred", "ids", "blocks")}


def write_reports(result: dict, out: str | Path) -> list[Path]:
    """cv.json (scores, no predictions), cv.md (the tables) and per configuration (and for the
    nested selection, as `nested`) the pooled confusion matrix as confusion_<config>.png and
    confusion_<config>.csv (id, actual, predicted), and blocks_<config>.csv (`evaluation.signer_blocks`)."""
    from signlang.io import write_json
    from signlang.metrics.evaluation import confusion_png, write_blocks_csv, write_confusion_csv

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    scores = {key: value for key, value in result.items() if key not in ("configs", "nested")}
    scores["configs"] = {name: _without_predictions(config) for name, config in result["configs"].items()}
    if "nested" in result:
        scores["nested"] = _without_predictions(result["nested"])
    written.append(write_json(out / "cv.json", scores))
    (out / "cv.md").write_text(markdown_table(result), encoding="utf-8")
    written.append(out / "cv.md")
    for name, config in _scored(result).items():
        stem = _file_name(name)
        written.append(write_confusion_csv(out / f"confusion_{stem}.csv", config["ids"], config["y_true"], config["y_pred"]))
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
        "data": str(data) if data is not None else params.crossval.data,
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
    if "extra_training" in result:
        extra = result["extra_training"]
        lines.append(f"Every fold also trains on {extra['samples']} windows of {extra['signers']} more signers "
                     "(crossval.extra_training; never tested), signers per class: "
                     + ", ".join(f"{name} {count}" for name, count in extra["class_signers"].items()) + ".")
    lines += [
        "",
        "| config | accuracy (mean ± std) | macro-F1 (mean ± std) | pooled macro-F1 | worst signer | median signer | "
        "signer spread (std) |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = _scored(result)
    for name, config in rows.items():
        lines.append(f"| {name} | {config['accuracy_mean']:.3f} ± {config['accuracy_std']:.3f} | "
                     f"{config['macro_f1_mean']:.3f} ± {config['macro_f1_std']:.3f} | {config['pooled_macro_f1']:.3f} | "
                     f"{config['worst_signer_accuracy']:.3f} ({config['worst_signer']}) | "
                     f"{config['median_signer_accuracy']:.3f} | {config['signer_accuracy_std']:.3f} |")
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


def run(params: Params, configs: Sequence[str] | None = None, folds: int | None = None,
        epochs: int | None = None, out: str | Path | None = None, data: str | Path | None = None,
        nested_folds: int | None = None) -> dict:
    """`signlang cv`: load, cross-validate, write the reports; returns the result."""
    started = time.perf_counter()
    signer_data = load_signer_data(params, data)
    result = cross_validate(params, configs, folds, epochs, signer_data, nested_folds=nested_folds)
    out = Path(out or params.crossval.out)
    write_reports(result, out)
    write_run_params(params, result, out, data)
    print(markdown_table(result), flush=True)
    print(f"cv: wrote {out} in {time.perf_counter() - started:.0f} s", flush=True)
    return result
