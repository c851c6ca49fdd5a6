"""Helpers for the bench tests: the keys every figure row has. Not a test module."""

from __future__ import annotations

import json

from bench.common import Row

ROW_KEYS = {"figure", "project", "baseline", "unit", "ratio", "ratio_means", "target", "met", "available", "note", "raw"}


def check_row(row: Row) -> dict:
    """The row as its JSON record, checked to have every key and to serialise as it is."""
    record = row.to_dict()
    assert set(record) == ROW_KEYS
    json.dumps(record)  # serialisable as it is
    return record
