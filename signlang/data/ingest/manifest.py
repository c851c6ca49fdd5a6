"""data/manifest.csv, the data contract (docs/design.md): its columns, the table built from
scanned rows, how a row is named in reports, and the CSV written and read back."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from signlang import paths
from signlang.errors import InputFileError
from signlang.io import atomic_path

COLUMNS = ["id", "label", "raw_label", "signer", "source", "path", "index", "content_hash", "frames", "fps", "kind"]


def to_table(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["index"] = table["index"].astype("Int64")
    table["frames"] = table["frames"].astype("int64")
    table["fps"] = table["fps"].astype("float64")
    return table.sort_values("id", kind="stable").reset_index(drop=True)



def sample_location(row: Mapping) -> str:
    """A manifest row as reports and messages name it: its file, plus `#index` inside a file
    that holds several samples."""
    index = row.get("index")
    if index is None or index == "" or pd.isna(index):
        return str(row["path"])
    return f"{row['path']}#{int(index)}"



def write_manifest(table: pd.DataFrame, path: str | Path = paths.MANIFEST) -> None:
    """Write the manifest CSV (UTF-8, `\\n` line ends, empty cells for unknown values)."""
    with atomic_path(path) as temporary:
        table[COLUMNS].to_csv(temporary, index=False, lineterminator="\n", encoding="utf-8")


def read_manifest(path: str | Path = paths.MANIFEST) -> pd.DataFrame:
    """Read data/manifest.csv back with the types build_manifest gives (labels such as `NA`
    or `None` stay strings; index Int64, frames int, fps float with NaN when unknown)."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "manifest not found (run the ingest stage first)")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [column for column in COLUMNS if column not in table.columns]
    if missing:
        raise InputFileError(path, f"missing column(s) {', '.join(missing)}")
    table["index"] = pd.to_numeric(table["index"].replace("", None)).astype("Int64")
    table["frames"] = table["frames"].astype("int64")
    table["fps"] = pd.to_numeric(table["fps"].replace("", None)).astype("float64")
    return table[COLUMNS]
