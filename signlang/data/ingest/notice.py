"""Warnings ingest prints on the console while it reads (stderr, one line each)."""

from __future__ import annotations

import sys


def warn(message: str) -> None:
    print(f"ingest: warning: {message}", file=sys.stderr, flush=True)
