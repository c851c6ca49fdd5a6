"""The evaluation's pictures: confusion matrices (counts, or from 16 classes on row shares in an
order where classes taken for each other sit together) and the loss/accuracy curves. The PNG bytes
depend on the data alone (no software or date stamp), so DVC sees no change when nothing changed."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from signlang.errors import InputFileError
from signlang.fonts import figure_rc
from signlang.io import atomic_path
from signlang.metrics.evaluation import confusion_counts

# From this many classes on, the confusion figure shows each true class's shares (rows
# normalised) in an order where classes taken for each other sit together (`cluster_order`).
CLUSTERED_FROM = 16
# Saved PNGs carry no "Software" stamp, so the bytes depend on the data alone.
PNG_METADATA = {"Software": None}


def row_shares(counts: np.ndarray) -> np.ndarray:
    """Each row divided by its sum (a true class's windows share out to 1); empty rows stay 0."""
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros(counts.shape, dtype=float), where=totals > 0)


def cluster_order(shares: np.ndarray) -> list[int]:
    """Class indices in the leaf order of an average-linkage clustering of the confusion
    (`row_shares`), optimally ordered: two classes are 1 - the mean of the shares each takes
    of the other apart, so classes taken for each other end up side by side and confusions
    gather into blocks along the diagonal. Deterministic."""
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
    from scipy.spatial.distance import squareform

    if len(shares) < 3:
        return list(range(len(shares)))
    apart = 1.0 - (shares + shares.T) / 2
    np.fill_diagonal(apart, 0.0)
    distances = squareform(apart.clip(0.0, 1.0), checks=False)
    tree = optimal_leaf_ordering(linkage(distances, method="average"), distances)
    return [int(index) for index in leaves_list(tree)]


def _save(figure, path: str | Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    path = Path(path)
    FigureCanvasAgg(figure)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=100, metadata=PNG_METADATA)
    return path


def confusion_png(
    path: str | Path, y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str], title: str
) -> Path:
    """The confusion matrix figure (rows actual, columns predicted), sized to the class count.

    Below CLUSTERED_FROM classes: the count in every cell, classes in the given order. From
    CLUSTERED_FROM on (a team's 35- or 100-word set): each row as shares of its true class,
    classes ordered by `cluster_order`, percentages written in the cells of 5 % or more.
    Labels in any script (matplotlib lays out right-to-left text). Drawn on a bare Agg canvas.
    """
    import matplotlib

    classes = [str(name) for name in classes]
    counts = confusion_counts(y_true, y_pred, classes)
    draw = _counts_figure if len(classes) < CLUSTERED_FROM else _clustered_figure
    with matplotlib.rc_context(figure_rc(classes)):
        return _save(draw(counts, classes, title), path)


def _counts_figure(counts: np.ndarray, classes: list[str], title: str):
    """The count in every cell, classes in the given order; x labels rotated past 4 classes."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    n = len(classes)
    side = min(40.0, max(5.0, 0.55 * n + 2.5))
    cell_font = max(4.0, min(10.0, 220.0 / max(n, 1)))
    label_font = max(5.0, min(10.0, 260.0 / max(n, 1)))
    figure = Figure(figsize=(side + 1.2, side), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(counts, cmap="Blues", interpolation="nearest", vmin=0)
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, ticks=MaxNLocator(integer=True))
    threshold = counts.max() / 2 if counts.size and counts.max() > 0 else 0.5
    for row in range(n):
        for column in range(n):
            value = int(counts[row, column])
            axes.text(
                column, row, str(value), ha="center", va="center", fontsize=cell_font,
                color="white" if value > threshold else "black",
            )
    axes.set_xticks(range(n), classes, rotation=60 if n > 4 else 0, ha="right" if n > 4 else "center",
                    rotation_mode="anchor", fontsize=label_font)
    axes.set_yticks(range(n), classes, fontsize=label_font)
    _frame_axes(axes, counts, title)
    return figure


def _clustered_figure(counts: np.ndarray, classes: list[str], title: str):
    """Row shares in `cluster_order`: 0.2 inch per class, 7 pt labels, readable at 100 classes."""
    from matplotlib.figure import Figure

    n = len(classes)
    shares = row_shares(counts)
    order = cluster_order(shares)
    shares = shares[np.ix_(order, order)]
    side = 0.2 * n + 3.0
    figure = Figure(figsize=(side + 1.0, side), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(shares, cmap="Blues", interpolation="nearest", vmin=0, vmax=1)
    figure.colorbar(image, ax=axes, fraction=0.03, pad=0.02, label="share of the true class's windows")
    for row, column in zip(*np.nonzero(shares >= 0.05)):
        value = shares[row, column]
        axes.text(column, row, f"{100 * value:.0f}", ha="center", va="center", fontsize=5,
                  color="white" if value > 0.5 else "black")
    names = [classes[index] for index in order]
    axes.set_xticks(range(n), names, rotation=90, fontsize=7)
    axes.set_yticks(range(n), names, fontsize=7)
    _frame_axes(axes, counts, f"{title}, % of each true class; classes ordered by clustering")
    return figure


def _frame_axes(axes, counts: np.ndarray, title: str) -> None:
    axes.set_xlabel("predicted")
    axes.set_ylabel("actual")
    total, correct = int(counts.sum()), int(np.trace(counts))
    axes.set_title(f"{title}\n{correct}/{total} correct" if total else f"{title}\n(no samples)")


def read_history(history_csv: str | Path) -> dict[str, list[float]]:
    """history.csv columns as float lists (NaN where a value is empty)."""
    history_csv = Path(history_csv)
    if not history_csv.is_file():
        raise InputFileError(history_csv, "not found (run `dvc repro train` first)")
    with open(history_csv, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if rows and "epoch" not in rows[0]:
        raise InputFileError(history_csv, "has no `epoch` column")
    columns: dict[str, list[float]] = {}
    for row in rows:
        for key, value in row.items():
            try:
                number = float(value) if value not in ("", None) else math.nan
            except ValueError:
                number = math.nan
            columns.setdefault(key, []).append(number)
    return columns


def curves_png(history_csv: str | Path, path: str | Path) -> Path:
    """Loss and accuracy per epoch, train vs val, side by side."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    history = read_history(history_csv)
    epochs = history.get("epoch", [])
    with matplotlib.rc_context(figure_rc()):
        figure = Figure(figsize=(11, 4.2), layout="constrained")
        for index, (metric, label) in enumerate((("loss", "loss"), ("accuracy", "accuracy"))):
            axes = figure.add_subplot(1, 2, index + 1)
            for column, name, style in ((metric, "train", "-"), (f"val_{metric}", "val", "--")):
                values = history.get(column, [])
                if values and not all(math.isnan(v) for v in values):
                    axes.plot(epochs, values, style, marker="." if len(epochs) < 30 else None, label=name)
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
            axes.set_xlabel("epoch")
            axes.set_ylabel(label)
            axes.set_title(f"{label} per epoch")
            axes.grid(True, alpha=0.3)
            if metric == "accuracy":
                axes.set_ylim(-0.02, 1.02)
            if axes.get_legend_handles_labels()[0]:
                axes.legend()
            if not epochs:
                axes.text(0.5, 0.5, "no epochs recorded", transform=axes.transAxes, ha="center")
        return _save(figure, path)
