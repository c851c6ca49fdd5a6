"""Labels: a folder name or recorded label -> its class (label_aliases, then one class per
spelling up to case, spacing, `_`/`-` and Unicode form), in the script it was written in."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

import pandas as pd

from signlang.data.ingest.notice import warn
from signlang.errors import ParamsError


def fold_label(raw: str) -> str:
    """The form spellings are compared in: trimmed, `_`/`-` as spaces, one space, case-folded."""
    text = unicodedata.normalize("NFC", str(raw)).replace("_", " ").replace("-", " ")
    return " ".join(text.split()).casefold()


def alias_table(aliases: Mapping[str, list[str]]) -> dict[str, str]:
    """Folded spelling -> class name, for every key and every spelling listed under it."""
    table: dict[str, str] = {}
    for key, spellings in aliases.items():
        for spelling in [key, *spellings]:
            folded = fold_label(spelling)
            if table.get(folded, key) != key:
                raise ParamsError(
                    f"ingest.label_aliases: {spelling!r} is listed under both {table[folded]!r} and {key!r}"
                )
            table[folded] = key
    return table


def canonical_label(raw: str, aliases: Mapping[str, list[str]]) -> str:
    """The class of a raw label: its alias key when a spelling matches, else itself, trimmed
    (script, accents and case kept; only Unicode-composed to NFC)."""
    return canonical(raw, alias_table(aliases))


def class_of(raw: str, classes: Sequence[str], aliases: Mapping[str, list[str]]) -> str:
    """The class of a model (`classes`, e.g. a bundle's) a raw label names: through `aliases`,
    then up to case, spacing, `_`/`-` and Unicode form as ingest merges spellings (a `Hello/`
    folder is the class `hello`); a label naming none of them comes back as `canonical_label`."""
    label = canonical_label(raw, aliases)
    if label in classes:
        return label
    return {fold_label(name): name for name in classes}.get(fold_label(label), label)


def canonical(raw: str, table: Mapping[str, str]) -> str:
    return table.get(fold_label(raw), unicodedata.normalize("NFC", str(raw).strip()))


def unicode_form(text: str) -> str:
    """NFC, NFD, or "mixed" (neither): how a name's accented letters are stored."""
    if unicodedata.is_normalized("NFC", text):
        return "NFC"
    return "NFD" if unicodedata.is_normalized("NFD", text) else "mixed"


def merge_spellings(table: pd.DataFrame) -> pd.DataFrame:
    """One class per name up to case, spacing, `_`/`-` and Unicode form (`fold_label`): `Hello`
    and `hello`, `xin  chào` and `xin chào` become the spelling with the most samples (ties:
    the first in code-point order), named on stderr with the others. Raw names differing only
    in Unicode form (NFC and NFD `chào`, one class since `canonical` composes to NFC) are named
    too. `attrs["merged_labels"]`: {class kept: [spellings merged into it]}; `attrs["unicode_forms"]`:
    {class: {"NFC": samples, "NFD": samples}} where one name came in several forms."""
    attrs = dict(table.attrs)
    counts = table["label"].value_counts()
    renames, merged = {}, {}
    for names in table.groupby(table["label"].map(fold_label), sort=True)["label"].unique():
        if len(names) > 1:
            kept = min(names, key=lambda name: (-counts[name], name))
            merged[kept] = sorted(name for name in names if name != kept)
            renames.update(dict.fromkeys(merged[kept], kept))
            warn(f"class names {', '.join(f'{n!r} ({counts[n]} samples)' for n in sorted(names))} differ only in "
                 f"case, spacing or Unicode form: merged into one class {kept!r}")
    table = table.assign(label=table["label"].replace(renames)) if renames else table.copy()
    forms: dict[str, dict[str, int]] = {}
    raw = table[["raw_label", "label"]]
    for composed, group in raw.groupby(raw["raw_label"].map(lambda name: unicodedata.normalize("NFC", name)), sort=True):
        spellings = group["raw_label"].value_counts()
        if len(spellings) > 1:
            warn(f"names {', '.join(f'{ascii(form)} ({count} samples)' for form, count in sorted(spellings.items()))} "
                 f"are {composed!r} in different Unicode forms (NFC, NFD): read as one class, in NFC")
            name = group["label"].mode().iloc[0]
            for spelling, count in spellings.items():
                entry = forms.setdefault(name, {})
                entry[unicode_form(spelling)] = entry.get(unicode_form(spelling), 0) + int(count)
    table.attrs = {**attrs, "merged_labels": merged,
                   "unicode_forms": {name: dict(sorted(entry.items())) for name, entry in sorted(forms.items())}}
    return table
