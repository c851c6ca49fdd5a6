"""One row per signer x class block: its statistics and how the model that never saw its
signer reads it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from signlang.audit.data import AuditData
from signlang.audit.settings import AuditParams


def block_table(data: AuditData, stats: pd.DataFrame, readings: np.ndarray, classes: list[str],
                groups: np.ndarray, trusted: np.ndarray) -> pd.DataFrame:
    """One row per signer x class block (sorted): its statistics and how it is read."""
    frame = stats.assign(signer=data.signers, label=data.labels, folder=data.folders, reading=readings,
                         group=groups, trusted=trusted)
    teachers = frame[frame.trusted].groupby("label")[["group", "signer"]].apply(
        lambda rows: set(zip(rows.group, rows.signer)))
    rows = [describe_block(signer, label, block, classes, teachers.get(label, set()))
            for (signer, label), block in frame.groupby(["signer", "label"], sort=True)]
    return pd.DataFrame(rows)


def describe_block(signer: str, label: str, block: pd.DataFrame, classes: list[str], teachers: set) -> dict:
    """A block's statistics; `teachers`: (group, signer) of the trusted windows of its class."""
    read = block.reading[block.reading >= 0].to_numpy()
    counts = np.bincount(read, minlength=len(classes))
    top = int(np.argmax(counts)) if len(read) else -1
    group = block.group.iloc[0]
    return {
        "signer": signer, "label": label, "windows": len(block),
        "folders": "|".join(sorted(set(block.folder))),
        "no_hand_fraction": float(block.no_hand.mean()), "motion": float(block.motion.median()),
        "hand_slot_mismatch": float(block.slot_wrong.sum() / max(block.slot_frames.sum(), 1)),
        "slot_frames": int(block.slot_frames.sum()), "pose_implausible": float(block.implausible.mean()),
        "other_signers": len({name for g, name in teachers if g != group}),
        "read_as": classes[top] if top >= 0 else "",
        "read_as_fraction": float(counts[top] / len(read)) if len(read) else 0.0,
        "correct_fraction": float(counts[classes.index(label)] / len(read)) if len(read) else 0.0,
        "read_counts": counts,
        "folder_readings": folder_readings(block, classes.index(label)),
    }


def folder_readings(block: pd.DataFrame, own: int) -> dict[str, tuple[int, int]]:
    """Per source folder of a block: (windows read as the block's class, windows read)."""
    read = block[block.reading >= 0]
    return {folder: (int((rows.reading == own).sum()), len(rows)) for folder, rows in read.groupby("folder", sort=True)}


def class_medians(blocks: pd.DataFrame, column: str) -> pd.Series:
    """Per block, the median of `column` over the other signers' blocks of its class (NaN if none)."""
    values = []
    for signer, label in zip(blocks.signer, blocks.label):
        others = blocks[(blocks.label == label) & (blocks.signer != signer)]
        values.append(float(others[column].median()) if len(others) else np.nan)
    return pd.Series(values, index=blocks.index)


def percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def readable(blocks: pd.DataFrame, p: AuditParams) -> pd.Series:
    """Blocks a model reading means something for: enough windows, its class learnt from others."""
    return (blocks.windows >= p.min_block_windows) & (blocks.other_signers > 0) & (blocks.read_as != "")


def reading_text(row: pd.Series, classes: list[str], target: str) -> str:
    count = int(row.read_counts[classes.index(target)])
    return f"{count}/{int(row.read_counts.sum())}"
