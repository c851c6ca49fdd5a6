"""The dataset audit's scoring: every signer x class block and every pair of signers.

Each window is summarised by a few statistics of its body-normalised keypoints (the hands'
shapes as distances between landmarks, the dominant wrist's place and path, the arms; left-
dominant windows mirrored), standardised over the audited data. A signer-balanced
nearest-centroid model (one centroid per class, the mean of its signers' block means; one
shared shrunk covariance) is fitted once per signer on everyone else, so each block's
`read_as` comes from a model that never saw that signer (nor any signer that looks like the
same person). No network is trained.

Two passes: the first finds the blocks no model should learn from (no hands, frozen hands,
swapped or foreign signers); the second refits without them and gives the readings reported.
Model-free rules (`no_hands`, `static`, `hand_slots`, `layout`) read the keypoints alone.
Pairs of signers whose windows are each other's nearest neighbours (sign and camera framing
alike) and duplicated sequences across signers or classes are listed apart (`pairs`).
Thresholds are params.yaml's `audit:` section; outputs are written by signlang.audit.report.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from signlang.audit.settings import AuditParams
from signlang.errors import InputFileError, SignlangError
from signlang.features import keypoints as kp

PARTS = ("pose", "left_hand", "right_hand")
# After mirroring left-dominant windows, the dominant hand is in the right-hand slot.
DOMINANT, SECOND = "right_hand", "left_hand"
LEFT_WRIST, RIGHT_WRIST = 15, 16
# Pose landmarks summarised and drawn: nose, shoulders, elbows, wrists.
POSE_POINTS = (0, 11, 12, 13, 14, 15, 16)
# Flags in the order they are listed; severity of each.
SEVERITY = {"swapped": "high", "foreign": "high", "other_sign": "high", "no_hands": "high",
            "static": "medium", "hand_slots": "medium", "layout": "low"}
# Flags whose blocks no model should learn from (pass 2 leaves them out of training).
UNTRUSTED = ("swapped", "foreign", "no_hands", "static")


@dataclass(frozen=True)
class AuditData:
    """Raw windows (n, T, 258: pose, left hand, right hand) with what is known of each."""

    X: np.ndarray
    ids: np.ndarray
    labels: np.ndarray
    signers: np.ndarray
    folders: np.ndarray  # the spelling found: <label> folder, npz source_action
    hashes: np.ndarray  # content hash of the sample (sha256)
    sources: tuple[str, ...] = ()


@dataclass
class AuditResult:
    """What the audit found: one row per block, the signer pairs, the pictures' inputs."""

    blocks: pd.DataFrame
    pairs: pd.DataFrame
    data: AuditData
    views: BodyViews
    params: AuditParams
    typical: dict = field(default_factory=dict)  # class -> mean trajectory of trusted blocks


# --------------------------------------------------------------------------- input


def check_data(data: AuditData) -> None:
    """Refuse windows that are not (n, T, 258) finite values aligned with their ids."""
    X = data.X
    if X.ndim != 3 or X.shape[2] != kp.NO_FACE_SIZE or len(X) == 0:
        raise SignlangError(f"audit: windows of shape {X.shape}; expected (n > 0, frames, 258): pose and both hands")
    if not len(X) == len(data.ids) == len(data.labels) == len(data.signers):
        raise SignlangError(f"audit: {len(X)} windows but {len(data.ids)} ids, {len(data.labels)} labels, "
                            f"{len(data.signers)} signers")
    finite = np.isfinite(X).reshape(len(X), -1).all(axis=1)
    if not finite.all():
        bad = data.ids[~finite]
        raise InputFileError(bad[0], f"holds NaN or infinite keypoint values ({len(bad)} window(s) in all)")


def window_hash(window: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(window, dtype=np.float32).tobytes()).hexdigest()


def load_dataset(dataset_path: str | Path, manifest_path: str | Path, parts: Sequence[str]) -> AuditData:
    """data/dataset.npz (windows as the model sees them) with the manifest's folders and
    content hashes (by id); pose and both hands are taken from the windows' `parts`
    (features.parts)."""
    from signlang.data.dataset import read_dataset

    arrays = read_dataset(Path(dataset_path))
    parts = tuple(parts)
    missing = [part for part in PARTS if part not in parts]
    if missing:
        raise SignlangError(f"audit: features.parts lacks {', '.join(missing)}; the audit reads pose and both hands")
    X = kp.join_parts(kp.split_parts(arrays["X"], parts), PARTS)
    ids = arrays["ids"].astype(str)
    manifest = _manifest_columns(Path(manifest_path))
    known = manifest.reindex(ids)
    signers = known["signer"].fillna("").to_numpy(str)
    folders = known["raw_label"].fillna("").to_numpy(str)
    hashes = np.where(known["content_hash"].fillna("") == "", [window_hash(x) for x in X], known["content_hash"].fillna(""))
    return AuditData(X=X, ids=ids, labels=arrays["labels"].astype(str), signers=signers, folders=folders,
                     hashes=hashes.astype(str), sources=(str(dataset_path),))


