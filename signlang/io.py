"""Atomic file writes: a stage output is there whole or not at all.

Every file a stage writes goes to a temporary name beside its target (`.<name>.<random>.tmp`)
and is renamed over the target once complete, so a run killed mid-write (Ctrl-C, SIGKILL, a
full disk) never leaves a half-written file that a later run or DVC would read. Temporary
names are never read back; `remove_stale_temps` deletes those a killed run left behind.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from signlang.errors import InputFileError

TEMP_SUFFIX = ".tmp"
TEMP_GLOB = f".*{TEMP_SUFFIX}"


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to; renamed over `path` when the block ends
    without an error, removed otherwise. The file gets mode 0644."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` atomically (see `atomic_path`)."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 `text` to `path` atomically, `\\n` line ends as given."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def remove_stale_temps(folders: Iterable[str | Path]) -> list[Path]:
    """Delete the temporary files and folders (`.*.tmp`) a killed run left in `folders`
    (missing folders are fine); returns what was removed."""
    removed = []
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for leftover in sorted(folder.glob(TEMP_GLOB)):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


def write_json(path: str | Path, data, sort_keys: bool = True) -> Path:
    """Indent 2, keys sorted (or in the document's order), trailing newline, UTF-8 (labels keep
    their script), atomically."""
    import json

    return atomic_write_text(path, json.dumps(data, indent=2, sort_keys=sort_keys, ensure_ascii=False) + "\n")


def read_skipped(path: str | Path) -> list[dict[str, str]]:
    """Rows (path, reason) of a skipped-list CSV (reports/ingest_skipped.csv, reports/skipped.csv);
    [] when the file does not exist."""
    import csv

    path = Path(path)
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return [{"path": row.get("path", ""), "reason": row.get("reason", "")} for row in csv.DictReader(handle)]


def write_skipped(path: str | Path, rows: Iterable[Mapping[str, str]]) -> None:
    """A skipped list: one (path, reason) row per sample left out, atomically."""
    import csv

    with atomic_path(path) as temporary, open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["path", "reason"])
        for row in rows:
            writer.writerow([row["path"], row["reason"]])


def require_inputs(stage: str, inputs: dict[str | Path, str]) -> None:
    """Refuse to start `stage` when an input it reads is missing: `inputs` maps each path
    to the stage that writes it. Raises InputFileError naming the first missing file."""
    for path, producer in inputs.items():
        if not Path(path).exists():
            raise InputFileError(path, f"not found; the {stage} stage needs it (run `dvc repro {producer}` first)")


def file_sha256(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """sha256 of a file's bytes, read in chunks (videos can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed entry timestamps: same arrays, same bytes
# Deflate level 1: keypoint floats shrink only ~10% more at level 6, for 5x the time.
_ZIP_LEVEL = 1
_ZIP_LEVEL_ATTR = "compress_level" if hasattr(zipfile.ZipInfo, "compress_level") else "_compresslevel"


def save_npz(path: str | Path, arrays: Mapping[str, Any], compress: bool = True) -> None:
    """Write arrays as an .npz (readable by `np.load(..., allow_pickle=False)`) atomically:
    to a temporary file in the same folder, then renamed over `path`. Entry timestamps are
    fixed, so the same arrays always give the same bytes (DVC sees no change)."""
    import numpy as np

    path = Path(path)
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        with zipfile.ZipFile(handle, "w", allowZip64=True) as archive:
            for name, value in arrays.items():
                array = np.asanyarray(value)
                if array.dtype.hasobject:
                    raise TypeError(f"{path}: array {name!r} has dtype object; store strings as str")
                info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
                setattr(info, _ZIP_LEVEL_ATTR, _ZIP_LEVEL)
                info.external_attr = 0o644 << 16
                with archive.open(info, "w", force_zip64=True) as entry:
                    np.lib.format.write_array(entry, array, allow_pickle=False)
        handle.flush()
        os.fsync(handle.fileno())
