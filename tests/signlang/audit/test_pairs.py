"""Pairs of signers: one person under two names is found, also when the names' classes differ
(and its windows are never read by a model that saw the other name); duplicated sequences are
listed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from signlang.audit.folders import load_folders
from signlang.audit.pairs import beyond_chance, person_groups
from signlang.audit.scoring import AuditResult, audit
from tests.signlang.audit.helpers import MULTISIGNER, SIGNERS, link, subset


def test_one_person_under_two_names(found) -> None:
    pairs = found.pairs
    same = pairs[pairs.flag == "same_person"]
    assert same[["signer_a", "signer_b"]].values.tolist() == [["hirak-alias", "hirak214"]]
    assert same.score.iloc[0] == 1.0 and "60/60" in same.evidence.iloc[0]
    exact = pairs[pairs.kind == "exact_duplicate"]
    assert set(exact.signer_a) == {"hirak-alias"} and exact.windows.sum() == 60
    # Windows of signers flagged as one person are never read by a model that saw the other.
    assert set(found.blocks[found.blocks.signer == "hirak214"].read_as) == {"hello", "thanks"}


def test_signers_flagged_as_one_person_form_one_group() -> None:
    signers = np.array(["a", "b", "c", "d"])
    pairs = [{"signer_a": "a", "signer_b": "c", "flag": "same_person"},
             {"signer_a": "c", "signer_b": "d", "flag": "same_person"},
             {"signer_a": "a", "signer_b": "b", "flag": ""}]
    groups = person_groups(signers, pairs)
    assert groups[0] == groups[2] == groups[3] and groups[1] != groups[0]


def test_share_beyond_chance() -> None:
    assert beyond_chance(1.0, 0.2) == 1.0
    assert beyond_chance(0.2, 0.2) == 0.0
    assert beyond_chance(0.6, 0.2) == pytest.approx(0.5)


@pytest.fixture(scope="module")
def disjoint(tmp_path_factory, shared_data: Path, params) -> AuditResult:
    """The ten real signers with two people each under two names whose classes do not overlap:
    SoyaChunkz (hello, thanks) and ToxicShot09 (help, no, yes), one person's two repositories
    (audit-cases-leak), and JefferyJiang-YF's iloveyou under a second name."""
    folder = link(tmp_path_factory.mktemp("disjoint") / "multisigner-258",
                  [shared_data / MULTISIGNER / f"{signer}.npz" for signer in SIGNERS])
    data = load_folders([folder, shared_data / "keypoints" / "audit-cases-leak"], params.ingest, params.features,
                        params.extract, log=lambda line: None)
    greetings = np.isin(data.labels, ["hello", "thanks"])
    data = subset(data, ~(((data.signers == "SoyaChunkz") & ~greetings) | ((data.signers == "ToxicShot09") & greetings)))
    signers = data.signers.astype(object)
    signers[(data.signers == "JefferyJiang-YF") & (data.labels == "iloveyou")] = "JefferyJiang-alias"
    return audit(replace(data, signers=signers.astype(str)), params.audit)


def test_one_person_under_two_names_whose_classes_differ(disjoint) -> None:
    pairs = disjoint.pairs
    same = pairs[pairs.flag == "same_person"]
    assert sorted(map(tuple, same[["signer_a", "signer_b"]].values.tolist())) == [
        ("JefferyJiang-YF", "JefferyJiang-alias"), ("SoyaChunkz", "ToxicShot09")]
    classes = {name: set(disjoint.data.labels[disjoint.data.signers == name]) for name in set(disjoint.data.signers)}
    for a, b in same[["signer_a", "signer_b"]].values:
        assert not classes[a] & classes[b]
    # The alias is found by camera framing, body proportions and hand size alone, not by sign.
    alias = same[same.signer_b == "JefferyJiang-alias"].iloc[0]
    assert alias.evidence.split("alone")[1] == " 60/60 and 30/30 (score 1.00)"
    assert alias.score == 1.0 and float(alias.evidence.split("(score ")[1].split(")")[0]) < 0.6
    others = pairs[(pairs.kind == "same_person") & (pairs.flag == "")]
    assert (others.score < disjoint.params.same_person_neighbours).all()