def _manifest_columns(path: Path) -> pd.DataFrame:
    """signer, raw_label and content_hash of data/manifest.csv by id (all text)."""
    if not path.is_file():
        raise InputFileError(path, "manifest not found (run `dvc repro ingest` first)")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [column for column in ("id", "signer", "raw_label", "content_hash") if column not in table.columns]
    if missing:
        raise InputFileError(path, f"missing column(s) {', '.join(missing)}")
    return table.set_index("id")[["signer", "raw_label", "content_hash"]]


# --------------------------------------------------------------------------- keypoints


@dataclass(frozen=True)
class BodyViews:
    """Body-normalised keypoints (x, y in shoulder widths from the shoulders' centre), left-
    dominant windows mirrored; raw views kept for the model-free rules."""

    pose: np.ndarray  # (n, T, len(POSE_POINTS), 2)
    hands: dict[str, np.ndarray]  # hand -> (n, T, 21, 2)
    present: dict[str, np.ndarray]  # hand -> (n, T) bool
    distances: dict[str, np.ndarray]  # hand -> (n, T, 28), hand sizes
    raw: dict[str, np.ndarray]  # part -> (n, T, L, C), as recorded


def body_views(X: np.ndarray) -> BodyViews:
    raw = kp.split_parts(X, PARTS)
    windows = kp.drop_implausible_pose(np.asarray(X, np.float32), PARTS)
    windows = kp.mirror_windows(windows, PARTS, kp.left_dominant(windows, PARTS))
    views = kp.split_parts(windows, PARTS)
    centre, width = kp.body_frame(views["pose"], "frame")
    body = {part: kp.to_body(block, centre, width, part)[..., :2] for part, block in views.items()}
    hands = ("left_hand", "right_hand")
    return BodyViews(pose=body["pose"][:, :, list(POSE_POINTS)], hands={h: body[h] for h in hands},
                     present={h: kp.part_present(views[h]) for h in hands},
                     distances={h: kp.hand_distances(views[h]) for h in hands}, raw=raw)


def masked_mean(values: np.ndarray, mask: np.ndarray, axis: int = 1) -> np.ndarray:
    """Mean of `values` over `axis` where `mask` (values' leading shape) holds; NaN where never."""
    weight = mask.reshape(mask.shape + (1,) * (values.ndim - mask.ndim)).astype(np.float32)
    count = weight.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (values * weight).sum(axis=axis) / count, np.nan)


def window_features(views: BodyViews) -> np.ndarray:
    """(n, features): per hand its presence, mean shape (landmark distances) and mean wrist
    place; for the dominant hand also its mean shape relative to the wrist, the wrist's spread
    and its place in each third of the window; the arms' mean place. NaN where undefined."""
    n, T = views.pose.shape[:2]
    columns = []
    for hand in (DOMINANT, SECOND):
        present, wrist = views.present[hand], views.hands[hand][:, :, 0]
        columns += [present.mean(axis=1)[:, None], masked_mean(views.distances[hand], present),
                    masked_mean(wrist, present)]
    present, points = views.present[DOMINANT], views.hands[DOMINANT]
    wrist = points[:, :, 0]
    size = np.linalg.norm(points[:, :, 9] - wrist, axis=-1)[..., None, None]
    shape = np.where(size > 1e-6, (points - wrist[:, :, None]) / np.maximum(size, 1e-6), 0.0)
    columns.append(masked_mean(shape.reshape(n, T, -1), present))
    centre = masked_mean(wrist, present)
    columns.append(np.sqrt(masked_mean((wrist - centre[:, None]) ** 2, present)))
    for third in np.array_split(np.arange(T), 3):
        columns.append(masked_mean(wrist[:, third], present[:, third]))
    pose_seen = np.any(views.pose != 0, axis=(2, 3))
    columns.append(masked_mean(views.pose.reshape(n, T, -1), pose_seen))
    return np.concatenate(columns, axis=1).astype(np.float32)


