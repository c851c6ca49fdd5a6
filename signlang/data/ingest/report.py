"""reports/ingest.json (counts per kind, class, source and signer; merges; decisions) and the
stage's one console line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pandas as pd

from signlang import paths
from signlang.data.ingest.readers import KINDS
from signlang.data.settings import IngestParams


def ingest_report(table: pd.DataFrame, skipped: list, params: IngestParams) -> dict:
    """Counts per kind, class and source, signers, skipped files and dropped classes."""
    def counts(values: Iterable) -> dict:
        return {str(key): int(count) for key, count in sorted(Counter(values).items())}

    signers = table["signer"][table["signer"] != ""]
    report = {
        "samples": int(len(table)),
        "classes": int(table["label"].nunique()),
        "signers": int(signers.nunique()),
        "unknown_signer_samples": int((table["signer"] == "").sum()),
        "skipped": len(skipped),
        "dropped_samples": len(table.attrs.get("dropped_samples", [])),
        "per_kind": {kind: int((table["kind"] == kind).sum()) for kind in KINDS},
        "per_class": counts(table["label"]),
        # How many people recorded each class: where few did, new people will sign it differently.
        "per_class_signers": {str(label): int(group.loc[group != ""].nunique())
                              for label, group in sorted(table.groupby("label")["signer"])},
        "per_source": {source.path: int((table["source"] == source.path).sum()) for source in params.sources},
        # Samples of each source no signer rule named (a split by signer cannot place them).
        "per_source_unknown_signer": {source.path: int(((table["source"] == source.path) & (table["signer"] == "")).sum())
                                      for source in params.sources},
        "dropped_classes": dict(table.attrs.get("dropped_classes", {})),
        "excluded_by_include_labels": int(table.attrs.get("excluded", 0)),
    }
    # Every spelling read as another: label_aliases ({class: {spelling: samples}}), names differing
    # only in case or spacing ({class kept: [spellings merged into it]}), names stored in several
    # Unicode forms ({class: {"NFC": samples, "NFD": samples}}).
    for key in ("aliased_labels", "merged_labels", "unicode_forms"):
        if table.attrs.get(key):
            report[key] = dict(sorted(table.attrs[key].items()))
    decisions = table.attrs.get("decisions", {})
    if any(decisions.values()):  # ingest.exclude / ingest.relabel, each with the samples it matched
        report["decisions"] = decisions
    return report


def summary_line(report: dict) -> str:
    """One line for the terminal: samples, classes, signers, skipped."""
    decided = sum(rule["samples"] for rule in report.get("decisions", {}).get("exclude", []))
    relabelled = sum(rule["samples"] for rule in report.get("decisions", {}).get("relabel", []))
    dropped = report.get("dropped_samples", 0) - decided
    return (
        f"ingest: {report['samples']} samples, {report['classes']} classes, {report['signers']} signers, "
        f"{report['skipped']} skipped"
        + (f", {decided} left out by ingest.exclude" if decided else "")
        + (f", {relabelled} relabelled by ingest.relabel" if relabelled else "")
        + (f", dropped classes {', '.join(report['dropped_classes'])}" if report["dropped_classes"] else "")
        + (f", {dropped} samples left out by the class filters" if dropped else "")
        + (f" (reasons in {paths.INGEST_SKIPPED})" if report["skipped"] or dropped or decided else "")
    )
