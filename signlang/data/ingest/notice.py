"""Warnings ingest prints on the console while it reads (stderr, one line each)."""

from __future__ import annotations

import sys


def warn(message: str) -> None:
    print(f"ingest: warning: {message}", file=sys.stderr, flush=True)


def say(message: str) -> None:
    """A note on what ingest did that is not a problem (an alias applied, a merge stated in params)."""
    print(f"ingest: {message}", file=sys.stderr, flush=True)