def setup_features(views: BodyViews) -> np.ndarray:
    """(n, features): where the body sits in the image and how big it and the hands are, from
    the raw coordinates: the camera framing and the body's proportions of one recording setup."""
    pose = views.raw["pose"][:, :, : kp.UPPER_POSE, :2]
    seen = kp.part_present(views.raw["pose"])
    columns = [masked_mean(pose.reshape(*pose.shape[:2], -1), seen)]
    for hand in ("left_hand", "right_hand"):
        size, present = kp.hand_size(views.raw[hand])
        columns.append(masked_mean(size[..., None], present))
    return np.concatenate(columns, axis=1).astype(np.float32)


def standardise(F: np.ndarray) -> np.ndarray:
    """Each column to zero mean and unit spread over the audited windows; NaN (undefined) to 0."""
    with warnings.catch_warnings():  # a column undefined in every window (a hand never seen) stays 0
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(F, axis=0)
        spread = np.nanstd(F, axis=0)
    mean, spread = np.nan_to_num(mean), np.nan_to_num(spread)
    Z = (F - mean) / np.where(spread > 1e-6, spread, 1.0)
    return np.nan_to_num(Z).astype(np.float32)


# --------------------------------------------------------------------------- model-free statistics


def hand_motion(views: BodyViews) -> np.ndarray:
    """(n,): per window, the larger over both hands of the mean distance a hand landmark moves
    between consecutive frames where the hand is seen (shoulder widths per frame)."""
    motion = []
    for hand in ("left_hand", "right_hand"):
        steps = np.linalg.norm(np.diff(views.hands[hand], axis=1), axis=-1).mean(axis=-1)
        both = views.present[hand][:, 1:] & views.present[hand][:, :-1]
        motion.append(np.nan_to_num(masked_mean(steps, both)))
    return np.maximum(*motion)


def slot_mismatch(views: BodyViews) -> tuple[np.ndarray, np.ndarray]:
    """Per window (frames counted, frames where a hand slot's wrist sits at the other arm's
    pose wrist): Holistic fills the left-hand slot with the hand at the pose's left wrist.
    Counted where the pose is plausible and its wrists are at least half a shoulder width
    apart; a wrist at less than half the distance to its own arm's counts as the other's."""
    pose = views.raw["pose"]
    usable = kp.pose_plausible(pose) & kp.part_present(pose)
    _, width = kp.body_frame(pose, "frame")
    apart = np.linalg.norm(pose[:, :, LEFT_WRIST, :2] - pose[:, :, RIGHT_WRIST, :2], axis=-1) > 0.5 * width[..., 0]
    counted = np.zeros(len(pose), np.int64)
    wrong = np.zeros(len(pose), np.int64)
    for hand, own, other in (("left_hand", LEFT_WRIST, RIGHT_WRIST), ("right_hand", RIGHT_WRIST, LEFT_WRIST)):
        seen = kp.part_present(views.raw[hand]) & usable & apart
        wrist = views.raw[hand][:, :, 0, :2]
        to_own = np.linalg.norm(wrist - pose[:, :, own, :2], axis=-1)
        to_other = np.linalg.norm(wrist - pose[:, :, other, :2], axis=-1)
        counted += seen.sum(axis=1)
        wrong += (seen & (to_other < 0.5 * to_own)).sum(axis=1)
    return counted, wrong


def window_statistics(views: BodyViews) -> pd.DataFrame:
    """Per window: frames without any hand, hand motion, slot checks, implausible poses."""
    no_hand = ~(views.present["left_hand"] | views.present["right_hand"])
    pose = views.raw["pose"]
    implausible = kp.part_present(pose) & ~kp.pose_plausible(pose)
    counted, wrong = slot_mismatch(views)
    return pd.DataFrame({"no_hand": no_hand.mean(axis=1), "motion": hand_motion(views), "slot_frames": counted,
                         "slot_wrong": wrong, "implausible": implausible.mean(axis=1)})


# --------------------------------------------------------------------------- the model


def equal_block_weights(labels: np.ndarray, signers: np.ndarray) -> np.ndarray:
    """Per window 1 / (windows of its block x blocks of its class): every signer of a class
    weighs the same, whatever they recorded. Unlike training's signer balance (signlang.models.train,
    capped at the class's median block) no cap: the centroids read whole blocks."""
    _, block, size = np.unique(np.char.add(np.char.add(labels.astype(str), "\x00"), signers.astype(str)),
                               return_inverse=True, return_counts=True)
    classes, label_index = np.unique(labels, return_inverse=True)
    first = np.unique(block, return_index=True)[1]  # one window per block
    per_class = np.bincount(label_index[first], minlength=len(classes))
    return 1.0 / (size[block] * per_class[label_index])


