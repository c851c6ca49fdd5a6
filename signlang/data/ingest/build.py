"""The manifest table: every source scanned, spellings merged, decisions and class filters applied."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from signlang.data.ingest.decisions import apply_decisions, dropped_samples, filter_classes
from signlang.data.ingest.labels import merge_spellings
from signlang.data.ingest.scan import scan_sources
from signlang.data.settings import IngestParams


def build_manifest(params: IngestParams, skipped: list | None = None, cache_dir: str | Path | None = None) -> pd.DataFrame:
    """The manifest table (columns COLUMNS, sorted by id). Unreadable files are appended to
    `skipped` as {"path", "reason"}; `table.attrs` holds dropped_classes and excluded, the
    spellings read as one class (aliased_labels, merged_labels, unicode_forms), the decisions
    applied and the samples they and the class filters left out. `cache_dir`: where what each
    source file held is kept between runs (None: every file is read)."""
    found = apply_decisions(merge_spellings(scan_sources(params, skipped, cache_dir)), params)
    table, dropped, excluded = filter_classes(found, params)
    table.attrs.update(dropped_classes=dropped, excluded=excluded,
                       **{key: found.attrs[key] for key in ("aliased_labels", "merged_labels", "unicode_forms")},
                       decisions=found.attrs["decisions"],
                       dropped_samples=found.attrs["decided_out"] + dropped_samples(found, table, params))
    return table
