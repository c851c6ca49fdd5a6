"""Training-time augmentation of raw keypoint windows (before `keypoints.normalise`).

Every function takes raw windows `(n, T, F)` in the layout of `parts` and a
`np.random.Generator`, and returns new windows of the same shape. Only landmarks that are
present (non-zero) are moved: a part MediaPipe did not see stays all zeros. `augment_batch`
applies the steps `train.augment` switches on; `AugmentedWindows` feeds Keras a freshly
augmented, normalised copy of the training windows every epoch, seeded from `train.seed`.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import keras
import numpy as np

from signlang.features.keypoints import (
    HAND_PARTS,
    join_parts,
    landmark_present,
    mirror_windows,
    normalise,
    split_parts,
)
from signlang.features.spec import FeatureParams
from signlang.models.settings import AugmentParams

# Rotation, scale and shift act around the image centre, in raw image coordinates.
CENTRE = 0.5


def time_warp(windows: np.ndarray, rng: np.random.Generator, stretch: float, drop: float) -> np.ndarray:
    """Play each window at a random speed (factor in [1 - stretch, 1 + stretch], cropped or
    held at the end) and drop a random fraction `drop` of its frames, then resample back to
    T frames by nearest neighbour (so missing parts stay exactly zero)."""
    n, length = windows.shape[:2]
    out = np.empty_like(windows)
    for index in range(n):
        speed = rng.uniform(1.0 - stretch, 1.0 + stretch) if stretch > 0 else 1.0
        positions = np.clip(np.arange(length) * speed, 0, length - 1)
        start = rng.uniform(0, max(0.0, (length - 1) - positions[-1])) if speed < 1 else 0.0
        frames = np.rint(positions + start).astype(int)
        if drop > 0:
            keep = rng.random(length) >= drop
            keep[[0, -1]] = True
            frames = frames[keep]
        picked = np.rint(np.linspace(0, len(frames) - 1, length)).astype(int)
        out[index] = windows[index, frames[picked]]
    return out


def _affine(windows: np.ndarray, parts: tuple[str, ...], matrices: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """x, y of every present landmark -> matrix @ (xy - centre) + centre + shift, per window."""
    views = split_parts(windows, parts)
    for part, block in views.items():
        present = landmark_present(block)
        xy = block[..., :2] - CENTRE
        moved = np.einsum("nij,ntlj->ntli", matrices, xy) + CENTRE + shifts[:, None, None, :]
        block[..., :2] = np.where(present[..., None], moved, 0.0)
        views[part] = block
    return join_parts(views, parts)


def rotate_scale_shift(
    windows: np.ndarray, parts: tuple[str, ...], rng: np.random.Generator,
    degrees: float, scale: float, shift: float, shear: float = 0.0,
) -> np.ndarray:
    """A random small rotation (±degrees), scale (1 ± scale), shift (± shift) and, when
    `shear` > 0, a horizontal shear (x += k·y, k in ±shear) per window: the same sign seen
    by another camera, at another distance and angle, or by a person of other proportions."""
    n = len(windows)
    angle = np.radians(rng.uniform(-degrees, degrees, n))
    factor = rng.uniform(1.0 - scale, 1.0 + scale, n)
    cos, sin = np.cos(angle) * factor, np.sin(angle) * factor
    matrices = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2).astype(np.float32)
    shifts = rng.uniform(-shift, shift, (n, 2)).astype(np.float32)
    if shear > 0:
        shears = np.zeros((n, 2, 2), np.float32)
        shears[:, 0, 0] = shears[:, 1, 1] = 1.0
        shears[:, 0, 1] = rng.uniform(-shear, shear, n)
        matrices = np.einsum("nij,njk->nik", matrices, shears)
    return _affine(windows, parts, matrices, shifts)


def mask_frames(windows: np.ndarray, rng: np.random.Generator, fraction: float) -> np.ndarray:
    """Blank one random stretch of up to `fraction` of each window's frames (all parts zero,
    as when MediaPipe loses the person for a moment)."""
    n, length = windows.shape[:2]
    out = np.array(windows, dtype=np.float32)
    spans = rng.integers(0, max(1, int(round(fraction * length))) + 1, n)
    starts = rng.integers(0, length, n)
    for index in range(n):
        out[index, starts[index] : starts[index] + spans[index]] = 0.0
    return out


def drop_pose(windows: np.ndarray, parts: tuple[str, ...], rng: np.random.Generator, probability: float) -> np.ndarray:
    """Remove the whole pose from each window with `probability`, so the model also learns to
    read a sign from the hands alone (a recording whose body was not tracked, or not usable)."""
    if "pose" not in parts:
        return windows
    views = split_parts(windows, parts)
    drop = rng.random(len(windows)) < probability
    views["pose"] = np.where(drop[:, None, None, None], 0.0, views["pose"]).astype(np.float32)
    return join_parts(views, parts)


def random_mirror(windows: np.ndarray, parts: tuple[str, ...], rng: np.random.Generator, probability: float) -> np.ndarray:
    """Mirror (x flipped, hands and pose sides swapped) each window with `probability`."""
    return mirror_windows(windows, parts, rng.random(len(windows)) < probability)


def add_noise(windows: np.ndarray, parts: tuple[str, ...], rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Gaussian noise (standard deviation `sigma`, image units) on x, y, z of present landmarks."""
    views = split_parts(windows, parts)
    for block in views.values():
        present = landmark_present(block)[..., None]
        noisy = block[..., :3] + rng.normal(0.0, sigma, block[..., :3].shape).astype(np.float32)
        block[..., :3] = np.where(present, noisy, 0.0)
    return join_parts(views, parts)