def fit_centroids(Z: np.ndarray, labels: np.ndarray, signers: np.ndarray, classes: list[str],
                  shrinkage: float) -> tuple[np.ndarray, np.ndarray]:
    """(A, b) of the linear scores Z @ A.T + b: class centroids = mean of the class's signers'
    block means, one covariance of windows around their centroid (signer-balanced), shrunk
    towards its mean variance by `shrinkage`."""
    weights = equal_block_weights(labels, signers)
    index = np.searchsorted(classes, labels)
    members = np.zeros((len(classes), len(Z)))
    members[index, np.arange(len(Z))] = weights
    centroids = (members @ Z) / members.sum(axis=1, keepdims=True)
    residual = Z - centroids[index]
    covariance = (residual * weights[:, None]).T @ residual / weights.sum()
    scale = np.trace(covariance) / len(covariance)
    covariance = (1 - shrinkage) * covariance + shrinkage * scale * np.eye(len(covariance))
    A = np.linalg.solve(covariance, centroids.T).T
    return A, -0.5 * np.einsum("ij,ij->i", A, centroids)


def leave_groups_out(Z: np.ndarray, labels: np.ndarray, signers: np.ndarray, groups: np.ndarray,
                     trusted: np.ndarray, classes: list[str], shrinkage: float) -> np.ndarray:
    """(n,) index into `classes` of each window's reading by a model fitted on the trusted
    windows of every other group; -1 where fewer than 2 classes remain to learn from."""
    readings = np.full(len(Z), -1)
    for group in sorted(set(groups)):
        held = groups == group
        train = trusted & ~held
        known = sorted(set(labels[train]))
        if len(known) < 2:
            continue
        A, b = fit_centroids(Z[train], labels[train], signers[train], known, shrinkage)
        picked = np.argmax(Z[held] @ A.T + b, axis=1)
        readings[held] = np.searchsorted(classes, np.asarray(known)[picked])
    return readings


# --------------------------------------------------------------------------- blocks


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
    }


def class_medians(blocks: pd.DataFrame, column: str) -> pd.Series:
    """Per block, the median of `column` over the other signers' blocks of its class (NaN if none)."""
    values = []
    for signer, label in zip(blocks.signer, blocks.label):
        others = blocks[(blocks.label == label) & (blocks.signer != signer)]
        values.append(float(others[column].median()) if len(others) else np.nan)
    return pd.Series(values, index=blocks.index)


def percent(value: float) -> str:
    return f"{100 * value:.0f}%"


# --------------------------------------------------------------------------- rules


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


def readable(blocks: pd.DataFrame, p: AuditParams) -> pd.Series:
    """Blocks a model reading means something for: enough windows, its class learnt from others."""
    return (blocks.windows >= p.min_block_windows) & (blocks.other_signers > 0) & (blocks.read_as != "")


def reading_text(row: pd.Series, classes: list[str], target: str) -> str:
    count = int(row.read_counts[classes.index(target)])
    return f"{count}/{int(row.read_counts.sum())}"


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
    add("layout", rule_layout(blocks, p))
    order = list(SEVERITY)
    for i in blocks.index:
        pairs = sorted(zip(blocks.at[i, "issues"], blocks.at[i, "evidence"]), key=lambda pair: order.index(pair[0]))
        blocks.at[i, "issues"] = [name for name, _ in pairs]
        blocks.at[i, "evidence"] = [text for _, text in pairs]
    return blocks


# --------------------------------------------------------------------------- pairs of signers


