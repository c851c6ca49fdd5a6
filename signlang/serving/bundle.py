"""The exported bundle: what live inference needs and nothing else.

`models/bundle/` holds three files (names in `signlang.paths`), and a fourth since the segmenter:
- `model.tflite`: the network with a fixed batch size of 1, TFLite builtin ops only;
- `labels.json`: `{"classes": [...], "aliases": {...}}`, class i = output i;
- `preprocess.json`: the `FeatureParams` that turns keypoint frames into one window;
- `segmenter.json` (optional): the `SegmenterSpec` that finds signs in a stream, derived from
  the training windows by export; a bundle without it gets `SegmenterSpec()`.

`Bundle` loads them and runs the TFLite interpreter: `predict_proba` on windows already made
and normalised (evaluation), `predict_window` on the last frames of a live stream.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from signlang import paths
from signlang.errors import InputFileError
from signlang.features.keypoints import frames_to_window, output_size
from signlang.serving.segment import SegmenterSpec

if TYPE_CHECKING:
    from signlang.features.spec import FeatureParams

BUNDLE_FILES = (paths.BUNDLE_MODEL, paths.BUNDLE_LABELS, paths.BUNDLE_PREPROCESS)


def preprocess_dict(spec: FeatureParams) -> dict:
    """preprocess.json's content: the spec's fields, plus the two widths for readers."""
    return {**spec.model_dump(mode="json"), "feature_size": spec.feature_size, "output_size": output_size(spec)}


def write_preprocess(spec: FeatureParams, path: str | Path) -> None:
    Path(path).write_text(json.dumps(preprocess_dict(spec), indent=2, sort_keys=True) + "\n", encoding="utf-8")


def read_preprocess(path: str | Path) -> FeatureParams:
    """The spec back from preprocess.json (validated like params.yaml; the widths are ignored).
    A key missing (a bundle written before the step existed) means the step was off then."""
    from signlang.features.spec import RAW_STEPS, FeatureParams  # pydantic: not imported by `signlang --help`

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    known = {key: value for key, value in data.items() if key in FeatureParams.model_fields}
    return FeatureParams.model_validate({**RAW_STEPS, **known})


def make_interpreter(model_content: bytes):
    """A TFLite interpreter over the model bytes: LiteRT's when installed, else TensorFlow's
    (whose deprecation warning is silenced here)."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import tensorflow as tf

            interpreter = tf.lite.Interpreter(model_content=model_content)
    else:
        interpreter = Interpreter(model_content=model_content)
    interpreter.allocate_tensors()
    return interpreter


