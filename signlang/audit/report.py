"""Writes what the audit found (signlang.audit.scoring.AuditResult) to a folder:

- `blocks.csv`: one row per signer x class block (BLOCK_COLUMNS), sorted by signer and class;
- `signers.csv`: signer pairs that look like one person or setup, duplicated sequences;
- `audit.md` and `audit.html`: what to look at first, with the numbers, and a suggested
  `ingest.exclude` / `ingest.relabel` for a person to decide on (never applied by the audit);
- `figures/block_NN.png`: a flagged block's mean trajectory beside its class's typical form
  (signlang.audit.figures).

Everything is sorted and rounded, with no timestamp, so the same data gives the same bytes.
"""

from __future__ import annotations

import csv
import html
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from signlang.audit.figures import write_figures
from signlang.audit.pairs import PAIR_COLUMNS
from signlang.audit.rules import SEVERITY
from signlang.io import atomic_path, atomic_write_text

if TYPE_CHECKING:
    from signlang.audit.scoring import AuditResult

BLOCK_COLUMNS = ["signer", "label", "windows", "folders", "no_hand_fraction", "motion", "hand_slot_mismatch",
                 "pose_implausible", "read_as", "read_as_fraction", "correct_fraction", "other_signers", "flag",
                 "severity", "evidence"]
SEVERITY_ORDER = ("high", "medium", "review", "low", "")


# --------------------------------------------------------------------------- tables


def block_rows(result: AuditResult) -> pd.DataFrame:
    """The blocks as written: flags joined by `;`, the highest severity, evidence joined by ` | `."""
    blocks = result.blocks.copy()
    blocks["flag"] = blocks["issues"].map(";".join)
    blocks["severity"] = blocks["issues"].map(
        lambda issues: min((SEVERITY[i] for i in issues), key=SEVERITY_ORDER.index, default=""))
    blocks["evidence"] = blocks["evidence"].map(" | ".join)
    return blocks[BLOCK_COLUMNS + ["holds"]]


def _write_csv(path: Path, table: pd.DataFrame, digits: int) -> None:
    rounded = table.copy()
    for column in rounded.columns:
        if rounded[column].dtype.kind == "f":
            rounded[column] = rounded[column].map(lambda value: f"{round(float(value), digits):g}")
    with atomic_path(path) as temporary, open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(rounded.columns))
        writer.writerows(rounded.itertuples(index=False, name=None))


# --------------------------------------------------------------------------- what to look at first


def findings(blocks: pd.DataFrame) -> list[dict]:
    """Flagged blocks, most severe first: severity, flag order, then the larger blocks."""
    flagged = blocks[blocks.flag != ""].copy()
    order = list(SEVERITY)
    flagged["rank"] = [(SEVERITY_ORDER.index(s), order.index(f.split(";")[0]), -w, sig, lab)
                       for s, f, w, sig, lab in zip(flagged.severity, flagged.flag, flagged.windows, flagged.signer,
                                                    flagged.label)]
    return flagged.sort_values("rank").drop(columns="rank").to_dict("records")


def suggestions(blocks: pd.DataFrame) -> list[str]:
    """params.yaml lines a person may choose to add under `ingest:`: foreign signers excluded
    whole, swapped folders relabelled, other_sign / no_hands / static blocks excluded; misread
    blocks as comments, to exclude only after looking at them."""
    exclude, relabel, review, done = [], [], [], set()
    for row in findings(blocks):
        first, signer = row["flag"].split(";")[0], _yaml(row["signer"])
        if first == "foreign" and row["signer"] not in done:
            done.add(row["signer"])
            exclude.append(f"    - {{signer: {signer}}}  # foreign")
        elif first == "swapped":
            relabel += [f"    - {{signer: {signer}, folder: {_yaml(folder)}, label: {_yaml(row['holds'])}}}  # swapped"
                        for folder in row["folders"].split("|")]
        elif first in ("other_sign", "no_hands", "static"):
            exclude.append(f"    - {{signer: {signer}, label: {_yaml(row['label'])}}}  # {first}")
        elif first == "misread":
            review.append(f"  #   - {{signer: {signer}, label: {_yaml(row['label'])}}}  # misread")
    if review:
        review.insert(0, "  # misread, for review: exclude only a block that is not the signer's own form of the sign")
    return (["  exclude:", *exclude] if exclude else []) + (["  relabel:", *relabel] if relabel else []) + review


def _yaml(text: str) -> str:
    import json

    return json.dumps(str(text), ensure_ascii=False)


def summary(result: AuditResult) -> dict:
    blocks, pairs, data = block_rows(result), result.pairs, result.data
    severities = blocks.severity[blocks.severity != ""].value_counts()
    return {"windows": len(data.ids), "signers": len(set(data.signers)), "classes": len(set(data.labels)),
            "blocks": len(blocks), "flagged": int((blocks.flag != "").sum()),
            "by_severity": {s: int(severities.get(s, 0)) for s in SEVERITY_ORDER[:-1]},
            "same_person": int((pairs.flag == "same_person").sum()), "duplicates": int((pairs.flag == "duplicate").sum())}


