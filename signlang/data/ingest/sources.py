"""One `ingest.sources` entry while it is walked: its root, the manifest paths and ids written
from it, and where its signers come from (metadata CSV, signer pattern)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from signlang.data.settings import IngestParams, SourceParams
from signlang.errors import InputFileError, ParamsError

# Files that carry their own labels, so one of them alone can be a source.
SINGLE_FILE_EXTENSIONS = (".npz", ".h5", ".hdf5")
IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini"})


class Source:
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


def hidden(name: str) -> bool:
    return name.startswith(".") or name.lower() in IGNORED_NAMES


def check_sources_exist(ingest: IngestParams) -> None:
    """Refuse missing input folders before any work starts."""
    for index, source in enumerate(ingest.sources):
        if not Path(source.path).exists():
            raise ParamsError(f"ingest.sources[{index}].path: {source.path!r} does not exist")
        if source.metadata and not Path(source.metadata).is_file():
            raise ParamsError(
                f"ingest.sources[{index}].metadata: {source.metadata!r} does not exist"
            )