class Bundle:
    """A loaded bundle: `classes`, `aliases`, `spec`, and predictions through TFLite."""

    def __init__(
        self,
        model_content: bytes,
        classes: Sequence[str],
        spec: FeatureParams,
        aliases: Mapping[str, Sequence[str]] | None = None,
        source: str | Path = "<bundle>",
        segmenter: SegmenterSpec | None = None,
    ) -> None:
        self.source = Path(source)
        self.segmenter = segmenter or SegmenterSpec()
        self.classes: tuple[str, ...] = tuple(classes)
        self.aliases: dict[str, list[str]] = {key: list(value) for key, value in (aliases or {}).items()}
        self.spec = spec
        self.model_bytes = len(model_content)
        model_file = self.source / paths.BUNDLE_MODEL
        try:
            self._interpreter = make_interpreter(model_content)
        except (ValueError, RuntimeError) as exc:
            raise InputFileError(model_file, f"is not a loadable TFLite model: {exc}") from None
        inputs = self._interpreter.get_input_details()
        outputs = self._interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise InputFileError(model_file, f"has {len(inputs)} inputs and {len(outputs)} outputs; expected 1 and 1")
        self._input, self._output = inputs[0], outputs[0]
        self.input_shape = tuple(int(d) for d in self._input["shape"])
        output_shape = tuple(int(d) for d in self._output["shape"])
        expected = (1, spec.sequence_length, output_size(spec))
        if self.input_shape != expected:
            raise InputFileError(
                model_file,
                f"takes input {self.input_shape} but {paths.BUNDLE_PREPROCESS} describes windows "
                f"{expected} ({spec.sequence_length} frames x {output_size(spec)} values from {', '.join(spec.parts)})",
            )
        if output_shape != (1, len(self.classes)):
            raise InputFileError(
                model_file,
                f"outputs {output_shape} but {paths.BUNDLE_LABELS} lists {len(self.classes)} classes",
            )
        self._lock = threading.Lock()  # one interpreter, not safe to invoke from two threads

    @property
    def window_shape(self) -> tuple[int, int]:
        """(sequence_length, feature_size) of one model input window."""
        return self.input_shape[1], self.input_shape[2]

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @classmethod
    def load(cls, directory: str | Path) -> Bundle:
        """Read a bundle folder; InputFileError names the file that is missing or unusable."""
        directory = Path(directory)
        if not directory.is_dir():
            raise InputFileError(directory, "bundle folder not found")
        for name in BUNDLE_FILES:
            if not (directory / name).is_file():
                raise InputFileError(directory / name, "missing from the bundle (run `dvc repro export`)")
        labels_path = directory / paths.BUNDLE_LABELS
        try:
            labels = json.loads(labels_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputFileError(labels_path, f"is not valid JSON: {exc}") from None
        if not isinstance(labels, dict) or not isinstance(labels.get("classes"), list) or not labels["classes"]:
            raise InputFileError(labels_path, 'expected {"classes": [...], "aliases": {...}} with at least one class')
        classes = [str(name) for name in labels["classes"]]
        if len(set(classes)) != len(classes):
            raise InputFileError(labels_path, "lists a class twice")
        aliases = labels.get("aliases") or {}
        if not isinstance(aliases, dict):
            raise InputFileError(labels_path, '"aliases" must map a class to its spellings')
        spec_path = directory / paths.BUNDLE_PREPROCESS
        try:
            spec = read_preprocess(spec_path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputFileError(spec_path, f"is not a preprocessing spec: {exc!r}") from None
        model_content = (directory / paths.BUNDLE_MODEL).read_bytes()
        return cls(model_content, classes, spec, aliases, source=directory, segmenter=load_segmenter(directory))

    def _invoke(self, window: np.ndarray) -> np.ndarray:
        with self._lock:
            self._interpreter.set_tensor(self._input["index"], window)
            self._interpreter.invoke()
            return self._interpreter.get_tensor(self._output["index"])[0].copy()

    def predict_proba(self, windows: np.ndarray) -> np.ndarray:
        """Class probabilities (n, n_classes) float32 of (n, T, F) windows that are already
        made and normalised as `spec` says; one interpreter call per window."""
        windows = np.asarray(windows, dtype=np.float32)
        if windows.ndim != 3 or windows.shape[1:] != self.window_shape:
            raise InputFileError(
                self.source,
                f"expected windows of shape (n, {self.window_shape[0]}, {self.window_shape[1]}), got {windows.shape}",
            )
        probabilities = np.empty((len(windows), self.n_classes), dtype=np.float32)
        for index in range(len(windows)):
            probabilities[index] = self._invoke(np.ascontiguousarray(windows[index : index + 1]))
        return probabilities

    def predict_window(self, frames: np.ndarray) -> np.ndarray:
        """Probabilities (n_classes,) for the last frames of a live stream, (frames, 1662|258)
        keypoints, through `keypoints.frames_to_window` (parts, resample, normalise)."""
        window = frames_to_window(frames, self.spec)
        return self.predict_proba(window)[0]

    def label(self, probabilities: np.ndarray) -> str:
        """The class with the highest probability."""
        return self.classes[int(np.argmax(probabilities))]


def load_segmenter(directory: Path) -> SegmenterSpec:
    """The bundle's segmenter.json, or the defaults when the bundle predates it."""
    path = directory / paths.BUNDLE_SEGMENTER
    if not path.is_file():
        return SegmenterSpec()
    try:
        return SegmenterSpec.load(path)
    except (OSError, ValueError, TypeError) as exc:
        raise InputFileError(path, f"is not a segmenter spec: {exc}") from None


def _json(data) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_bundle(
    directory: str | Path,
    tflite_bytes: bytes,
    classes: Sequence[str],
    aliases: Mapping[str, Sequence[str]],
    spec: FeatureParams,
    segmenter: SegmenterSpec | None = None,
) -> Path:
    """Write exactly the bundle files into `directory` (segmenter.json when `segmenter` is
    given), replacing what was there.

    The files are written into a temporary sibling folder that is then renamed into place,
    so a reader never sees half a bundle. Nothing time- or run-dependent is written.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise InputFileError(directory, "exists and is not a folder")
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".tmp", dir=directory.parent))
    try:
        (staging / paths.BUNDLE_MODEL).write_bytes(tflite_bytes)
        labels = {
            "classes": [str(name) for name in classes],
            "aliases": {str(key): [str(v) for v in value] for key, value in aliases.items()},
        }
        (staging / paths.BUNDLE_LABELS).write_text(_json(labels), encoding="utf-8")
        write_preprocess(spec, staging / paths.BUNDLE_PREPROCESS)
        if segmenter is not None:
            segmenter.save(staging / paths.BUNDLE_SEGMENTER)
        os.chmod(staging, 0o755)  # mkdtemp makes it private
        if directory.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".old", dir=directory.parent))
            os.rmdir(retired)
            os.replace(directory, retired)
            os.replace(staging, directory)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, directory)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return directory