def summary_line(result: AuditResult) -> str:
    s = summary(result)
    return (f"audit: {s['windows']} windows, {s['signers']} signers, {s['blocks']} blocks; {s['flagged']} flagged "
            f"({', '.join(f'{v} {k}' for k, v in s['by_severity'].items())}), {s['same_person']} signer pair(s) like "
            f"one person, {s['duplicates']} duplicate group(s)")


def markdown(result: AuditResult, figures: dict[int, str]) -> str:
    blocks, s = block_rows(result), summary(result)
    lines = ["# Dataset audit", "",
             f"{s['windows']} windows, {s['signers']} signers, {s['classes']} classes, {s['blocks']} signer x class "
             f"blocks read from {', '.join(result.data.sources) or 'the given windows'}.",
             f"**{s['flagged']} blocks flagged** ({', '.join(f'{v} {k}' for k, v in s['by_severity'].items())}); "
             f"**{s['same_person']} signer pair(s) look like one person**; {s['duplicates']} group(s) of duplicated "
             "sequences. Each block is read by a model that never saw its signer (nor anyone like them)."
             + ("" if s["signers"] > 1 else " With one signer (or none known) no block can be read so: only "
                "no_hands, static, hand_slots and layout were checked."), "",
             "Severity: high and medium, a data problem (candidates under Acting on it); review, look at the "
             "block first: a data problem or the signer's own form of the sign; low, worth knowing.", "",
             "## Look at these first", ""]
    for n, row in enumerate(findings(blocks), 1):
        lines.append(f"{n}. **{row['flag']}** ({row['severity']}) {row['signer']} / {row['label']}, "
                     f"{row['windows']} windows: {row['evidence']}")
        if n in figures:
            lines.append(f"   ![{row['signer']} {row['label']}]({figures[n]})")
    if not findings(blocks):
        lines.append("Nothing flagged.")
    lines += ["", "## Signers that look like one person, duplicated sequences", ""]
    lines += _pairs_table(result.pairs) or ["None found."]
    lines += ["", "## Acting on it", "",
              "Nothing here is applied by itself. A person decides, in params.yaml (versioned in git, shown by "
              "`dvc params diff`), then `dvc repro`; reports/ingest.json lists what was applied. Candidates:", "",
              "```yaml", "ingest:", *(suggestions(blocks) or ["  # nothing to suggest"]), "```", ""]
    return "\n".join(lines)


def _pairs_table(pairs: pd.DataFrame) -> list[str]:
    shown = pairs[pairs.flag != ""]
    if shown.empty:
        return []
    rows = ["| flag | kind | a | b | windows | score | evidence |", "|---|---|---|---|---|---|---|"]
    for row in shown.itertuples():
        a = row.signer_a + (f" / {row.label_a}" if row.label_a else "")
        b = row.signer_b + (f" / {row.label_b}" if row.label_b else "")
        rows.append(f"| {row.flag} | {row.kind} | {a} | {b} | {row.windows} | {row.score:.3f} | {row.evidence} |")
    return rows


def html_page(markdown_text: str) -> str:
    """audit.md as a plain HTML page: headings, list items with their pictures, tables, code."""
    body, in_code, in_table = [], False, False
    for line in markdown_text.splitlines():
        if line.startswith("```"):
            body.append("</pre>" if in_code else "<pre>")
            in_code = not in_code
        elif in_code:
            body.append(html.escape(line))
        elif line.startswith("|"):
            if not in_table:
                body.append("<table>")
                in_table = True
            if not line.startswith("|---"):
                cells = [html.escape(cell.strip()) for cell in line.strip("|").split("|")]
                body.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
        else:
            if in_table:
                body.append("</table>")
                in_table = False
            body.append(_html_line(line))
    style = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;line-height:1.4}"
             "img{max-width:100%;border:1px solid #ccc}td{border:1px solid #ccc;padding:2px 6px}"
             "table{border-collapse:collapse}pre{background:#f4f4f4;padding:1em}")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Dataset audit</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def _html_line(line: str) -> str:
    text = line.strip()
    if text.startswith("!["):
        alt, src = text[2:].split("](", 1)
        return f'<p><img src="{html.escape(src[:-1])}" alt="{html.escape(alt)}"></p>'
    escaped = html.escape(text)
    while "**" in escaped:
        escaped = escaped.replace("**", "<b>", 1).replace("**", "</b>", 1)
    if text.startswith("# "):
        return f"<h1>{escaped[2:]}</h1>"
    if text.startswith("## "):
        return f"<h2>{escaped[3:]}</h2>"
    return f"<p>{escaped}</p>" if text else ""


# --------------------------------------------------------------------------- the folder


def write_audit(result: AuditResult, out: str | Path) -> Path:
    """blocks.csv, signers.csv, audit.md, audit.html and figures/ in `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "blocks.csv", block_rows(result)[BLOCK_COLUMNS], 3)
    _write_csv(out / "signers.csv", result.pairs[PAIR_COLUMNS], 4)
    text = markdown(result, write_figures(result, findings(block_rows(result)), out))
    atomic_write_text(out / "audit.md", text)
    atomic_write_text(out / "audit.html", html_page(text))
    return out
