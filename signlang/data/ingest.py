"""Ingest: find every sample in the `ingest.sources` folders and list it in data/manifest.csv.

A source folder may hold, side by side (found by walking it and recognising the layout):
- videos in `<label>/<clip>` folders (mp4, avi, mov, webm, mkv), kind `video`;
- MP_Data keypoints, `<action>/<sequence>/<frame>.npy`, one sample per sequence, kind `mp_data`;
- PSL-style pandas HDF5 files (columns sample, frame, keypoints), label = file stem, kind `psl_h5`;
- multi-signer `.npz` files (X, label, source_action, ...), signer = file stem, kind `npz`.
A file that cannot be read is listed in reports/ingest_skipped.csv with the reason, never a crash.
The manifest columns and id rules are the data contract in docs/design.md.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from signlang import paths
from signlang.errors import InputFileError, ParamsError, SignlangError
from signlang.io import atomic_path, atomic_write_text, file_sha256
from signlang.data.layout import LAYOUTS
from signlang.data.settings import IngestParams, SourceParams

COLUMNS = ["id", "label", "raw_label", "signer", "source", "path", "index", "content_hash", "frames", "fps", "kind"]
KINDS = ("video", "mp_data", "psl_h5", "npz")
VIDEO_EXTENSIONS = frozenset({".mp4", ".avi", ".mov", ".webm", ".mkv"})
H5_EXTENSIONS = frozenset({".h5", ".hdf5"})
# Files that carry their own labels, so one of them alone can be a source.
SINGLE_FILE_EXTENSIONS = (".npz", ".h5", ".hdf5")
IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini"})
H5_COLUMNS = ("sample", "frame", "keypoints")
_WIDTHS = tuple(sorted(LAYOUTS))  # 258, 1662


# --- labels ------------------------------------------------------------------------------


def fold_label(raw: str) -> str:
    """The form spellings are compared in: trimmed, `_`/`-` as spaces, one space, case-folded."""
    text = unicodedata.normalize("NFC", str(raw)).replace("_", " ").replace("-", " ")
    return " ".join(text.split()).casefold()


def alias_table(aliases: Mapping[str, list[str]]) -> dict[str, str]:
    """Folded spelling -> class name, for every key and every spelling listed under it."""
    table: dict[str, str] = {}
    for key, spellings in aliases.items():
        for spelling in [key, *spellings]:
            folded = fold_label(spelling)
            if table.get(folded, key) != key:
                raise ParamsError(
                    f"ingest.label_aliases: {spelling!r} is listed under both {table[folded]!r} and {key!r}"
                )
            table[folded] = key
    return table


def canonical_label(raw: str, aliases: Mapping[str, list[str]]) -> str:
    """The class of a raw label: its alias key when a spelling matches, else itself, trimmed
    (script, accents and case kept; only Unicode-composed to NFC)."""
    return _canonical(raw, alias_table(aliases))


def class_of(raw: str, classes: Sequence[str], aliases: Mapping[str, list[str]]) -> str:
    """The class of a model (`classes`, e.g. a bundle's) a raw label names: through `aliases`,
    then up to case, spacing, `_`/`-` and Unicode form as ingest merges spellings (a `Hello/`
    folder is the class `hello`); a label naming none of them comes back as `canonical_label`."""
    label = canonical_label(raw, aliases)
    if label in classes:
        return label
    return {fold_label(name): name for name in classes}.get(fold_label(label), label)


def _canonical(raw: str, table: Mapping[str, str]) -> str:
    return table.get(fold_label(raw), unicodedata.normalize("NFC", str(raw).strip()))


def merge_spellings(table: pd.DataFrame) -> pd.DataFrame:
    """One class per name up to case, spacing, `_`/`-` and Unicode form (`fold_label`): `Hello`
    and `hello`, `xin  chào` and `xin chào` become the spelling with the most samples (ties:
    the first in code-point order), named on stderr with the others. Raw names differing only
    in Unicode form (NFC and NFD `chào`, one class since `_canonical` composes to NFC) are named
    too. `attrs["merged_labels"]`: {class kept: [spellings merged into it]}."""
    counts = table["label"].value_counts()
    renames, merged = {}, {}
    for names in table.groupby(table["label"].map(fold_label), sort=True)["label"].unique():
        if len(names) > 1:
            kept = min(names, key=lambda name: (-counts[name], name))
            merged[kept] = sorted(name for name in names if name != kept)
            renames.update(dict.fromkeys(merged[kept], kept))
            _note(f"class names {', '.join(f'{n!r} ({counts[n]} samples)' for n in sorted(names))} differ only in "
                  f"case, spacing or Unicode form: merged into one class {kept!r}")
    table = table.assign(label=table["label"].replace(renames)) if renames else table
    raw = table["raw_label"].drop_duplicates()
    for composed, forms in raw.groupby(raw.map(lambda name: unicodedata.normalize("NFC", name)), sort=True):
        if len(forms) > 1:
            _note(f"names {', '.join(ascii(form) for form in sorted(forms))} are {composed!r} in different Unicode "
                  "forms (NFC, NFD): read as one class, in NFC")
    table.attrs["merged_labels"] = merged
    return table


def _note(message: str) -> None:
    print(f"ingest: warning: {message}", file=sys.stderr, flush=True)


# --- cached readers (shared by ingest, extract and evaluate) ------------------------------


def _stat_key(path: str | Path) -> tuple[str, int, int]:
    stat = os.stat(path)
    return str(path), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=64)
def _read_npz_cached(path: str, mtime_ns: int, size: int) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    for array in arrays.values():
        array.setflags(write=False)
    return arrays


def read_npz(path: str | Path) -> dict[str, np.ndarray]:
    """All arrays of an .npz file (read-only, cached per path and modification time)."""
    return _read_npz_cached(*_stat_key(path))


@lru_cache(maxsize=64)
def _read_h5_cached(path: str, mtime_ns: int, size: int) -> dict[int, np.ndarray]:
    table = pd.read_hdf(path)
    if not isinstance(table, pd.DataFrame):
        raise InputFileError(path, f"holds a {type(table).__name__}, expected a DataFrame")
    missing = [column for column in H5_COLUMNS if column not in table.columns]
    if missing:
        raise InputFileError(path, f"missing column(s) {', '.join(missing)} (expected {', '.join(H5_COLUMNS)})")
    samples = {}
    for sample, group in table.groupby("sample", sort=True):
        group = group.sort_values("frame", kind="stable")
        try:
            frames = np.ascontiguousarray(np.stack([np.asarray(k) for k in group["keypoints"]]))
        except ValueError as exc:
            raise InputFileError(path, f"sample {sample}: keypoint rows of unequal length ({exc})") from None
        frames.setflags(write=False)
        samples[int(sample)] = frames
    return samples


def read_h5_samples(path: str | Path) -> dict[int, np.ndarray]:
    """`sample` value -> frames (as stored, ordered by `frame`) of a PSL-style HDF5 file (cached)."""
    return _read_h5_cached(*_stat_key(path))


def mp_data_frame_files(folder: str | Path) -> list[Path]:
    """The `<n>.npy` frame files of an MP_Data sequence folder, in numeric order."""
    names = [name for name in os.listdir(folder) if _frame_number(name) is not None]
    return [Path(folder) / name for name in sorted(names, key=_frame_number)]


def _frame_number(name: str) -> int | None:
    stem, ext = os.path.splitext(name)
    return int(stem) if ext.lower() == ".npy" and stem.isdigit() else None


def _row_index(value: object, path: str) -> int:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) or value == "":
        raise InputFileError(path, "manifest row has no index for a multi-sample file")
    return int(float(value))


def load_keypoint_sample(row: Mapping) -> np.ndarray:
    """Frames float32 (n, 1662|258) of a keypoint manifest row (kind mp_data, psl_h5 or npz).

    `row` is a dict or pandas Series with at least `path`, `index` and `kind`; opened npz and
    HDF5 files are cached, so calling this for thousands of rows reads each file once."""
    kind, path = row["kind"], str(row["path"])
    if kind == "npz":
        X = read_npz(path)["X"]
        index = _row_index(row["index"], path)
        if not 0 <= index < len(X):
            raise InputFileError(path, f"has no row {index} (holds {len(X)})")
        frames = X[index]
    elif kind == "psl_h5":
        samples = read_h5_samples(path)
        index = _row_index(row["index"], path)
        if index not in samples:
            raise InputFileError(path, f"has no sample {index}")
        frames = samples[index]
    elif kind == "mp_data":
        files = mp_data_frame_files(path)
        if not files:
            raise InputFileError(path, "holds no <n>.npy frame files")
        frames = np.stack([np.load(file, allow_pickle=False) for file in files])
    elif kind == "video":
        raise InputFileError(path, "is a video: run Holistic on it (signlang.features.holistic.extract_video)")
    else:
        raise InputFileError(path, f"unknown manifest kind {kind!r}; allowed: {', '.join(KINDS)}")
    _check_frames(frames, path)
    return np.asarray(frames, dtype=np.float32)


def _check_frames(frames: np.ndarray, path: str | Path) -> None:
    if frames.ndim != 2 or frames.shape[1] not in LAYOUTS:
        raise InputFileError(path, f"frames of shape {frames.shape}; expected (n, 1662) or (n, 258)")
    if frames.shape[0] == 0:
        raise InputFileError(path, "has no frames")
    if not np.all(np.isfinite(frames)):
        raise InputFileError(path, f"holds {int(np.sum(~np.isfinite(frames)))} NaN or infinite keypoint values")


# --- skipped files ------------------------------------------------------------------------


class StrictStop(InputFileError):
    """The first unusable sample under `ingest.on_error: strict`."""


class SkipList(list):
    """The {"path", "reason"} entries of files that cannot be used; when `strict`, the first
    one appended stops the run with a StrictStop naming the file and the reason."""

    def __init__(self, strict: bool = False) -> None:
        super().__init__()
        self.strict = strict

    def append(self, entry: dict) -> None:
        if self.strict:
            raise StrictStop(entry["path"], f"{entry['reason']} (ingest.on_error is strict: stopping at the first unusable sample)")
        super().append(entry)


# --- one source folder --------------------------------------------------------------------


class _Source:
    """What one `ingest.sources` entry needs while it is walked."""

    def __init__(self, number: int, source: SourceParams, params: IngestParams, aliases: dict[str, str]) -> None:
        self.path = source.path
        given = Path(source.path)
        # A single keypoint file (one .npz or .h5) is a source too: its folder is the root
        # the ids and manifest paths are written from, and only that file is read.
        self.single_file = given.name if given.is_file() else None
        if self.single_file is not None and given.suffix.lower() not in SINGLE_FILE_EXTENSIONS:
            raise InputFileError(given, f"ingest.sources[{number}].path is a {given.suffix or 'extension-less'} file; "
                                 f"a source is a folder or one {'/'.join(SINGLE_FILE_EXTENSIONS)} file")
        self.root = given.parent if self.single_file else given
        if not self.root.is_dir():
            raise InputFileError(given, f"ingest.sources[{number}].path is neither a folder nor a data file")
        self.name = self.root.resolve().name
        self.aliases = aliases
        self.metadata = Path(source.metadata).resolve() if source.metadata else None
        self.signers = _read_metadata(self.metadata) if self.metadata else {}
        key = f"ingest.sources[{number}].signer_pattern" if source.signer_pattern else "ingest.signer_pattern"
        self.pattern = _compile_pattern(source.signer_pattern or params.signer_pattern, key)

    def location(self, rel: str) -> str:
        """The path as written in the manifest: the source folder as given plus the path inside it."""
        return f"{self.root.as_posix().rstrip('/')}/{rel}"

    def reads(self, rel: str) -> bool:
        """Is the file at `rel` (inside the root) part of this source?"""
        return self.single_file is None or rel == self.single_file

    def signer(self, file: Path, stem: str, fallback: str = "") -> str:
        """Metadata CSV first, then the signer pattern on `stem`, then `fallback`."""
        if self.signers:
            found = self.signers.get(file.resolve())
            if found:
                return found
        if self.pattern is not None:
            match = self.pattern.search(stem)
            if match and match.group("signer"):
                return match.group("signer").strip()
        return fallback

    def row(self, rel: str, raw_label: str, label: str, signer: str, content_hash: str, frames: int,
            kind: str, index: int | None = None, fps: float | None = None) -> dict:
        return {
            "id": f"{self.name}/{rel}" + ("" if index is None else f"#{index}"),
            "label": label,
            "raw_label": raw_label.strip(),
            "signer": signer,
            "source": self.path,
            "path": self.location(rel),
            "index": index,
            "content_hash": content_hash,
            "frames": int(frames),
            "fps": None if fps is None else round(float(fps), 6),
            "kind": kind,
        }


def _compile_pattern(pattern: str | None, key: str) -> re.Pattern | None:
    if not pattern:
        return None
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ParamsError(f"{key}: not a valid regular expression: {exc} (got {pattern!r})") from None
    if "signer" not in compiled.groupindex:
        raise ParamsError(f"{key}: needs a named group (?P<signer>...) (got {pattern!r})")
    return compiled


def _read_metadata(csv_path: Path) -> dict[Path, str]:
    """Resolved file path -> signer, from a CSV with columns `file` (relative to the CSV) and `signer`."""
    try:
        table = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputFileError(csv_path, f"cannot be read as CSV: {exc}") from None
    missing = [column for column in ("file", "signer") if column not in table.columns]
    if missing:
        raise InputFileError(csv_path, f"missing column(s) {', '.join(missing)} (needs file, signer)")
    return {
        (csv_path.parent / file.strip()).resolve(): signer.strip()
        for file, signer in zip(table["file"], table["signer"])
        if file.strip()
    }


def _hidden(name: str) -> bool:
    return name.startswith(".") or name.lower() in IGNORED_NAMES


def _label_folder(rel: str, depth: int) -> str | None:
    """The folder `depth` levels above the file inside the source, or None when it is the source itself."""
    parts = rel.split("/")
    return parts[-1 - depth] if len(parts) > depth else None


def _video_rows(src: _Source, path: Path, rel: str) -> list[dict]:
    raw = _label_folder(rel, 1)
    if raw is None:
        raise InputFileError(path, "video is not inside a <label> folder")
    frames, fps = _probe_video(path)
    label = _canonical(raw, src.aliases)
    return [src.row(rel, raw, label, src.signer(path, path.stem), file_sha256(path), frames, "video", fps=fps)]


def _probe_video(path: Path) -> tuple[int, float | None]:
    """(frame count, fps or None) from OpenCV; refuses a file it cannot open or decode."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise InputFileError(path, "cannot be opened as a video (damaged or unsupported format)")
        fps = capture.get(cv2.CAP_PROP_FPS)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        if not capture.read()[0]:
            raise InputFileError(path, "video has no decodable frames (empty, damaged, or a codec OpenCV cannot decode)")
        if count <= 0:  # some containers (webm, mkv) carry no frame count: count them
            count = 1
            while capture.grab():
                count += 1
    finally:
        capture.release()
    return count, (float(fps) if fps and np.isfinite(fps) and fps > 0 else None)


def _mp_data_row(src: _Source, folder: Path, rel: str, files: list[Path]) -> dict:
    raw = _label_folder(rel, 1)
    if raw is None:
        raise InputFileError(folder, "MP_Data sequence folder is not inside an <action> folder")
    digest, frames = hashlib.sha256(), []
    for file in files:
        data = file.read_bytes()
        digest.update(data)
        try:
            frames.append(np.load(io.BytesIO(data), allow_pickle=False))
        except (ValueError, OSError, EOFError) as exc:
            raise InputFileError(folder, f"frame file {file.name} cannot be read: {exc}") from None
    shapes = sorted({frame.shape for frame in frames})
    if len(shapes) != 1 or len(shapes[0]) != 1 or shapes[0][0] not in LAYOUTS:
        raise InputFileError(folder, f"frame files have shape(s) {shapes}; expected one ({'|'.join(map(str, _WIDTHS))},) vector each")
    _check_frames(np.stack(frames), folder)
    label = _canonical(raw, src.aliases)
    return src.row(rel, raw, label, src.signer(folder, folder.name), digest.hexdigest(), len(frames), "mp_data")


def _h5_rows(src: _Source, path: Path, rel: str) -> list[dict]:
    samples = read_h5_samples(path)
    if not samples:
        raise InputFileError(path, "holds no samples")
    raw = path.stem
    label, signer = _canonical(raw, src.aliases), src.signer(path, path.stem)
    rows = []
    for sample, frames in samples.items():
        _check_frames(frames, f"{path} sample {sample}")
        digest = hashlib.sha256(frames.tobytes()).hexdigest()
        rows.append(src.row(rel, raw, label, signer, digest, len(frames), "psl_h5", index=sample))
    return rows


def _npz_rows(src: _Source, path: Path, rel: str, skipped: list) -> list[dict]:
    data = read_npz(path)
    missing = [key for key in ("X", "label") if key not in data]
    if missing:
        raise InputFileError(path, f"missing array(s) {', '.join(missing)} (a multi-signer npz needs X, label)")
    X, labels = data["X"], data["label"]
    raws = data.get("source_action", labels)
    if X.ndim != 3 or X.shape[2] not in LAYOUTS or len(labels) != len(X) or len(raws) != len(X):
        raise InputFileError(
            path, f"X of shape {X.shape} with {len(labels)} labels; expected (n, frames, 1662|258) and n labels"
        )
    finite = np.isfinite(X).all(axis=(1, 2))
    signer = src.signer(path, path.stem, fallback=path.stem)
    rows = []
    for index in range(len(X)):
        if not finite[index]:
            skipped.append({"path": f"{src.location(rel)}#{index}", "reason": "holds NaN or infinite keypoint values"})
            continue
        label = _canonical(str(labels[index]), src.aliases)
        digest = hashlib.sha256(X[index].tobytes()).hexdigest()
        rows.append(src.row(rel, str(raws[index]), label, signer, digest, X.shape[1], "npz", index=index))
    return rows


def scan_source(src: _Source, skipped: list) -> list[dict]:
    """Every sample in one source folder; unreadable files go to `skipped` with the reason."""
    rows: list[dict] = []

    def attempt(location: str, read, *args) -> None:
        try:
            result = read(*args)
        except StrictStop:
            raise
        except InputFileError as exc:
            skipped.append({"path": location, "reason": exc.problem})
        except Exception as exc:  # noqa: BLE001 - readers (cv2, PyTables, numpy) raise many kinds
            skipped.append({"path": location, "reason": f"cannot be read: {type(exc).__name__}: {exc}"})
        else:
            rows.extend(result if isinstance(result, list) else [result])

    for dirpath, dirnames, filenames in os.walk(src.root):
        dirnames[:] = [] if src.single_file else sorted(name for name in dirnames if not _hidden(name))
        folder = Path(dirpath)
        rel_folder = folder.relative_to(src.root).as_posix()
        prefix = "" if rel_folder == "." else f"{rel_folder}/"
        frame_files = []
        for name in sorted(filenames):
            path = folder / name
            if _hidden(name) or (src.metadata is not None and path.resolve() == src.metadata):
                continue
            rel, ext = prefix + name, path.suffix.lower()
            if not src.reads(rel):
                continue
            if _frame_number(name) is not None:
                frame_files.append(name)
            elif ext in VIDEO_EXTENSIONS:
                attempt(src.location(rel), _video_rows, src, path, rel)
            elif ext in H5_EXTENSIONS:
                attempt(src.location(rel), _h5_rows, src, path, rel)
            elif ext == ".npz":
                attempt(src.location(rel), _npz_rows, src, path, rel, skipped)
            elif ext == ".npy":
                skipped.append({"path": src.location(rel), "reason": "a .npy file not named <n>.npy (MP_Data <action>/<sequence>/<n>.npy)"})
            else:
                skipped.append({"path": src.location(rel), "reason": f"unknown file type {ext or '(no extension)'}"})
        if frame_files:
            files = [folder / name for name in sorted(frame_files, key=_frame_number)]
            attempt(src.location(rel_folder), _mp_data_row, src, folder, rel_folder, files)
    return rows


# --- the manifest -------------------------------------------------------------------------


def scan_sources(params: IngestParams, skipped: list | None = None) -> pd.DataFrame:
    """Every sample of every source, labels aliased, before class filtering; sorted by id."""
    skipped = [] if skipped is None else skipped
    aliases = alias_table(params.label_aliases)
    rows: list[dict] = []
    for number, source in enumerate(params.sources):
        src = _Source(number, source, params, aliases)
        before = len(skipped)
        collected = SkipList(params.on_error == "strict")
        found = scan_source(src, collected)
        skipped.extend(collected)
        if not found:
            detail = f"{len(skipped) - before} file(s) could not be read" if len(skipped) > before else "it is empty"
            raise SignlangError(
                f"ingest.sources[{number}].path: no samples found in {source.path} ({detail}); expected videos in "
                "<label>/<clip> folders, MP_Data <action>/<sequence>/<frame>.npy, PSL .h5 or multi-signer .npz files"
            )
        rows.extend(found)
    skipped.sort(key=lambda entry: (entry["path"], entry["reason"]))
    table = _frame(rows)
    duplicated = table["id"][table["id"].duplicated()]
    if len(duplicated):
        raise SignlangError(
            f"ingest.sources: sample id {duplicated.iloc[0]!r} is found twice; two sources share the folder "
            "name (ids start with the source folder's name), rename or nest one of them"
        )
    return table


def _frame(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["index"] = table["index"].astype("Int64")
    table["frames"] = table["frames"].astype("int64")
    table["fps"] = table["fps"].astype("float64")
    return table.sort_values("id", kind="stable").reset_index(drop=True)


def filter_classes(table: pd.DataFrame, params: IngestParams) -> tuple[pd.DataFrame, dict[str, int], int]:
    """Apply include_labels and min_samples_per_class: (kept rows, dropped class -> count,
    number of samples left out by include_labels)."""
    excluded = 0
    if params.include_labels:
        aliases = alias_table(params.label_aliases)
        wanted = {_canonical(label, aliases) for label in params.include_labels}
        keep = table["label"].isin(wanted)
        excluded = int((~keep).sum())
        table = table[keep]
    counts = table["label"].value_counts()
    small = counts[counts < params.min_samples_per_class]
    dropped = {str(label): int(count) for label, count in sorted(small.items())}
    table = table[~table["label"].isin(dropped)].reset_index(drop=True)
    if table.empty:
        raise SignlangError(
            "ingest: no samples left after include_labels and min_samples_per_class "
            f"({params.min_samples_per_class}); dropped classes: {dropped or 'none'}"
        )
    return table, dropped, excluded


def apply_decisions(table: pd.DataFrame, params: IngestParams) -> pd.DataFrame:
    """A person's decisions (after `signlang audit`): `ingest.relabel` gives a signer's samples
    from one folder (raw_label) another class, then `ingest.exclude` leaves out a signer, or a
    signer's class. `attrs["decisions"]`: each rule with the samples it matched (a rule that
    matches none is named on stderr); `attrs["decided_out"]`: {"path", "reason"} per sample left out."""
    aliases = alias_table(params.label_aliases)
    table = table.copy()  # keeps attrs
    relabelled = _relabel(table, params, aliases)
    out, excluded, decided_out = _exclude(table, params, aliases)
    for key, entries in (("relabel", relabelled), ("exclude", excluded)):
        for entry in entries:
            if entry["samples"] == 0:
                _note(f"ingest.{key} {({k: v for k, v in entry.items() if k != 'samples'})} matches no sample")
    kept = table[~out].reset_index(drop=True)
    kept.attrs.update(table.attrs, decisions={"exclude": excluded, "relabel": relabelled}, decided_out=decided_out)
    return kept


def _relabel(table: pd.DataFrame, params: IngestParams, aliases: dict[str, str]) -> list[dict]:
    """Apply ingest.relabel to `table` in place; each rule with the samples it matched. A target
    spelled like an existing class up to case, spacing or Unicode form is that class."""
    entries = []
    existing = {fold_label(label): label for label in sorted(table["label"].unique())}
    for rule in params.relabel:
        hit = (table["signer"] == rule.signer) & (table["raw_label"] == unicodedata.normalize("NFC", rule.folder.strip()))
        target = _canonical(rule.label, aliases)
        table.loc[hit, "label"] = existing.get(fold_label(target), target)
        entries.append({**rule.model_dump(), "samples": int(hit.sum())})
    return entries


def _exclude(table: pd.DataFrame, params: IngestParams, aliases: dict[str, str]) -> tuple[pd.Series, list, list]:
    """(rows ingest.exclude leaves out, each rule with the samples it matched, {"path", "reason"}
    per sample left out); a sample is counted by the first rule that matches it."""
    out, entries, reasons = pd.Series(False, index=table.index), [], []
    for number, rule in enumerate(params.exclude):
        hit = (table["signer"] == rule.signer) & ~out
        if rule.label is not None:
            hit &= table["label"] == _canonical(rule.label, aliases)
        described = rule.model_dump(exclude_none=True)
        entries.append({**described, "samples": int(hit.sum())})
        reasons += [(index, f"left out by ingest.exclude[{number}] ({described})") for index in table.index[hit]]
        out |= hit
    decided_out = [{"path": sample_location(table.loc[index]), "reason": reason} for index, reason in sorted(reasons)]
    return out, entries, decided_out


def sample_location(row: Mapping) -> str:
    """A manifest row as reports and messages name it: its file, plus `#index` inside a file
    that holds several samples."""
    index = row.get("index")
    if index is None or index == "" or pd.isna(index):
        return str(row["path"])
    return f"{row['path']}#{int(index)}"


def build_manifest(params: IngestParams, skipped: list | None = None) -> pd.DataFrame:
    """The manifest table (columns COLUMNS, sorted by id). Unreadable files are appended to
    `skipped` as {"path", "reason"}; `table.attrs` holds dropped_classes and excluded, the
    decisions applied and the samples they and the class filters left out."""
    found = apply_decisions(merge_spellings(scan_sources(params, skipped)), params)
    table, dropped, excluded = filter_classes(found, params)
    table.attrs.update(dropped_classes=dropped, excluded=excluded, merged_labels=found.attrs["merged_labels"],
                       decisions=found.attrs["decisions"],
                       dropped_samples=found.attrs["decided_out"] + dropped_samples(found, table, params))
    return table


def dropped_samples(found: pd.DataFrame, kept: pd.DataFrame, params: IngestParams) -> list[dict]:
    """{"path", "reason"} of every readable sample the class filters left out, so none is
    dropped silently (ordered by id)."""
    counts = found["label"].value_counts()
    wanted = None
    if params.include_labels:
        aliases = alias_table(params.label_aliases)
        wanted = {_canonical(label, aliases) for label in params.include_labels}
    entries = []
    for row in found[~found["id"].isin(set(kept["id"]))].to_dict("records"):
        label = row["label"]
        if wanted is not None and label not in wanted:
            reason = f"class {label!r} is not in ingest.include_labels"
        else:
            reason = (f"class {label!r} has {int(counts[label])} samples, fewer than "
                      f"ingest.min_samples_per_class ({params.min_samples_per_class})")
        index = "" if pd.isna(row["index"]) else f"#{int(row['index'])}"
        entries.append({"path": f"{row['path']}{index}", "reason": reason})
    return entries


def ingest_report(table: pd.DataFrame, skipped: list, params: IngestParams) -> dict:
    """Counts per kind, class and source, signers, skipped files and dropped classes."""
    def counts(values: Iterable) -> dict:
        return {str(key): int(count) for key, count in sorted(Counter(values).items())}

    signers = table["signer"][table["signer"] != ""]
    report = {
        "samples": int(len(table)),
        "classes": int(table["label"].nunique()),
        "signers": int(signers.nunique()),
        "unknown_signer_samples": int((table["signer"] == "").sum()),
        "skipped": len(skipped),
        "dropped_samples": len(table.attrs.get("dropped_samples", [])),
        "per_kind": {kind: int((table["kind"] == kind).sum()) for kind in KINDS},
        "per_class": counts(table["label"]),
        # How many people recorded each class: where few did, new people will sign it differently.
        "per_class_signers": {str(label): int(group.loc[group != ""].nunique())
                              for label, group in sorted(table.groupby("label")["signer"])},
        "per_source": {source.path: int((table["source"] == source.path).sum()) for source in params.sources},
        "dropped_classes": dict(table.attrs.get("dropped_classes", {})),
        "excluded_by_include_labels": int(table.attrs.get("excluded", 0)),
    }
    if table.attrs.get("merged_labels"):  # spellings of one name merged into one class
        report["merged_labels"] = dict(sorted(table.attrs["merged_labels"].items()))
    decisions = table.attrs.get("decisions", {})
    if any(decisions.values()):  # ingest.exclude / ingest.relabel, each with the samples it matched
        report["decisions"] = decisions
    return report


def write_manifest(table: pd.DataFrame, path: str | Path = paths.MANIFEST) -> None:
    """Write the manifest CSV (UTF-8, `\\n` line ends, empty cells for unknown values)."""
    with atomic_path(path) as temporary:
        table[COLUMNS].to_csv(temporary, index=False, lineterminator="\n", encoding="utf-8")


def read_manifest(path: str | Path = paths.MANIFEST) -> pd.DataFrame:
    """Read data/manifest.csv back with the types build_manifest gives (labels such as `NA`
    or `None` stay strings; index Int64, frames int, fps float with NaN when unknown)."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "manifest not found (run the ingest stage first)")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [column for column in COLUMNS if column not in table.columns]
    if missing:
        raise InputFileError(path, f"missing column(s) {', '.join(missing)}")
    table["index"] = pd.to_numeric(table["index"].replace("", None)).astype("Int64")
    table["frames"] = table["frames"].astype("int64")
    table["fps"] = pd.to_numeric(table["fps"].replace("", None)).astype("float64")
    return table[COLUMNS]


def summary_line(report: dict) -> str:
    """One line for the terminal: samples, classes, signers, skipped."""
    decided = sum(rule["samples"] for rule in report.get("decisions", {}).get("exclude", []))
    relabelled = sum(rule["samples"] for rule in report.get("decisions", {}).get("relabel", []))
    dropped = report.get("dropped_samples", 0) - decided
    return (
        f"ingest: {report['samples']} samples, {report['classes']} classes, {report['signers']} signers, "
        f"{report['skipped']} skipped"
        + (f", {decided} left out by ingest.exclude" if decided else "")
        + (f", {relabelled} relabelled by ingest.relabel" if relabelled else "")
        + (f", dropped classes {', '.join(report['dropped_classes'])}" if report["dropped_classes"] else "")
        + (f", {dropped} samples left out by the class filters" if dropped else "")
        + (f" (reasons in {paths.INGEST_SKIPPED})" if report["skipped"] or dropped or decided else "")
    )


def check_sources_exist(ingest: IngestParams) -> None:
    """Refuse missing input folders before any work starts."""
    for index, source in enumerate(ingest.sources):
        if not Path(source.path).exists():
            raise ParamsError(f"ingest.sources[{index}].path: {source.path!r} does not exist")
        if source.metadata and not Path(source.metadata).is_file():
            raise ParamsError(
                f"ingest.sources[{index}].metadata: {source.metadata!r} does not exist"
            )
