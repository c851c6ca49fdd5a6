"""What ingest will make of a dataset, before it is imported: the same scan (same readers, label
rules and signer rules), summarised for a person, the exact `ingest.sources` lines that read it,
and a signers CSV template for the samples no rule names.

`signlang import` prints this for the folder or file it is given; nothing here copies or changes
the data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from signlang.data.ingest import filter_classes, merge_spellings, scan_sources
from signlang.data.settings import IngestParams, SourceParams
from signlang.errors import SignlangError

# Printed when some samples have no signer: the ways to name them, one line each.
SIGNER_RULE_HELP = (
    "signer: NAME                      everyone in this source is one person",
    "signer_folder: 1                  <signer>/<label>/<sequence or clip>: the top folders are people",
    "signer_pattern: '^(?P<signer>.+)_\\d+$'        names such as <label>/<signer>_<n>(.mp4)",
    "signer_path_pattern: '^[^/]+/(?P<signer>[^/]+)/'  any part of the path, e.g. <label>/<signer>/<n>",
    "metadata: FILE.csv                columns file,signer; a row names a file, sequence or folder",
)


@dataclass
class Preview:
    """A dataset as ingest reads it: every sample found (`table`, spellings merged, before the
    class filters), the classes the filters would leave out, the files it cannot use and why."""

    source: SourceParams
    table: pd.DataFrame
    dropped_classes: dict[str, int] = field(default_factory=dict)
    skipped: list[dict] = field(default_factory=list)

    def per_class(self) -> pd.DataFrame:
        """Per class: samples, signers (named ones), frames per sample (min, median, max)."""
        groups = self.table.groupby("label")
        return pd.DataFrame({
            "samples": groups.size(),
            "signers": groups["signer"].agg(lambda s: s[s != ""].nunique()),
            "frames_min": groups["frames"].min(),
            "frames_median": groups["frames"].median(),
            "frames_max": groups["frames"].max(),
        }).sort_index()


def preview(source: SourceParams, ingest: IngestParams | None = None) -> Preview:
    """Scan one source exactly as the ingest stage would with `ingest`'s label and class rules
    (params.yaml's; its own sources and decisions are left aside). Raises SignlangError when it
    holds no usable sample."""
    settings = {} if ingest is None else ingest.model_dump(
        include={"signer_pattern", "label_aliases", "include_labels", "min_samples_per_class"})
    params = IngestParams(**settings, sources=[source], on_error="skip")
    skipped: list[dict] = []
    found = merge_spellings(scan_sources(params, skipped))
    try:
        kept = set(filter_classes(found, params)[0]["label"])
    except SignlangError:  # no class passes: each is named below
        kept = set()
    counts = found["label"].value_counts()
    dropped = {str(label): int(count) for label, count in sorted(counts.items()) if label not in kept}
    return Preview(source, found, dropped, skipped)


def describe(result: Preview) -> list[str]:
    """The lines `signlang import` prints: totals, one line per class, then the problems."""
    table = result.table
    signers = sorted(set(table["signer"]) - {""})
    lines = [f"{len(table)} samples, {table['label'].nunique()} classes, {len(signers)} signers"
             + (f" ({', '.join(signers[:10])}{', ...' if len(signers) > 10 else ''})" if signers else "")
             + f"; kinds: {', '.join(f'{k} {n}' for k, n in table['kind'].value_counts().sort_index().items())}"]
    per_class = result.per_class()
    width = max(5, *(len(label) for label in per_class.index))
    lines.append(f"  {'class':<{width}}  samples  signers  frames (min / median / max)")
    for row in per_class.itertuples():
        lines.append(f"  {row.Index:<{width}}  {row.samples:>7}  {row.signers:>7}  "
                     f"{row.frames_min} / {row.frames_median:g} / {row.frames_max}"
                     + ("   (left out by the class filters)" if row.Index in result.dropped_classes else ""))
    lines += problems(result)
    return lines


def problems(result: Preview) -> list[str]:
    """What will go wrong or be left out, each with what to do."""
    table, out = result.table, []
    unknown = int((table["signer"] == "").sum())
    if unknown:
        out.append(f"problem: {unknown} of {len(table)} samples have no signer; the split stage stops without signers "
                   "(or set split.by: sequence). Name them with one of:")
        out += [f"    {line}" for line in SIGNER_RULE_HELP]
    known = set(table["signer"]) - {""}
    if known and len(known) < 3:
        out.append(f"problem: {len(known)} signer(s): a split by signer needs 3 (train, val and test a person each); "
                   "record more people or set split.by: sequence")
    single = table[table["signer"] != ""].groupby("label")["signer"].nunique()
    single = sorted(single[single == 1].index)
    if known and single:
        out.append(f"note: {len(single)} class(es) recorded by one signer ({', '.join(single[:8])}"
                   f"{', ...' if len(single) > 8 else ''}): a split by signer trains or tests them, never both")
    if result.dropped_classes:
        out.append(f"problem: left out by ingest.min_samples_per_class or include_labels: "
                   f"{', '.join(f'{k} ({n})' for k, n in result.dropped_classes.items())}")
    unreadable = result.skipped
    if unreadable:
        out.append(f"problem: {len(unreadable)} file(s) cannot be used:")
        out += [f"    {entry['path']}: {entry['reason']}" for entry in unreadable[:10]]
        if len(unreadable) > 10:
            out.append(f"    ... and {len(unreadable) - 10} more")
    return out


def source_lines(source: SourceParams) -> list[str]:
    """The `ingest.sources` entry as YAML lines, indented as in params.yaml."""
    lines = [f"    - path: {_yaml(source.path)}"]
    for key in ("metadata", "signer", "signer_folder", "signer_pattern", "signer_path_pattern"):
        value = getattr(source, key)
        if value is not None:
            lines.append(f"      {key}: {value if isinstance(value, int) else _yaml(str(value))}")
    return lines


def _yaml(text: str) -> str:
    """A YAML scalar: plain when safe, else single-quoted."""
    import yaml

    plain = yaml.safe_dump(text, allow_unicode=True, default_style=None).strip().removesuffix("\n...").strip()
    return plain if plain == text else "'" + text.replace("'", "''") + "'"


def signers_template(result: Preview, csv_folder: Path, data_root: Path) -> pd.DataFrame:
    """Rows file,signer,labels for a metadata CSV written in `csv_folder`: one per sample file or
    sequence folder (one per .npz/.h5 file), `file` relative to the CSV as if the data sat at
    `data_root`, `signer` as ingest found it ("" where no rule names one), `labels` its classes
    (ingest reads only file and signer)."""
    root = Path(result.source.path)
    root = root.parent if root.is_file() else root
    rows = []
    for path, group in result.table.groupby("path", sort=True):
        file = Path(os.path.relpath(data_root / Path(path).relative_to(root), csv_folder)).as_posix()
        rows.append({"file": file, "signer": group["signer"].iloc[0],
                     "labels": " | ".join(sorted(group["label"].unique()))})
    return pd.DataFrame(rows, columns=["file", "signer", "labels"])
