"""Files that cannot be used: listed with the reason (ingest.on_error: skip) or the first one
stops the run (strict)."""

from __future__ import annotations

from signlang.errors import InputFileError


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
