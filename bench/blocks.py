"""What a signer's windows of one class look like, from the keypoints: the evidence for why a
block fails (a signer's own form of a sign, or a recording problem), beside its class's typical
form and the form of the class it is taken for.

    python -m bench.blocks --predictions reports/cv/<run>/predictions_transformer.csv [--dataset data/dataset.npz]

Per signer x class block (medians over its windows): hands seen (share of frames with a hand),
two hands (share with both), height (the moving hand's wrist below the shoulder line, in
shoulder widths; negative: above it), motion (that wrist's mean path per frame, shoulder widths),
openness (mean fingertip-to-wrist distance over the hand's size, wrist to middle knuckle: a
fist ~1, an open hand ~2), and with --predictions the block's accuracy and the class it is most
often taken for when wrong. Prints the blocks at or under --max-accuracy next to the medians of their class's
other signers and of the class they are taken for; --out writes every block as CSV.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from signlang.data.layout import NO_FACE_PARTS, part_offsets

LAYOUT = part_offsets(NO_FACE_PARTS)
SHOULDERS = (11, 12)  # pose landmarks
WRIST, MIDDLE_KNUCKLE, FINGERTIPS = 0, 9, (4, 8, 12, 16, 20)
DESCRIPTORS = ("hands_seen", "two_hands", "height", "motion", "openness")


def hand_points(windows: np.ndarray, part: str) -> np.ndarray:
    """(n, T, 21, 3) landmarks of one hand; NaN where it is not seen."""
    points = windows[..., LAYOUT[part]].reshape(*windows.shape[:2], 21, 3).astype(float)
    points[~np.any(points != 0, axis=-1).any(axis=-1)] = np.nan
    return points


def window_descriptors(windows: np.ndarray) -> pd.DataFrame:
    """One row of DESCRIPTORS per raw 258-value window (n, T, 258)."""
    pose = windows[..., LAYOUT["pose"]].reshape(*windows.shape[:2], 33, 4).astype(float)
    left, right = hand_points(windows, "left_hand"), hand_points(windows, "right_hand")
    seen = np.stack([~np.isnan(left[..., 0, 0]), ~np.isnan(right[..., 0, 0])], axis=-1)  # (n, T, 2)
    shoulder_mid = pose[..., SHOULDERS, :2].mean(axis=-2)
    width = np.linalg.norm(pose[..., SHOULDERS[0], :2] - pose[..., SHOULDERS[1], :2], axis=-1)
    width[width == 0] = np.nan
    width = np.nanmedian(width, axis=1, keepdims=True)
    rows = []
    for index in range(len(windows)):
        # The moving hand: the one seen in more frames (ties: the right).
        hand = left[index] if seen[index, :, 0].sum() > seen[index, :, 1].sum() else right[index]
        wrist = hand[:, WRIST, :2]
        height = (wrist[:, 1] - shoulder_mid[index, :, 1]) / width[index, 0]
        steps = np.linalg.norm(np.diff(wrist, axis=0), axis=-1) / width[index, 0]
        size = np.linalg.norm(hand[:, MIDDLE_KNUCKLE, :2] - wrist, axis=-1)
        tips = np.linalg.norm(hand[:, FINGERTIPS, :2] - wrist[:, None], axis=-1).mean(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN medians: a hand never seen
            rows.append({
                "hands_seen": float(seen[index].any(axis=-1).mean()),
                "two_hands": float(seen[index].all(axis=-1).mean()),
                "height": float(np.nanmedian(height)), "motion": float(np.nanmean(steps)),
                "openness": float(np.nanmedian(tips / size)),
            })
    return pd.DataFrame(rows)


def block_table(dataset: Path, predictions: Path | None) -> pd.DataFrame:
    """Every signer x class block: windows, median descriptors, and (with predictions) accuracy
    and the class most often taken for."""
    with np.load(dataset, allow_pickle=False) as data:
        frame = pd.DataFrame({"id": data["ids"], "signer": data["signers"], "label": data["labels"]})
        frame = pd.concat([frame, window_descriptors(data["X"])], axis=1)
    if predictions is not None:
        predicted = pd.read_csv(predictions, keep_default_na=False)[["id", "predicted"]]
        frame = frame.merge(predicted, on="id", how="inner")
        frame["correct"] = frame.predicted == frame.label
    grouped = frame.groupby(["label", "signer"])
    table = grouped[list(DESCRIPTORS)].median().round(3)
    table.insert(0, "windows", grouped.size())
    if predictions is not None:
        table["accuracy"] = grouped.correct.mean().round(3)
        wrong = frame[~frame.correct].groupby(["label", "signer"]).predicted
        table["taken_for"] = wrong.agg(lambda values: values.value_counts().index[0])
        table["taken_for"] = table["taken_for"].fillna("")
    return table.reset_index()


def typical(table: pd.DataFrame, label: str, without: str | None = None) -> pd.Series:
    """The median block of a class (its blocks' medians), leaving one signer out."""
    rows = table[(table.label == label) & (table.signer != without)]
    return rows[list(DESCRIPTORS)].median().round(3)


def failing_blocks(table: pd.DataFrame, max_accuracy: float) -> pd.DataFrame:
    """Each block at or under `max_accuracy`, with its class's typical form and the taken-for class's."""
    rows = []
    for _, block in table[table.accuracy <= max_accuracy].sort_values(["label", "accuracy"]).iterrows():
        own, other = typical(table, block.label, block.signer), typical(table, block.taken_for or block.label)
        row = {"signer": block.signer, "label": block.label, "windows": block.windows, "accuracy": block.accuracy,
               "taken_for": block.taken_for}
        for name in DESCRIPTORS:
            row[name] = f"{block[name]:.2f} ({own[name]:.2f} / {other[name]:.2f})"
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.blocks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=Path("data/dataset.npz"), help="raw windows (the extract stage's)")
    parser.add_argument("--predictions", type=Path, default=None,
                        help="a cross-validation's predictions_<config>.csv (id, signer, fold, actual, predicted)")
    parser.add_argument("--max-accuracy", type=float, default=0.5, help="blocks printed: accuracy at or under this")
    parser.add_argument("--out", type=Path, default=None, help="CSV of every block")
    args = parser.parse_args(argv)
    table = block_table(args.dataset, args.predictions)
    if args.out:
        table.to_csv(args.out, index=False)
    print("per class: signers (blocks), windows; median block:")
    summary = table.groupby("label").agg(signers=("signer", "nunique"), windows=("windows", "sum"))
    for name in DESCRIPTORS:
        summary[name] = table.groupby("label")[name].median().round(2)
    print(summary.to_string())
    if args.predictions is not None:
        print(f"\nblocks at accuracy <= {args.max_accuracy}: block value (class's other signers / taken-for class)")
        print(failing_blocks(table, args.max_accuracy).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
