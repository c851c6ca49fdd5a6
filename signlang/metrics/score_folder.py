"""`signlang evaluate`: an exported bundle scored on any folder ingest can read.

Videos are read with the extract stage's Holistic settings and damage rule (a clip that decodes
too few of its frames is skipped and named, as extract skips it); keypoint files are read as
stored. The scores use the evaluate stage's metrics and metrics.json format; `--predictions`
adds each sample's top 3.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from signlang.errors import InputFileError, SignlangError
from signlang.io import atomic_path
from signlang.metrics.evaluation import classification_metrics, round_score, write_metrics_json

Log = Callable[[str], None]

if TYPE_CHECKING:
    from signlang.features.holistic import HolisticSettings
    from signlang.features.settings import ExtractParams
    from signlang.serving.bundle import Bundle

# The columns of `signlang evaluate --predictions`: each sample's truth and top 3 classes.
TOP_K = 3
PREDICTION_COLUMNS = ("sample", "truth", *(f"{key}{k}" for k in range(1, TOP_K + 1) for key in ("pred", "p")))
# How ingest says that nothing in a source folder could be read (all its files skipped).
_NOTHING_FOUND = "no samples found in"
# Files named in the error when nothing can be scored (every one is also logged above it).
_NAMED_FILES = 10


@dataclasses.dataclass(frozen=True)
class VideoReading:
    """How `signlang evaluate` reads videos: the Holistic settings, the extract stage's
    damage rule (`min_decoded_fraction`), and the progress bar.

    `fraction_set`: the user's --params sets `extract.min_decoded_fraction`, so a reason may
    name that key; otherwise it says what is wrong in plain words."""

    settings: HolisticSettings
    min_decoded_fraction: float
    fraction_set: bool = False
    progress: bool = True

    @classmethod
    def from_params(cls, extract: ExtractParams | None, parts: Sequence[str], progress: bool = True) -> VideoReading:
        """From the `extract` section of the user's params (None: the defaults); the face mesh runs
        when the bundle's `parts` need it."""
        from signlang.features.holistic import HolisticSettings
        from signlang.features.settings import ExtractParams

        given = extract is not None
        extract = extract if given else ExtractParams()
        return cls(settings=HolisticSettings.from_params(extract).for_parts(parts),
                   min_decoded_fraction=float(extract.min_decoded_fraction),
                   fraction_set=given and "min_decoded_fraction" in extract.model_fields_set,
                   progress=progress)

    def damage(self, decoded: int, reported: int) -> str | None:
        """Why a video that decoded `decoded` of its `reported` frames is unusable, or None."""
        from signlang.features.extract import decoded_too_little

        problem = decoded_too_little(decoded, reported, self.min_decoded_fraction)
        if problem is None:
            return None
        if self.fraction_set:
            return f"{problem} (damaged or truncated; --params sets extract.min_decoded_fraction to {self.min_decoded_fraction:g})"
        return f"{problem} (damaged or truncated: at least {100 * self.min_decoded_fraction:g}% of them must decode)"


def _known_rows(data_path: Path, bundle: Bundle) -> tuple[list[dict], dict[str, int], dict[str, str]]:
    """The samples ingest finds in `data_path` whose label (after the bundle's aliases) is
    one of the bundle's classes, {unknown label: count} and {unreadable file: reason}."""
    from signlang.data.ingest import build_manifest, class_of
    from signlang.data.settings import IngestParams, SourceParams

    if not data_path.exists():
        raise InputFileError(data_path, "not found")
    if not data_path.is_dir():
        raise InputFileError(data_path, "is not a folder (give the folder that holds the samples)")
    unreadable: list[dict] = []
    ingest = IngestParams(sources=[SourceParams(path=str(data_path))], label_aliases=bundle.aliases,
                          min_samples_per_class=1)
    try:
        manifest = build_manifest(ingest, unreadable)
    except SignlangError as exc:
        if isinstance(exc, InputFileError) or _NOTHING_FOUND not in str(exc):
            raise
        manifest = None  # every file there was unreadable: they are in `unreadable`
    skipped = {entry["path"]: entry["reason"] for entry in unreadable}
    if manifest is None:
        return [], {}, skipped
    manifest["label"] = [class_of(label, bundle.classes, {}) for label in manifest["label"]]  # aliases applied
    known = manifest["label"].isin(bundle.classes)
    unknown = {str(k): int(v) for k, v in sorted(manifest.loc[~known, "label"].value_counts().items())}
    return manifest[known].to_dict("records"), unknown, skipped


def _sample_frames(row: Mapping, reading: VideoReading) -> np.ndarray:
    """A sample's keypoint frames: read as stored, or Holistic on a video that passes the
    damage rule; InputFileError naming the file when it is unusable."""
    if row["kind"] != "video":
        from signlang.data.ingest import load_keypoint_sample

        return load_keypoint_sample(row)
    from signlang.features.holistic import extract_video

    frames, _ = extract_video(row["path"], reading.settings)
    problem = reading.damage(len(frames), int(row["frames"]))
    if problem is not None:
        raise InputFileError(row["path"], problem)
    return frames


def _progress(videos: list[dict], enabled: bool) -> Iterable[dict]:
    """`videos` under a progress bar on stderr (one step per clip)."""
    import sys

    from tqdm import tqdm

    return tqdm(videos, unit="clip", desc="evaluate", disable=not enabled or not videos, mininterval=1.0,
                file=sys.stderr)


