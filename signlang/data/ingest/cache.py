"""What ingest read from each file, kept between runs so an unchanged file is not read again.

The ingest stage runs on every `dvc repro` (it reads whatever ingest.sources names); without
this, each run rehashes every video and keypoint file. One JSON file per source (folder or file) under
.signlang/ingest-cache/ (run-time scratch, ignored by git) maps each file's path to its stat
signature (size, modification time in ns, inode; for an MP_Data sequence, those of every frame
file) and what formats.py read from it, or why it could not be used. A signature that differs
means the file changed and is read again, as DVC's own state does; entries of files no longer
there are dropped. The manifest is built from the same records either way, so it is byte for
byte the same with or without the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from signlang.io import atomic_write_text

# Bump when formats.py changes what a record holds or how it is computed.
FORMAT_VERSION = 2


def stat_signature(files: list[str]) -> str:
    """One string for the files' names, sizes, modification times (ns) and inodes, in order: a
    file's own for a file, every frame file's (hashed, to keep the cache small) for an MP_Data
    sequence."""
    parts = []
    for file in files:
        stat = os.stat(file)
        parts.append(f"{os.path.basename(file)}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}")
    if len(parts) == 1:
        return parts[0]
    return "sha256:" + hashlib.sha256("/".join(parts).encode("utf-8")).hexdigest()


class ScanCache:
    """The records of one source folder's files: `get` before reading, `put` after."""

    def __init__(self, source: Path, folder: Path | None) -> None:
        """`source`: the folder or file an ingest.sources entry names; `folder`: where the cache
        files are (None: nothing is kept)."""
        self.source = str(source.resolve())
        digest = hashlib.sha256(self.source.encode("utf-8")).hexdigest()[:20]
        self.path = None if folder is None else Path(folder) / f"{digest}.json"
        self.stored = self._load()
        self.seen: dict[str, dict] = {}

    def _load(self) -> dict[str, dict]:
        if self.path is None or not self.path.is_file():
            return {}
        try:
            content = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # a damaged cache is only a slower run
        if not isinstance(content, dict) or content.get("version") != FORMAT_VERSION or content.get("source") != self.source:
            return {}
        entries = content.get("entries")
        return entries if isinstance(entries, dict) else {}

    def get(self, key: str, signature: str) -> dict | None:
        """The record stored for `key` when its signature is `signature`, else None."""
        entry = self.stored.get(key)
        if entry is None or entry.get("signature") != signature:
            return None
        self.seen[key] = entry
        return entry["record"]

    def put(self, key: str, signature: str, record: dict) -> None:
        self.seen[key] = {"signature": signature, "record": record}

    def save(self) -> None:
        """Write the entries seen in this run, when they differ from the stored ones."""
        if self.path is None or self.seen == self.stored:
            return
        content = {"version": FORMAT_VERSION, "source": self.source, "entries": dict(sorted(self.seen.items()))}
        atomic_write_text(self.path, json.dumps(content, ensure_ascii=False, separators=(",", ":")))
