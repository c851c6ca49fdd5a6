"""Scanning: every sample of a source, per layout (videos, MP_Data, PSL .h5, multi-signer
.npz), with its label and signer; unreadable files go to the skip list with the reason, never a
crash. What a file holds is read by formats.py, through the cache when one is given."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from signlang.data.ingest.cache import ScanCache, stat_signature
from signlang.data.ingest.formats import (
    H5_EXTENSIONS,
    VIDEO_EXTENSIONS,
    read_h5,
    read_mp_data,
    read_npz_file,
    read_video,
)
from signlang.data.ingest.labels import alias_table
from signlang.data.ingest.manifest import to_table
from signlang.data.ingest.notice import say, warn
from signlang.data.ingest.readers import frame_number
from signlang.data.ingest.skips import SkipList, StrictStop
from signlang.data.ingest.sources import Source, check_sources_apart, hidden
from signlang.data.settings import IngestParams
from signlang.errors import InputFileError, SignlangError

LAYOUTS_EXPECTED = ("expected videos in <label>/<clip> folders, MP_Data <action>/<sequence>/<frame>.npy, PSL .h5 "
                    "or multi-signer .npz files")
NO_LABEL_FOLDER = ("video is not inside a <label> folder", "MP_Data sequence folder is not inside an <action> folder")


def _label_folder(rel: str, depth: int) -> str | None:
    """The folder `depth` levels above the file inside the source, or None when it is the source itself."""
    parts = rel.split("/")
    return parts[-1 - depth] if len(parts) > depth else None


def _record(cache: ScanCache | None, key: str, files: list[str], read: Callable[[], dict]) -> dict:
    """What `read()` gives (or the InputFileError it raises), from the cache while `files` are
    unchanged."""
    if cache is None:
        return read()
    signature = stat_signature(files)
    record = cache.get(key, signature)
    if record is None:
        try:
            record = read()
        except InputFileError as exc:
            record = {"error": exc.problem}
        cache.put(key, signature, record)
    if "error" in record:
        raise InputFileError(files[0] if len(files) == 1 else os.path.dirname(files[0]), record["error"])
    return record


def _video_rows(src: Source, path: Path, rel: str, cache: ScanCache | None) -> list[dict]:
    raw = _label_folder(rel, 1)
    if raw is None:
        raise InputFileError(path, NO_LABEL_FOLDER[0])
    signer = src.signer(rel, path.stem, label_level=rel.count("/") - 1)
    record = _record(cache, rel, [str(path)], lambda: read_video(path))
    label = src.label(raw)
    return [src.row(rel, raw, label, signer, record["hash"], record["frames"], "video", fps=record["fps"])]


def _mp_data_row(src: Source, folder: str, rel: str, names: list[str], cache: ScanCache | None) -> dict:
    raw = _label_folder(rel, 1)
    if raw is None:
        raise InputFileError(folder, NO_LABEL_FOLDER[1])
    signer = src.signer(rel, os.path.basename(folder), label_level=rel.count("/") - 1)
    record = _record(cache, f"{rel}/", [os.path.join(folder, name) for name in names],
                     lambda: read_mp_data(Path(folder), [Path(folder, name) for name in names]))
    label = src.label(raw)
    return src.row(rel, raw, label, signer, record["hash"], record["frames"], "mp_data")


def _h5_rows(src: Source, path: Path, rel: str, cache: ScanCache | None) -> list[dict]:
    raw = path.stem
    signer = src.signer(rel, path.stem, label_level=None)
    record = _record(cache, rel, [str(path)], lambda: read_h5(path))
    label = src.label(raw)
    return [src.row(rel, raw, label, signer, digest, frames, "psl_h5", index=sample)
            for sample, digest, frames in record["samples"]]


def _npz_rows(src: Source, path: Path, rel: str, cache: ScanCache | None, skipped: list) -> list[dict]:
    signer = src.signer(rel, path.stem, label_level=None, fallback=path.stem)
    record = _record(cache, rel, [str(path)], lambda: read_npz_file(path))
    rows = []
    for index, digest in enumerate(record["hashes"]):
        if digest is None:
            skipped.append({"path": f"{src.location(rel)}#{index}", "reason": "holds NaN or infinite keypoint values"})
            continue
        label = src.label(record["labels"][index])
        rows.append(src.row(rel, record["raws"][index], label, signer, digest, record["frames"], "npz", index=index))
    return rows


def scan_source(src: Source, skipped: list, cache: ScanCache | None = None) -> list[dict]:
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
        dirnames[:] = [] if src.single_file else sorted(name for name in dirnames if not hidden(name))
        folder = Path(dirpath)
        rel_folder = folder.relative_to(src.root).as_posix()
        prefix = "" if rel_folder == "." else f"{rel_folder}/"
        frame_files = []
        for name in sorted(filenames):
            if hidden(name) or src.is_metadata(folder, name) or not src.reads(prefix + name):
                continue
            number = frame_number(name)
            if number is not None:  # MP_Data frames (the bulk of the files): no Path per file
                frame_files.append((number, name))
                continue
            path = folder / name
            rel, ext = prefix + name, path.suffix.lower()
            if ext in VIDEO_EXTENSIONS:
                attempt(src.location(rel), _video_rows, src, path, rel, cache)
            elif ext in H5_EXTENSIONS:
                attempt(src.location(rel), _h5_rows, src, path, rel, cache)
            elif ext == ".npz":
                attempt(src.location(rel), _npz_rows, src, path, rel, cache, skipped)
            elif ext == ".npy":
                skipped.append({"path": src.location(rel), "reason": "a .npy file not named <n>.npy (MP_Data <action>/<sequence>/<n>.npy)"})
            else:
                skipped.append({"path": src.location(rel), "reason": f"unknown file type {ext or '(no extension)'}"})
        if frame_files:
            names = [name for _, name in sorted(frame_files)]
            attempt(src.location(rel_folder), _mp_data_row, src, dirpath, rel_folder, names, cache)
    return rows


def scan_sources(params: IngestParams, skipped: list | None = None, cache_dir: str | Path | None = None) -> pd.DataFrame:
    """Every sample of every source, labels aliased, before class filtering; sorted by id.
    `cache_dir`: where what each file held is kept between runs (cache.py); None reads every file."""
    skipped = [] if skipped is None else skipped
    check_sources_apart(params)
    aliases = alias_table(params.label_aliases)
    rows: list[dict] = []
    aliased: Counter[tuple[str, str]] = Counter()
    for number, source in enumerate(params.sources):
        src = Source(number, source, params, aliases)
        cache = None if cache_dir is None else ScanCache(Path(source.path), Path(cache_dir))
        collected = SkipList(params.on_error == "strict")
        found = scan_source(src, collected, cache)
        if cache is not None:
            cache.save()
        skipped.extend(collected)
        if not found:
            raise SignlangError(_nothing_found(number, source.path, collected))
        _warn_about_signers(src, found)
        aliased.update(src.aliased)
        rows.extend(found)
    skipped.sort(key=lambda entry: (entry["path"], entry["reason"]))
    table = to_table(rows)
    table.attrs["aliased_labels"] = _aliased_labels(aliased)
    duplicated = table["id"][table["id"].duplicated()]
    if len(duplicated):
        raise SignlangError(
            f"ingest.sources: sample id {duplicated.iloc[0]!r} is found twice; two sources share the folder "
            "name (ids start with the source folder's name), rename or nest one of them"
        )
    return table


def _nothing_found(number: int, path: str, skipped: list) -> str:
    if not skipped:
        return f"ingest.sources[{number}].path: no samples found in {path} (it is empty); {LAYOUTS_EXPECTED}"
    message = f"ingest.sources[{number}].path: no samples found in {path} ({len(skipped)} file(s) could not be read"
    if all(entry["reason"] in NO_LABEL_FOLDER for entry in skipped):
        # The usual slip: one <label> folder or one MP_Data sequence given instead of the dataset.
        return (f"{message}: no <label> folder above them); {path} looks like one label or sequence folder: give the "
                f"folder above its <label> folders (the dataset's top folder)")
    return f"{message}, first: {skipped[0]['path']}: {skipped[0]['reason']}); {LAYOUTS_EXPECTED}"


def _warn_about_signers(src: Source, found: list[dict]) -> None:
    """Say which samples no signer rule named, and metadata rows that named nothing here."""
    unknown = sum(1 for row in found if not row["signer"])
    if unknown:
        warn(f"ingest.sources[{src.number}] ({src.path}): {unknown} of {len(found)} samples have no signer; name them "
             "with signer: NAME, signer_folder: N, signer_pattern, signer_path_pattern or a metadata CSV (a split "
             "by signer needs them)")
    unused = src.unused_metadata_rows()
    if unused:
        warn(f"ingest.sources[{src.number}].metadata: {len(unused)} row(s) name a file or folder under {src.path} that "
             f"holds no sample ingest could read, first: {unused[0]}")


def _aliased_labels(aliased: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """{class: {spelling as written: samples}} of what label_aliases renamed, each said on the console."""
    classes: dict[str, dict[str, int]] = {}
    for (label, spelling), count in sorted(aliased.items()):
        classes.setdefault(label, {})[spelling] = count
    for label, spellings in classes.items():
        say(f"label_aliases: {', '.join(f'{s!r} ({n} samples)' for s, n in spellings.items())} read as class {label!r}")
    return classes