def nearest_windows(Z: np.ndarray, signers: np.ndarray, labels: np.ndarray,
                    chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Per window, the index of the nearest window of another signer, and of the nearest
    window of another signer or class (-1 where there is none)."""
    signer_codes = np.unique(signers, return_inverse=True)[1]
    block_codes = np.unique(np.char.add(np.char.add(signers.astype(str), "\x00"), labels.astype(str)),
                            return_inverse=True)[1]
    squares = np.einsum("ij,ij->i", Z, Z)
    other_signer = np.full(len(Z), -1)
    other_block = np.full(len(Z), -1)
    for start in range(0, len(Z), chunk):
        rows = slice(start, start + chunk)
        distances = squares[rows, None] + squares[None] - 2.0 * (Z[rows] @ Z.T)
        for found, codes in ((other_signer, signer_codes), (other_block, block_codes)):
            masked = np.where(codes[rows, None] == codes[None], np.inf, distances)
            nearest = np.argmin(masked, axis=1)
            found[rows] = np.where(np.isfinite(masked[np.arange(len(nearest)), nearest]), nearest, -1)
    return other_signer, other_block


def neighbour_shares(signers: np.ndarray, nearest: np.ndarray) -> pd.DataFrame:
    """(signer, neighbour) -> windows of signer whose nearest other-signer window is neighbour's."""
    seen = nearest >= 0
    names = sorted(set(signers))
    table = pd.crosstab(signers[seen], signers[nearest[seen]])
    return table.reindex(index=names, columns=names, fill_value=0)


def same_person_rows(signers: np.ndarray, nearest: np.ndarray, nearest_setup: np.ndarray,
                     p: AuditParams) -> list[dict]:
    """Pairs whose windows are each other's nearest neighbours (sign and setup together). Each
    direction's share of windows is taken beyond chance (the share the other signer's windows
    would get if neighbours fell at random: (share - chance) / (1 - chance)); the score is the
    smaller direction. Flagged from `same_person_neighbours` when the data holds at least
    `same_person_min_signers` signers (among fewer, the nearest other signer says little),
    listed from half of it."""
    counts, setup = neighbour_shares(signers, nearest), neighbour_shares(signers, nearest_setup)
    sizes = pd.Series(signers).value_counts()
    enough = len(sizes) >= p.same_person_min_signers
    rows = []
    for a in counts.index:
        for b in counts.columns:
            if not a < b:
                continue
            ab, ba = int(counts.at[a, b]), int(counts.at[b, a])
            score = min(beyond_chance(ab / sizes[a], sizes[b] / (len(signers) - sizes[a])),
                        beyond_chance(ba / sizes[b], sizes[a] / (len(signers) - sizes[b])))
            if score < p.same_person_neighbours / 2:
                continue
            flag = enough and score >= p.same_person_neighbours and min(sizes[a], sizes[b]) >= p.min_block_windows
            rows.append({"kind": "same_person", "signer_a": a, "label_a": "", "signer_b": b, "label_b": "",
                         "windows": int(sizes[a] + sizes[b]), "score": score, "flag": "same_person" if flag else "",
                         "evidence": (f"{ab}/{sizes[a]} of {a}'s windows have their nearest other-signer window in "
                                      f"{b}, {ba}/{sizes[b]} of {b}'s in {a}; by camera framing and body "
                                      f"proportions alone {int(setup.at[a, b])}/{sizes[a]} and "
                                      f"{int(setup.at[b, a])}/{sizes[b]}"
                                      + ("" if enough else f" (only {len(sizes)} signers: not flagged)"))})
    return rows


def beyond_chance(share: float, chance: float) -> float:
    return (share - chance) / (1.0 - chance) if chance < 1.0 else 0.0


def duplicate_rows(data: AuditData, nearest_block: np.ndarray, p: AuditParams) -> list[dict]:
    """Exact (same content hash) and near (mean absolute difference of the raw windows at most
    `near_duplicate`) duplicates across signers or classes, one row per pair of blocks."""
    found: dict[tuple, list] = {}
    by_hash = pd.Series(np.arange(len(data.ids))).groupby(data.hashes).agg(list)
    for members in by_hash:
        for k, i in enumerate(members):
            for j in members[k + 1:]:
                _add_duplicate(found, data, i, j, 0.0, "exact_duplicate")
    for i, j in enumerate(nearest_block):
        if j >= 0 and data.hashes[i] != data.hashes[j]:
            gap = float(np.abs(data.X[i] - data.X[j]).mean())
            if gap <= p.near_duplicate:
                _add_duplicate(found, data, min(i, j), max(i, j), gap, "near_duplicate")
    return [_duplicate_row(key, pairs) for key, pairs in sorted(found.items())]


def _add_duplicate(found: dict, data: AuditData, i: int, j: int, gap: float, kind: str) -> None:
    a, b = sorted([(data.signers[i], data.labels[i], data.ids[i]), (data.signers[j], data.labels[j], data.ids[j])])
    if a[:2] != b[:2]:
        found.setdefault((kind, a[0], a[1], b[0], b[1]), []).append((a[2], b[2], gap))


def _duplicate_row(key: tuple, pairs: list) -> dict:
    kind, signer_a, label_a, signer_b, label_b = key
    pairs = sorted(set(pairs))
    shown = "; ".join(f"{x} = {y}" for x, y, _ in pairs[:3]) + (f"; ... ({len(pairs)} in all)" if len(pairs) > 3 else "")
    return {"kind": kind, "signer_a": signer_a, "label_a": label_a, "signer_b": signer_b, "label_b": label_b,
            "windows": len(pairs), "score": max(gap for _, _, gap in pairs), "flag": "duplicate",
            "evidence": ("byte-identical samples: " if kind == "exact_duplicate" else
                         "nearly identical windows (mean absolute difference of raw coordinates "
                         f"<= {max(gap for _, _, gap in pairs):.4f}): ") + shown}


def person_groups(signers: np.ndarray, pairs: list[dict]) -> np.ndarray:
    """Per window, its signer's group: signers flagged as one person are one group."""
    parent = {name: name for name in set(signers)}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    for row in pairs:
        if row["flag"] == "same_person":
            a, b = sorted([root(row["signer_a"]), root(row["signer_b"])])
            parent[b] = a
    return np.array([root(name) for name in signers], dtype=object)


# --------------------------------------------------------------------------- trajectories (for the pictures)


def trajectory(views: BodyViews, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Mean per frame over the windows `rows`: pose points (T, 7, 2), each hand (T, 21, 2)
    where seen (NaN where never), and the share of windows seeing each hand (T,)."""
    pose_seen = np.any(views.pose[rows] != 0, axis=(2, 3))
    out = {"pose": masked_mean(views.pose[rows], pose_seen, axis=0)}
    for hand in (DOMINANT, SECOND):
        present = views.present[hand][rows]
        out[hand] = masked_mean(views.hands[hand][rows], present, axis=0)
        out[f"{hand}_seen"] = present.mean(axis=0)
    return out


def typical_forms(views: BodyViews, labels: np.ndarray, signers: np.ndarray, trusted: np.ndarray) -> dict:
    """Per class, the signer-balanced mean trajectory of its trusted windows."""
    forms = {}
    for label in sorted(set(labels[trusted])):
        parts = [trajectory(views, np.flatnonzero(trusted & (labels == label) & (signers == signer)))
                 for signer in sorted(set(signers[trusted & (labels == label)]))]
        with warnings.catch_warnings():  # a hand no signer of the class shows stays NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            forms[label] = {key: np.nanmean(np.stack([part[key] for part in parts]), axis=0) for key in parts[0]}
    return forms


# --------------------------------------------------------------------------- the audit


def audit(data: AuditData, params: AuditParams) -> AuditResult:
    """Score every block and pair of signers of `data` (see the module docstring)."""
    check_data(data)
    views = body_views(data.X)
    stats = window_statistics(views)
    Z = standardise(window_features(views))
    setup = standardise(setup_features(views))
    both = np.concatenate([Z, setup * np.sqrt(Z.shape[1] / setup.shape[1])], axis=1)
    nearest, nearest_block = nearest_windows(both, data.signers, data.labels)
    nearest_setup, _ = nearest_windows(setup, data.signers, data.labels)
    pairs = same_person_rows(data.signers, nearest, nearest_setup, params)
    pairs += duplicate_rows(data, nearest_block, params)
    groups = person_groups(data.signers, pairs)
    classes = sorted(set(data.labels))
    trusted = np.ones(len(Z), bool)
    for _ in range(2):  # pass 2 learns only from the blocks pass 1 trusts
        readings = leave_groups_out(Z, data.labels, data.signers, groups, trusted, classes, params.shrinkage)
        blocks = flag_blocks(block_table(data, stats, readings, classes, groups, trusted), params, classes)
        distrusted = blocks[blocks["issues"].map(lambda flags: any(f in UNTRUSTED for f in flags))]
        keys = set(zip(distrusted.signer, distrusted.label))
        still = np.array([key not in keys for key in zip(data.signers, data.labels)], dtype=bool)
        if np.array_equal(still, trusted):
            break
        trusted = still
    table = pd.DataFrame(pairs, columns=PAIR_COLUMNS).sort_values(
        ["flag", "kind", "score", "signer_a", "signer_b", "label_a", "label_b"], ascending=[False, True, False, True,
                                                                                           True, True, True])
    return AuditResult(blocks=blocks, pairs=table.reset_index(drop=True), data=data, views=views, params=params,
                       typical=typical_forms(views, data.labels, data.signers, trusted))


PAIR_COLUMNS = ["kind", "signer_a", "label_a", "signer_b", "label_b", "windows", "score", "flag", "evidence"]
