"""The flags on blocks: model-free rules (no_hands, static, hand_slots, layout), the model's
readings (swapped, foreign, other_sign) and, for review, blocks read as their own class in under
half their windows that no other flag explains (misread), with the evidence a person reads."""

from __future__ import annotations

import numpy as np
import pandas as pd

from signlang.audit.blocks import class_medians, percent, readable, reading_text
from signlang.audit.settings import AuditParams

# Flags in the order they are listed; severity of each. `review`: a person looks before deciding
# (a data problem or the signer's own form of the sign); nothing is suggested for it.
SEVERITY = {"swapped": "high", "foreign": "high", "other_sign": "high", "no_hands": "high",
            "static": "medium", "hand_slots": "medium", "misread": "review", "layout": "low"}
# Flags that already say why a block is read as another class (misread is not added to them).
READING_EXPLAINED = ("swapped", "foreign", "other_sign", "no_hands", "static")
# Flags whose blocks no model should learn from (pass 2 leaves them out of training).
UNTRUSTED = ("swapped", "foreign", "no_hands", "static")


def rule_no_hands(blocks: pd.DataFrame, p: AuditParams) -> dict[int, str]:
    typical = class_medians(blocks, "no_hand_fraction")
    return {i: f"no hand in {percent(row.no_hand_fraction)} of frames (other signers of {row.label}: "
               f"{'-' if np.isnan(typical[i]) else percent(typical[i])})"
            for i, row in blocks.iterrows() if row.no_hand_fraction >= p.no_hands_fraction}


def rule_static(blocks: pd.DataFrame, p: AuditParams) -> dict[int, str]:
    typical = class_medians(blocks, "motion")
    found = {}
    for i, row in blocks.iterrows():
        ratio = row.motion / typical[i] if typical[i] > 0 else 0.0
        if row.no_hand_fraction < p.no_hands_fraction and row.motion < p.static_motion and (
                np.isnan(typical[i]) or ratio < p.static_ratio):
            found[i] = f"hands move {row.motion:.4f} shoulder widths per frame (median window); " + (
                f"no other signer of {row.label}" if np.isnan(typical[i]) else
                f"other signers of {row.label}: {typical[i]:.4f} ({ratio:.2f}x)")
    return found


def rule_hand_slots(blocks: pd.DataFrame, p: AuditParams) -> dict[int, str]:
    return {i: (f"in {percent(row.hand_slot_mismatch)} of {row.slot_frames} frames a hand slot's wrist sits at "
                "the other arm's pose wrist: left/right slots not filled by handedness")
            for i, row in blocks.iterrows()
            if row.hand_slot_mismatch >= p.hand_slots_fraction and row.windows >= p.min_block_windows}


def rule_layout(blocks: pd.DataFrame, p: AuditParams) -> dict[int, str]:
    return {i: (f"{percent(row.pose_implausible)} of frames hold pose values that cannot be MediaPipe's "
                "(visibility outside [0, 1]): another keypoint layout")
            for i, row in blocks.iterrows() if row.pose_implausible >= p.layout_fraction}


def find_swaps(blocks: pd.DataFrame, p: AuditParams, classes: list[str],
               ok: pd.Series) -> dict[int, tuple[str, str]]:
    """Signers whose blocks are read as each other's classes (a permutation of their own
    classes, found by the best assignment): each moved block's (class it holds, evidence
    naming the whole permutation)."""
    from scipy.optimize import linear_sum_assignment

    found = {}
    for signer, rows in blocks[ok & ~blocks["issues"].map(lambda f: "no_hands" in f)].groupby("signer"):
        if len(rows) < 2:
            continue
        own = [classes.index(label) for label in rows.label]
        shares = np.stack([row.read_counts[own] / max(row.read_counts.sum(), 1) for _, row in rows.iterrows()])
        _, assigned = linear_sum_assignment(-shares)
        moved = [k for k in range(len(rows)) if assigned[k] != k]
        if len(moved) < 2 or any(shares[k, assigned[k]] < p.swap_fraction for k in moved):
            continue
        cycle = ", ".join(f"{rows.label.iloc[k]} (folder {rows.folders.iloc[k]}) -> {rows.label.iloc[assigned[k]]} "
                          f"{reading_text(rows.iloc[k], classes, rows.label.iloc[assigned[k]])}" for k in moved)
        for k in moved:
            found[rows.index[k]] = (rows.label.iloc[assigned[k]], f"{signer}'s blocks read as each other's classes: {cycle}")
    return found


