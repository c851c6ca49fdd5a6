"""One `ingest.sources` entry while it is walked: its root, the manifest paths and ids written
from it, and who signed each sample (metadata CSV, a fixed signer, a folder level, a pattern)."""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pandas as pd

from signlang.data.ingest.labels import canonical
from signlang.data.settings import IngestParams, SourceParams
from signlang.errors import InputFileError, ParamsError

# Files that carry their own labels, so one of them alone can be a source.
SINGLE_FILE_EXTENSIONS = (".npz", ".h5", ".hdf5")
IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini"})
METADATA_COLUMNS = ("file", "signer")


class Source:
    """What one `ingest.sources` entry needs while it is walked."""

    def __init__(self, number: int, source: SourceParams, params: IngestParams, aliases: dict[str, str]) -> None:
        self.number = number
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
        self.resolved_root = self.root.resolve()
        self.name = self.resolved_root.name
        self.aliases = aliases
        self.metadata = Path(source.metadata).resolve() if source.metadata else None
        self.signers = read_metadata(self.metadata) if self.metadata else {}
        self.fixed_signer = source.signer.strip() if source.signer else None
        self.signer_folder = source.signer_folder
        key = f"ingest.sources[{number}].signer_pattern" if source.signer_pattern else "ingest.signer_pattern"
        self.pattern = compile_pattern(source.signer_pattern or params.signer_pattern, key)
        self.path_pattern = compile_pattern(source.signer_path_pattern,
                                            f"ingest.sources[{number}].signer_path_pattern")
        self.metadata_used: set[Path] = set()
        # (class, spelling as written) -> samples that label_aliases gave that class.
        self.aliased: Counter[tuple[str, str]] = Counter()

    def location(self, rel: str) -> str:
        """The path as written in the manifest: the source folder as given plus the path inside it."""
        return f"{self.root.as_posix().rstrip('/')}/{rel}"

    def reads(self, rel: str) -> bool:
        """Is the file at `rel` (inside the root) part of this source?"""
        return self.single_file is None or rel == self.single_file

    def label(self, written: str) -> str:
        """The class of a label as written: its label_aliases key, else itself (trimmed, NFC);
        each sample an alias renamed is counted in `aliased`."""
        label = canonical(written, self.aliases)
        if label != unicodedata.normalize("NFC", written.strip()):
            self.aliased[(label, written.strip())] += 1
        return label

    def is_metadata(self, folder: Path, name: str) -> bool:
        """Is `folder/name` this source's metadata CSV (not a sample)?"""
        return self.metadata is not None and name == self.metadata.name and (folder / name).resolve() == self.metadata

    def signer(self, rel: str, name: str, label_level: int | None, fallback: str = "") -> str:
        """Who signed the sample at `rel` (a file or an MP_Data sequence folder inside the root):
        the metadata CSV, then the source's rule, then `fallback`. `name` is what signer_pattern
        reads (file stem or sequence folder); `label_level` the index in `rel`'s parts of the folder
        that names the label (None when the label is not a folder). "" when nobody is named."""
        if self.signers:
            found = self._from_metadata(rel)
            if found:
                return found
        if self.fixed_signer:
            return self.fixed_signer
        if self.signer_folder is not None:
            return self._from_folder(rel, label_level)
        if self.path_pattern is not None:
            folder = rel.rpartition("/")[0]
            found = _match(self.path_pattern, f"{folder}/{name}" if folder else name)  # without the extension
            if found:
                return found
        elif self.pattern is not None:
            found = _match(self.pattern, name)
            if found:
                return found
        return fallback

    def _from_metadata(self, rel: str) -> str:
        """The signer the metadata CSV gives the sample, its folder, or the nearest folder above it."""
        candidate = self.resolved_root / rel
        while True:
            found = self.signers.get(candidate)
            if found:
                self.metadata_used.add(candidate)
                return found
            if candidate == self.metadata.parent or candidate.parent == candidate:
                return ""
            candidate = candidate.parent

    def _from_folder(self, rel: str, label_level: int | None) -> str:
        parts = rel.split("/")
        level = self.signer_folder - 1
        # The signer folder sits above the label folder (or, for files that hold their labels,
        # above the file itself).
        below = label_level if label_level is not None else len(parts) - 1
        if level >= below:
            where = "its <label> folder" if label_level is not None else "the file"
            raise InputFileError(
                self.location(rel), f"has no folder at level {self.signer_folder} above {where} to name its signer "
                f"(ingest.sources[{self.number}].signer_folder: {self.signer_folder} reads <signer>/<label>/... "
                "with the signer folder that many levels below the source)")
        return parts[level].strip()

    def unused_metadata_rows(self) -> list[Path]:
        """Metadata rows inside this source that named no sample (a typo, or a file not there)."""
        inside = [path for path in self.signers if path == self.resolved_root or self.resolved_root in path.parents]
        return sorted(path for path in inside if path not in self.metadata_used)

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


def _match(pattern: re.Pattern, text: str) -> str:
    match = pattern.search(text)
    return match.group("signer").strip() if match and match.group("signer") else ""


def compile_pattern(pattern: str | None, key: str) -> re.Pattern | None:
    if not pattern:
        return None
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ParamsError(f"{key}: not a valid regular expression: {exc} (got {pattern!r})") from None
    if "signer" not in compiled.groupindex:
        raise ParamsError(f"{key}: needs a named group (?P<signer>...) (got {pattern!r})")
    return compiled


def read_metadata(csv_path: Path) -> dict[Path, str]:
    """Absolute path -> signer, from a CSV with columns `file` (a file or folder, relative to the
    CSV) and `signer`; other columns are ignored, rows with an empty signer name nobody. Only the
    CSV's folder is resolved: files DVC checks out as links keep the names the CSV gives them."""
    try:
        table = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputFileError(csv_path, f"cannot be read as CSV: {exc}") from None
    missing = [column for column in METADATA_COLUMNS if column not in table.columns]
    if missing:
        raise InputFileError(csv_path, f"missing column(s) {', '.join(missing)} (needs {', '.join(METADATA_COLUMNS)})")
    folder = csv_path.parent.resolve()
    return {
        Path(os.path.normpath(folder / file.strip())): signer.strip()
        for file, signer in zip(table["file"], table["signer"])
        if file.strip() and signer.strip()
    }


def hidden(name: str) -> bool:
    return name.startswith(".") or name.lower() in IGNORED_NAMES


def check_sources_exist(ingest: IngestParams) -> None:
    """Refuse missing input folders and metadata files before any work starts."""
    for index, source in enumerate(ingest.sources):
        if not Path(source.path).exists():
            raise ParamsError(f"ingest.sources[{index}].path: {source.path!r} does not exist")
        if source.metadata and not Path(source.metadata).is_file():
            raise ParamsError(
                f"ingest.sources[{index}].metadata: {source.metadata!r} does not exist"
            )


def check_sources_apart(ingest: IngestParams) -> None:
    """Refuse a source inside another (or listed twice): its samples would be read twice."""
    roots = [Path(source.path).resolve() for source in ingest.sources]
    for index, root in enumerate(roots):
        for other, outer in enumerate(roots):
            if other != index and (root == outer or outer in root.parents):
                raise ParamsError(
                    f"ingest.sources[{index}].path: {ingest.sources[index].path!r} is inside ingest.sources[{other}] "
                    f"({ingest.sources[other].path!r}), so its samples would be read twice; list one of them"
                )
