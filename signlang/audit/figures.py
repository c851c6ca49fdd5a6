"""The audit's pictures: `figures/block_NN.png`, a flagged block's mean trajectory beside its
class's typical form (and the form it is read as), drawn the same bytes each time."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from signlang.audit.blocks import percent
from signlang.audit.views import DOMINANT, SECOND, trajectory
from signlang.fonts import figure_rc
from signlang.io import atomic_path

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from signlang.audit.scoring import AuditResult

# Pose points as signlang.audit.views.POSE_POINTS orders them: nose, shoulders, elbows, wrists.
POSE_BONES = ((1, 2), (1, 3), (3, 5), (2, 4), (4, 6))
HAND_BONES = ((0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (9, 10), (10, 11), (11, 12),
              (13, 14), (14, 15), (15, 16), (0, 17), (17, 18), (18, 19), (19, 20), (5, 9), (9, 13), (13, 17))
PNG_METADATA = {"Software": None}
FIGURES = "figures"


def draw_panel(axes: Axes, form: dict, title: str) -> None:
    """A stick figure (mean pose), the dominant wrist's mean path (light to dark over time) and
    the dominant hand's mean shape at its most seen frame; the second hand's path in grey."""
    with warnings.catch_warnings():  # no pose in any frame (another layout): nothing drawn
        warnings.simplefilter("ignore", RuntimeWarning)
        pose = np.nanmean(form["pose"], axis=0)
    for a, b in POSE_BONES:
        axes.plot(pose[[a, b], 0], pose[[a, b], 1], color="0.3", linewidth=2)
    axes.plot(pose[0, 0], pose[0, 1], "o", color="0.3", markersize=10)
    for hand, colour in ((SECOND, "0.6"), (DOMINANT, "tab:red")):
        path = form[hand][:, 0]
        axes.plot(path[:, 0], path[:, 1], color=colour, linewidth=1.5)
        axes.scatter(path[:, 0], path[:, 1], c=np.linspace(0.2, 1, len(path)), cmap="Reds" if hand == DOMINANT
                     else "Greys", s=8, vmin=0, vmax=1)
    seen = np.nan_to_num(form[f"{DOMINANT}_seen"])
    if seen.max() > 0:
        shape = form[DOMINANT][int(np.argmax(seen))]
        for a, b in HAND_BONES:
            axes.plot(shape[[a, b], 0], shape[[a, b], 1], color="tab:blue", linewidth=1)
    axes.set_xlim(-2.0, 2.0)
    axes.set_ylim(2.2, -1.8)
    axes.set_aspect("equal")
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_title(title, fontsize=9)
    axes.set_xlabel(f"a hand seen in {percent(float(np.mean(np.maximum(seen, np.nan_to_num(form[f'{SECOND}_seen'])))))}"
                    " of frames", fontsize=8)


def block_figure(result: AuditResult, row: dict, path: Path) -> Path:
    """The block's mean trajectory beside its class's typical form (and the form it is read as)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    data = result.data
    rows = np.flatnonzero((data.signers == row["signer"]) & (data.labels == row["label"]))
    panels = [(trajectory(result.views, rows), f"{row['signer']}: {row['label']} ({len(rows)} windows)")]
    for label, what in ((row["label"], "typical"), (row["read_as"], "read as")):
        if label and label in result.typical and not (what == "read as" and label == row["label"]):
            panels.append((result.typical[label], f"{what}: {label} (other signers)"))
    with matplotlib.rc_context(figure_rc(title for _, title in panels)):
        figure = Figure(figsize=(3.0 * len(panels), 3.6), dpi=90)
        FigureCanvasAgg(figure)
        for k, (form, title) in enumerate(panels):
            draw_panel(figure.add_subplot(1, len(panels), k + 1), form, title)
        figure.suptitle(f"{row['flag']}: mean pose, dominant wrist path (red, light to dark over time), hand shape "
                        "(blue), other wrist (grey); shoulder widths", fontsize=8)
        with atomic_path(path) as temporary:
            figure.savefig(temporary, format="png", metadata=PNG_METADATA)
    return path


def write_figures(result: AuditResult, findings: list[dict], out: Path) -> dict[int, str]:
    """One picture per flagged block (the first `figures` of `findings`, signlang.audit.report's
    blocks most severe first); old ones removed. Number in the list -> picture's path in `out`."""
    folder = out / FIGURES
    folder.mkdir(parents=True, exist_ok=True)
    for old in sorted(folder.glob("block_*.png")):
        old.unlink()
    written = {}
    for n, row in enumerate(findings[: result.params.figures], 1):
        name = f"block_{n:02d}.png"
        block_figure(result, row, folder / name)
        written[n] = f"{FIGURES}/{name}"
    return written

