"""Pairs of signers: those whose windows are each other's nearest neighbours (one person or
setup under two names) and duplicated sequences across signers or classes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from signlang.audit.data import AuditData
from signlang.audit.settings import AuditParams

PAIR_COLUMNS = ["kind", "signer_a", "label_a", "signer_b", "label_b", "windows", "score", "flag", "evidence"]


def nearest_windows(Z: np.ndarray, signers: np.ndarray, labels: np.ndarray,
                    chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Per window, the index of the nearest window of another signer, and of the nearest
    window of another signer or class (-1 where there is none)."""
    signer_codes = np.unique(signers, return_inverse=True)[1]
    block_codes = np.unique(np.char.add(np.char.add(signers.astype(str), "\x00"), labels.astype(str)),
                            return_inverse=True)[1]
    squares = np.einsum("ij,ij->i", Z, Z)
    other_signer = np.full(len(Z), -1)
    other_block = np.full(len(Z), -1)
    for start in range(0, len(Z), chunk):
        rows = slice(start, start + chunk)
        distances = squares[rows, None] + squares[None] - 2.0 * (Z[rows] @ Z.T)
        for found, codes in ((other_signer, signer_codes), (other_block, block_codes)):
            masked = np.where(codes[rows, None] == codes[None], np.inf, distances)
            nearest = np.argmin(masked, axis=1)
            found[rows] = np.where(np.isfinite(masked[np.arange(len(nearest)), nearest]), nearest, -1)
    return other_signer, other_block


def neighbour_shares(signers: np.ndarray, nearest: np.ndarray) -> pd.DataFrame:
    """(signer, neighbour) -> windows of signer whose nearest other-signer window is neighbour's."""
    seen = nearest >= 0
    names = sorted(set(signers))
    table = pd.crosstab(signers[seen], signers[nearest[seen]])
    return table.reindex(index=names, columns=names, fill_value=0)


def same_person_rows(signers: np.ndarray, nearest: np.ndarray, nearest_setup: np.ndarray,
                     p: AuditParams) -> list[dict]:
    """Pairs whose windows are each other's nearest neighbours, by sign and setup together
    (`nearest`) or by the setup alone (`nearest_setup`: camera framing, body proportions, hand
    size), so that one person under two names is found even when the names' classes differ.
    Each direction's share of windows is taken beyond chance (the share the other signer's
    windows would get if neighbours fell at random: (share - chance) / (1 - chance)); a score is
    the smaller direction, the pair's the larger of its two scores. Flagged from
    `same_person_neighbours` when the data holds at least `same_person_min_signers` signers
    (among fewer, the nearest other signer says little), listed from half of it."""
    counts, setup = neighbour_shares(signers, nearest), neighbour_shares(signers, nearest_setup)
    sizes = pd.Series(signers).value_counts()
    enough = len(sizes) >= p.same_person_min_signers
    rows = []
    for a in counts.index:
        for b in counts.columns:
            if not a < b:
                continue
            both, alone = mutual_score(counts, sizes, a, b), mutual_score(setup, sizes, a, b)
            score = max(both, alone)
            if score < p.same_person_neighbours / 2:
                continue
            flag = enough and score >= p.same_person_neighbours and min(sizes[a], sizes[b]) >= p.min_block_windows
            rows.append({"kind": "same_person", "signer_a": a, "label_a": "", "signer_b": b, "label_b": "",
                         "windows": int(sizes[a] + sizes[b]), "score": score, "flag": "same_person" if flag else "",
                         "evidence": (f"{int(counts.at[a, b])}/{sizes[a]} of {a}'s windows have their nearest "
                                      f"other-signer window in {b}, {int(counts.at[b, a])}/{sizes[b]} of {b}'s in "
                                      f"{a} (score {max(both, 0.0):.2f}); by camera framing, body proportions and hand size "
                                      f"alone {int(setup.at[a, b])}/{sizes[a]} and {int(setup.at[b, a])}/{sizes[b]} "
                                      f"(score {max(alone, 0.0):.2f})"
                                      + ("" if enough else f" (only {len(sizes)} signers: not flagged)"))})
    return rows


def mutual_score(counts: pd.DataFrame, sizes: pd.Series, a: str, b: str) -> float:
    """The smaller over both directions of the share of a signer's windows whose nearest
    other-signer window is the other's, beyond chance."""
    total = int(sizes.sum())
    return min(beyond_chance(counts.at[a, b] / sizes[a], sizes[b] / (total - sizes[a])),
               beyond_chance(counts.at[b, a] / sizes[b], sizes[a] / (total - sizes[b])))


def beyond_chance(share: float, chance: float) -> float:
    return (share - chance) / (1.0 - chance) if chance < 1.0 else 0.0


def duplicate_rows(data: AuditData, nearest_block: np.ndarray, p: AuditParams) -> list[dict]:
    """Exact (same content hash) and near (mean absolute difference of the raw windows at most
    `near_duplicate`) duplicates across signers or classes, one row per pair of blocks."""
    found: dict[tuple, list] = {}
    by_hash = pd.Series(np.arange(len(data.ids))).groupby(data.hashes).agg(list)
    for members in by_hash:
        for k, i in enumerate(members):
            for j in members[k + 1:]:
                _add_duplicate(found, data, i, j, 0.0, "exact_duplicate")
    for i, j in enumerate(nearest_block):
        if j >= 0 and data.hashes[i] != data.hashes[j]:
            gap = float(np.abs(data.X[i] - data.X[j]).mean())
            if gap <= p.near_duplicate:
                _add_duplicate(found, data, min(i, j), max(i, j), gap, "near_duplicate")
    return [_duplicate_row(key, pairs) for key, pairs in sorted(found.items())]


def _add_duplicate(found: dict, data: AuditData, i: int, j: int, gap: float, kind: str) -> None:
    a, b = sorted([(data.signers[i], data.labels[i], data.ids[i]), (data.signers[j], data.labels[j], data.ids[j])])
    if a[:2] != b[:2]:
        found.setdefault((kind, a[0], a[1], b[0], b[1]), []).append((a[2], b[2], gap))


def _duplicate_row(key: tuple, pairs: list) -> dict:
    kind, signer_a, label_a, signer_b, label_b = key
    pairs = sorted(set(pairs))
    shown = "; ".join(f"{x} = {y}" for x, y, _ in pairs[:3]) + (f"; ... ({len(pairs)} in all)" if len(pairs) > 3 else "")
    return {"kind": kind, "signer_a": signer_a, "label_a": label_a, "signer_b": signer_b, "label_b": label_b,
            "windows": len(pairs), "score": max(gap for _, _, gap in pairs), "flag": "duplicate",
            "evidence": ("byte-identical samples: " if kind == "exact_duplicate" else
                         "nearly identical windows (mean absolute difference of raw coordinates "
                         f"<= {max(gap for _, _, gap in pairs):.4f}): ") + shown}


def person_groups(signers: np.ndarray, pairs: list[dict]) -> np.ndarray:
    """Per window, its signer's group: signers flagged as one person are one group."""
    parent = {name: name for name in set(signers)}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    for row in pairs:
        if row["flag"] == "same_person":
            a, b = sorted([root(row["signer_a"]), root(row["signer_b"])])
            parent[b] = a
    return np.array([root(name) for name in signers], dtype=object)