def folder_windows(data_path: str | Path, bundle: Bundle, reading: VideoReading | None = None,
                   log: Log = print) -> tuple[dict, dict, dict]:
    """Windows for every sample ingest finds in `data_path` whose label (after the bundle's
    aliases) is one of the bundle's classes.

    Returns ({sample: (label, window)}, {unknown label: count}, {file: reason skipped}),
    samples named by `ingest.sample_location`. Keypoint samples are read as stored; videos go
    through Holistic (`reading`: settings, damage rule, progress bar; defaults when None)."""
    from signlang.data.ingest import sample_location
    from signlang.features.keypoints import clip_to_window

    reading = reading or VideoReading.from_params(None, bundle.spec.parts)
    rows, unknown, skipped = _known_rows(Path(data_path), bundle)
    videos = [row for row in rows if row["kind"] == "video"]
    if videos:
        log(f"evaluate: running Holistic on {len(videos)} video(s); this takes a while")
    samples: dict[str, tuple[str, np.ndarray]] = {}
    keypoint_rows = [row for row in rows if row["kind"] != "video"]
    for row in itertools.chain(keypoint_rows, _progress(videos, reading.progress)):  # the bar steps per clip read
        name = sample_location(row)
        try:
            samples[name] = (row["label"], clip_to_window(_sample_frames(row, reading), bundle.spec, name))
        except InputFileError as exc:
            skipped[name] = exc.problem
    return samples, unknown, skipped


def write_predictions_csv(path: str | Path, samples: Sequence[str], truth: Sequence[str],
                          probabilities: np.ndarray, classes: Sequence[str]) -> Path:
    """One row per sample (`PREDICTION_COLUMNS`): its name, true label, and the 3 most
    probable classes with their probabilities (6 decimals), most probable first (ties in
    class order); empty cells when the model has fewer classes."""
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.shape != (len(samples), len(classes)) or len(truth) != len(samples):
        raise ValueError(f"{len(samples)} samples, {len(truth)} labels and probabilities {probabilities.shape} "
                         f"for {len(classes)} classes do not match")
    top = np.argsort(-probabilities, axis=1, kind="stable")[:, :TOP_K]
    with atomic_path(path) as temporary, open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(PREDICTION_COLUMNS)
        for name, label, row, best in zip(samples, truth, probabilities, top):
            cells = [value for k in best for value in (classes[k], round_score(row[k]))]
            writer.writerow([name, label, *cells, *[""] * (2 * TOP_K - len(cells))])
    return Path(path)


def _log_skipped(skipped: Mapping[str, str], log: Log) -> None:
    for name, reason in sorted(skipped.items()):
        log(f"evaluate: skipped {name}: {reason}")


def _nothing_to_score(data_path: str | Path, classes: Sequence[str], unknown: Mapping[str, int],
                      skipped: Mapping[str, str]) -> str:
    """The error when no sample can be scored: the unusable files by name (their reasons are
    logged above it), and the labels found that the bundle does not know."""
    text = f"{data_path}: no sample to score"
    if skipped:
        names = sorted(skipped)
        more = f" and {len(names) - _NAMED_FILES} more" if len(names) > _NAMED_FILES else ""
        text += f": {len(names)} file(s) could not be used: {', '.join(names[:_NAMED_FILES])}{more} (reasons above)"
        return text + (f"; the other samples' labels are not among the bundle's classes {list(classes)} (found "
                       f"{dict(unknown)})" if unknown else "")
    return (f"{text}: none has a label among the bundle's classes {list(classes)} "
            f"(found {dict(unknown) or 'no labelled samples'})")


def evaluate_bundle(
    bundle_dir: str | Path,
    data_path: str | Path,
    out_path: str | Path,
    extract: ExtractParams | None = None,
    log: Log = print,
    predictions_path: str | Path | None = None,
    progress: bool = True,
) -> dict:
    """`signlang evaluate`: score an exported bundle on a folder any ingest source can be
    (videos in <label>/ folders, MP_Data, PSL h5, multi-signer npz) and write the metrics
    JSON in the evaluate stage's layout (the folder's scores at the top level).

    Samples whose label is not one of the bundle's classes are left out of the scores and
    counted per label under `unknown_label_samples`. Unusable files (unreadable, or videos
    the extract stage would skip as damaged: too few of their frames decode) are named with
    their reason on the console and listed under `skipped`. `extract` (optional) supplies the
    Holistic settings and the damage threshold for videos; `predictions_path` gets each
    sample's top 3 classes (`write_predictions_csv`); `progress` shows a bar over the clips.
    """
    from signlang.features.keypoints import normalise
    from signlang.serving.bundle import Bundle

    started = time.perf_counter()
    bundle = Bundle.load(bundle_dir)
    reading = VideoReading.from_params(extract, bundle.spec.parts, progress)
    samples, unknown, skipped = folder_windows(data_path, bundle, reading, log)
    _log_skipped(skipped, log)
    if not samples:
        raise SignlangError(_nothing_to_score(data_path, bundle.classes, unknown, skipped))
    names = sorted(samples)
    truth = np.array([samples[name][0] for name in names])
    probabilities = bundle.predict_proba(normalise(np.stack([samples[name][1] for name in names]), bundle.spec))
    predicted = np.asarray(bundle.classes)[np.argmax(probabilities, axis=1)]
    metrics = classification_metrics(truth, predicted, bundle.classes)
    document = write_metrics_json(out_path, {"test": metrics},
                                  extra={"unknown_label_samples": unknown, "skipped": dict(sorted(skipped.items()))})
    if predictions_path is not None:
        write_predictions_csv(predictions_path, names, truth, probabilities, bundle.classes)
    log(
        f"evaluate: {metrics['samples']} samples, accuracy {metrics['accuracy']:.3f}, macro_f1 "
        f"{metrics['macro_f1']:.3f}; {sum(unknown.values())} with a label the bundle does not know, "
        f"{len(skipped)} skipped; wrote {out_path}{f' and {predictions_path}' if predictions_path else ''} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return document