def drop_hand_frames(windows: np.ndarray, parts: tuple[str, ...], rng: np.random.Generator,
                     probability: float) -> np.ndarray:
    """With `probability`, one of a window's two hands (drawn at random) is removed from a
    random fraction (drawn in [0, 1)) of its frames, each frame independently: MediaPipe
    losing a hand now and then, or a signer whose second hand it rarely finds."""
    hands = [hand for hand in HAND_PARTS if hand in parts]
    if not hands:
        return windows
    n, length = windows.shape[:2]
    hit = rng.random(n) < probability
    which = rng.integers(0, len(hands), n)
    fraction = rng.random(n)
    frames_off = rng.random((n, length)) < fraction[:, None]
    views = split_parts(windows, parts)
    for index, hand in enumerate(hands):
        off = (hit & (which == index))[:, None] & frames_off
        views[hand] = np.where(off[..., None, None], 0.0, views[hand]).astype(np.float32)
    return join_parts(views, parts)


def augment_batch(windows: np.ndarray, parts: tuple[str, ...], params: AugmentParams, rng: np.random.Generator) -> np.ndarray:
    """The augmentation steps `params` switches on, in a fixed order, on raw windows."""
    out = np.asarray(windows, dtype=np.float32)
    if params.time_stretch > 0 or params.frame_drop > 0:
        out = time_warp(out, rng, params.time_stretch, params.frame_drop)
    if params.mirror > 0:
        out = random_mirror(out, parts, rng, params.mirror)
    if params.rotation_degrees > 0 or params.scale > 0 or params.shift > 0 or params.shear > 0:
        out = rotate_scale_shift(out, parts, rng, params.rotation_degrees, params.scale, params.shift, params.shear)
    if params.noise > 0:
        out = add_noise(out, parts, rng, params.noise)
    if params.time_mask > 0:
        out = mask_frames(out, rng, params.time_mask)
    if params.pose_drop > 0:
        out = drop_pose(out, parts, rng, params.pose_drop)
    if params.hand_drop > 0:
        out = drop_hand_frames(out, parts, rng, params.hand_drop)
    return out


class AugmentedWindows(keras.utils.PyDataset):
    """Batches of augmented, then normalised, raw training windows with one-hot targets and
    per-sample class weights; reshuffled and re-augmented every epoch from one seeded
    generator, so a run is reproducible.

    The next epoch's windows are made in a background thread while Keras trains on the
    current ones (NumPy releases the GIL; the augmentation costs about as much as an epoch of
    training). One epoch at a time, in order, from the same generator: the windows are the
    same as made in line."""

    def __init__(
        self,
        raw: np.ndarray,
        targets: np.ndarray,
        spec: FeatureParams,
        params: AugmentParams,
        batch_size: int,
        seed: int,
        sample_weights: np.ndarray | None = None,
    ) -> None:
        super().__init__(workers=1, use_multiprocessing=False)
        self.raw, self.targets, self.spec, self.params = raw, targets, spec, params
        self.batch_size = batch_size
        self.weights = sample_weights if sample_weights is not None else np.ones(len(raw), np.float32)
        self.rng = np.random.default_rng(seed)
        self._maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="augment")
        self._x, self._y, self._w = self._make_epoch()
        self._next = self._maker.submit(self._make_epoch)

    def _make_epoch(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        order = self.rng.permutation(len(self.raw))
        augmented = augment_batch(self.raw[order], tuple(self.spec.parts), self.params, self.rng)
        return normalise(augmented, self.spec), self.targets[order], self.weights[order].astype(np.float32)

    def __len__(self) -> int:
        return math.ceil(len(self.raw) / self.batch_size)

    def __getitem__(self, index: int):
        batch = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self._x[batch], self._y[batch], self._w[batch]

    def on_epoch_end(self) -> None:
        self._x, self._y, self._w = self._next.result()
        self._next = self._maker.submit(self._make_epoch)

    def close(self) -> None:
        """Stop making epochs (waits for the one being made)."""
        self._maker.shutdown(wait=True, cancel_futures=True)
