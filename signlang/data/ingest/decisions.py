"""What ingest leaves out or relabels after scanning: a person's decisions (ingest.relabel,
ingest.exclude) and the class filters (include_labels, min_samples_per_class), each sample
left out named with the reason."""

from __future__ import annotations

import unicodedata

import pandas as pd

from signlang.data.ingest.labels import alias_table, canonical, fold_label
from signlang.data.ingest.manifest import sample_location
from signlang.data.ingest.notice import warn
from signlang.data.settings import IngestParams
from signlang.errors import SignlangError


def filter_classes(table: pd.DataFrame, params: IngestParams) -> tuple[pd.DataFrame, dict[str, int], int]:
    """Apply include_labels and min_samples_per_class: (kept rows, dropped class -> count,
    number of samples left out by include_labels)."""
    excluded = 0
    if params.include_labels:
        aliases = alias_table(params.label_aliases)
        wanted = {canonical(label, aliases) for label in params.include_labels}
        keep = table["label"].isin(wanted)
        excluded = int((~keep).sum())
        table = table[keep]
    counts = table["label"].value_counts()
    small = counts[counts < params.min_samples_per_class]
    dropped = {str(label): int(count) for label, count in sorted(small.items())}
    table = table[~table["label"].isin(dropped)].reset_index(drop=True)
    if table.empty:
        raise SignlangError(
            "ingest: no samples left after include_labels and min_samples_per_class "
            f"({params.min_samples_per_class}); dropped classes: {dropped or 'none'}"
        )
    return table, dropped, excluded


def apply_decisions(table: pd.DataFrame, params: IngestParams) -> pd.DataFrame:
    """A person's decisions (after `signlang audit`): `ingest.relabel` gives a signer's samples
    from one folder (raw_label) another class, then `ingest.exclude` leaves out a signer, or a
    signer's class. `attrs["decisions"]`: each rule with the samples it matched (a rule that
    matches none is named on stderr); `attrs["decided_out"]`: {"path", "reason"} per sample left out."""
    aliases = alias_table(params.label_aliases)
    table = table.copy()  # keeps attrs
    relabelled = _relabel(table, params, aliases)
    out, excluded, decided_out = _exclude(table, params, aliases)
    for key, entries in (("relabel", relabelled), ("exclude", excluded)):
        for entry in entries:
            if entry["samples"] == 0:
                warn(f"ingest.{key} {({k: v for k, v in entry.items() if k != 'samples'})} matches no sample")
    kept = table[~out].reset_index(drop=True)
    kept.attrs.update(table.attrs, decisions={"exclude": excluded, "relabel": relabelled}, decided_out=decided_out)
    return kept


def _from_folder(table: pd.DataFrame, folder: str) -> pd.Series:
    """Rows whose source folder (raw_label, kept as stored: NFC or NFD) is `folder` as a person
    wrote it in params.yaml, compared in one Unicode form."""
    wanted = unicodedata.normalize("NFC", folder.strip())
    return table["raw_label"].map(lambda name: unicodedata.normalize("NFC", name)) == wanted


def _relabel(table: pd.DataFrame, params: IngestParams, aliases: dict[str, str]) -> list[dict]:
    """Apply ingest.relabel to `table` in place; each rule with the samples it matched. A target
    spelled like an existing class up to case, spacing or Unicode form is that class."""
    entries = []
    existing = {fold_label(label): label for label in sorted(table["label"].unique())}
    for rule in params.relabel:
        hit = (table["signer"] == rule.signer) & _from_folder(table, rule.folder)
        target = canonical(rule.label, aliases)
        table.loc[hit, "label"] = existing.get(fold_label(target), target)
        entries.append({**rule.model_dump(), "samples": int(hit.sum())})
    return entries


def _exclude(table: pd.DataFrame, params: IngestParams, aliases: dict[str, str]) -> tuple[pd.Series, list, list]:
    """(rows ingest.exclude leaves out, each rule with the samples it matched, {"path", "reason"}
    per sample left out); a sample is counted by the first rule that matches it."""
    out, entries, reasons = pd.Series(False, index=table.index), [], []
    for number, rule in enumerate(params.exclude):
        hit = (table["signer"] == rule.signer) & ~out
        if rule.label is not None:
            hit &= table["label"] == canonical(rule.label, aliases)
        if rule.folder is not None:
            hit &= _from_folder(table, rule.folder)
        described = rule.model_dump(exclude_none=True)
        entries.append({**described, "samples": int(hit.sum())})
        reasons += [(index, f"left out by ingest.exclude[{number}] ({described})") for index in table.index[hit]]
        out |= hit
    decided_out = [{"path": sample_location(table.loc[index]), "reason": reason} for index, reason in sorted(reasons)]
    return out, entries, decided_out



def dropped_samples(found: pd.DataFrame, kept: pd.DataFrame, params: IngestParams) -> list[dict]:
    """{"path", "reason"} of every readable sample the class filters left out, so none is
    dropped silently (ordered by id)."""
    counts = found["label"].value_counts()
    wanted = None
    if params.include_labels:
        aliases = alias_table(params.label_aliases)
        wanted = {canonical(label, aliases) for label in params.include_labels}
    entries = []
    for row in found[~found["id"].isin(set(kept["id"]))].to_dict("records"):
        label = row["label"]
        if wanted is not None and label not in wanted:
            reason = f"class {label!r} is not in ingest.include_labels"
        else:
            reason = (f"class {label!r} has {int(counts[label])} samples, fewer than "
                      f"ingest.min_samples_per_class ({params.min_samples_per_class})")
        index = "" if pd.isna(row["index"]) else f"#{int(row['index'])}"
        entries.append({"path": f"{row['path']}{index}", "reason": reason})
    return entries