def find_foreign(blocks: pd.DataFrame, p: AuditParams, ok: pd.Series) -> dict[int, str]:
    """Signers most of whose readable blocks are misread (not explained by a swap, missing or
    frozen hands): every block of theirs."""
    found = {}
    explained = blocks["issues"].map(lambda f: bool({"swapped", "no_hands", "static"} & set(f)))
    for signer, rows in blocks[ok & ~explained].groupby("signer"):
        misread = rows[rows.correct_fraction < p.misread_correct]
        if len(rows) >= p.foreign_min_blocks and len(misread) / len(rows) > p.foreign_share:
            listed = ", ".join(f"{r.label} as {r.read_as} {percent(r.read_as_fraction)}" for _, r in misread.iterrows())
            text = (f"{len(misread)}/{len(rows)} of {signer}'s blocks are unlike every other signer's form of their "
                    f"class ({listed}): another sign language, gesture set or layout")
            found.update({i: text for i in blocks.index[blocks.signer == signer]})
    return found


def rule_other_sign(blocks: pd.DataFrame, p: AuditParams, classes: list[str], ok: pd.Series) -> dict[int, str]:
    found = {}
    for i, row in blocks[ok].iterrows():
        if (row.read_as != row.label and row.read_as_fraction >= p.other_sign_fraction
                and row.correct_fraction <= p.other_sign_correct and not row["issues"]):
            found[i] = (f"read as {row.read_as} in {reading_text(row, classes, row.read_as)} windows by a model that "
                        f"never saw {row.signer} (as {row.label}: {reading_text(row, classes, row.label)}; "
                        f"{row.other_signers} other signer(s) of {row.label})")
    return found


def rule_misread(blocks: pd.DataFrame, p: AuditParams, classes: list[str], ok: pd.Series) -> dict[int, str]:
    """Blocks read as their own class in under `misread_correct` of their windows by a model that
    learnt the class from at least `misread_min_signers` other signers, not explained by another
    flag: for review."""
    found = {}
    for i, row in blocks[ok & (blocks.other_signers >= p.misread_min_signers)].iterrows():
        if row.correct_fraction < p.misread_correct and not set(row["issues"]) & set(READING_EXPLAINED):
            other = most_read_other(row, classes)
            found[i] = (f"read as {row.label} in only {reading_text(row, classes, row.label)} windows by a model that "
                        f"never saw {row.signer} (most often otherwise as {other}: "
                        f"{reading_text(row, classes, other)}; {row.other_signers} other signer(s) of {row.label})"
                        f"{by_folder(row)}: look at it, a data problem or {row.signer}'s own form of {row.label}")
    return found


def by_folder(row: pd.Series) -> str:
    """`; as <class> by folder: a 1/30, b 28/30` where a block gathers several source folders."""
    if len(row.folder_readings) < 2:
        return ""
    shares = ", ".join(f"{folder} {own}/{read}" for folder, (own, read) in row.folder_readings.items())
    return f"; as {row.label} by folder: {shares}"


def most_read_other(row: pd.Series, classes: list[str]) -> str:
    """The class other than its own that a block is read as most often."""
    counts = row.read_counts.astype(float).copy()
    counts[classes.index(row.label)] = -1.0
    return classes[int(np.argmax(counts))]


def flag_blocks(blocks: pd.DataFrame, p: AuditParams, classes: list[str]) -> pd.DataFrame:
    """Adds `issues` (list, SEVERITY order), `evidence` (list, aligned) and `holds` (the class
    a swapped block holds) to the blocks."""
    blocks = blocks.assign(issues=[[] for _ in range(len(blocks))], evidence=[[] for _ in range(len(blocks))],
                           holds="")

    def add(name: str, found: dict[int, str]) -> None:
        for i, text in found.items():
            blocks.at[i, "issues"].append(name)
            blocks.at[i, "evidence"].append(f"{name}: {text}")

    add("no_hands", rule_no_hands(blocks, p))
    add("static", rule_static(blocks, p))
    ok = readable(blocks, p)
    swaps = find_swaps(blocks, p, classes, ok)
    add("swapped", {i: text for i, (_, text) in swaps.items()})
    for i, (holds, _) in swaps.items():
        blocks.at[i, "holds"] = holds
    add("foreign", find_foreign(blocks, p, ok))
    add("other_sign", rule_other_sign(blocks, p, classes, ok))
    add("hand_slots", rule_hand_slots(blocks, p))
    add("misread", rule_misread(blocks, p, classes, ok))
    add("layout", rule_layout(blocks, p))
    order = list(SEVERITY)
    for i in blocks.index:
        pairs = sorted(zip(blocks.at[i, "issues"], blocks.at[i, "evidence"]), key=lambda pair: order.index(pair[0]))
        blocks.at[i, "issues"] = [name for name, _ in pairs]
        blocks.at[i, "evidence"] = [text for _, text in pairs]
    return blocks
