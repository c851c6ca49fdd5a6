"""Every file and folder the pipeline reads or writes, in one place.

Paths are relative to the project root (the folder holding dvc.yaml), so stages run by
`dvc repro` and tests working in a temporary copy of the repository resolve them alike.
"""

from __future__ import annotations

from pathlib import Path

PARAMS_FILE = Path("params.yaml")

DATA_DIR = Path("data")
MANIFEST = DATA_DIR / "manifest.csv"
KEYPOINT_CACHE_DIR = DATA_DIR / "keypoints"
DATASET = DATA_DIR / "dataset.npz"
SPLIT = DATA_DIR / "split.csv"
# Clips recorded by `signlang capture`: <label>/<signer>_<n>.mp4.
RAW_DIR = DATA_DIR / "raw"

MODELS_DIR = Path("models")
KERAS_MODEL = MODELS_DIR / "model.keras"
BUNDLE_DIR = MODELS_DIR / "bundle"

REPORTS_DIR = Path("reports")
# Samples ingest could not read, with the reason; extract adds its own to SKIPPED.
INGEST_SKIPPED = REPORTS_DIR / "ingest_skipped.csv"
SKIPPED = REPORTS_DIR / "skipped.csv"
INGEST_REPORT = REPORTS_DIR / "ingest.json"
EXTRACT_REPORT = REPORTS_DIR / "extract.json"
SPLIT_REPORT = REPORTS_DIR / "split.json"
METRICS = REPORTS_DIR / "metrics.json"
PER_CLASS = REPORTS_DIR / "per_class.csv"
SIGNER_BLOCKS = REPORTS_DIR / "signer_blocks.csv"
# The pairs of classes most often taken for each other, per subset (evaluate).
CONFUSED_PAIRS = REPORTS_DIR / "confused_pairs.csv"
EXPORT_REPORT = REPORTS_DIR / "export.json"
# Why the last export did or did not take the champion alias: it depends on the MLflow
# registry, which git does not version, so it is neither a DVC output nor committed.
PROMOTION_REPORT = REPORTS_DIR / "promotion.json"
TRAIN_REPORT = REPORTS_DIR / "train.json"
PLOTS_DIR = REPORTS_DIR / "plots"
HISTORY = PLOTS_DIR / "history.csv"
FIGURES_DIR = REPORTS_DIR / "figures"


def confusion_csv(subset: str) -> Path:
    """Per-sample (actual, predicted) rows that `dvc plots` draws as a confusion matrix."""
    return PLOTS_DIR / f"confusion_{subset}.csv"


def confusion_png(subset: str) -> Path:
    return FIGURES_DIR / f"confusion_{subset}.png"


CURVES_PNG = FIGURES_DIR / "curves.png"

# Embedded MLflow store used when MLFLOW_TRACKING_URI is not set (ignored by git).
MLFLOW_DB = Path("mlruns.db")
MLFLOW_ARTIFACTS = Path("mlartifacts")
# What ingest read from each source file, by size and modification time (run-time scratch).
INGEST_CACHE_DIR = Path(".signlang") / "ingest-cache"

# Bundle contents: what live inference needs and nothing else.
BUNDLE_MODEL = "model.tflite"
BUNDLE_LABELS = "labels.json"
BUNDLE_PREPROCESS = "preprocess.json"
# The segmenter's thresholds (signlang/serving/segment.py); optional: older bundles lack it.
BUNDLE_SEGMENTER = "segmenter.json"
