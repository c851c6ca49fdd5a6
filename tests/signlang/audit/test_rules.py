"""The flags on blocks: each kind of problem planted in real signers' blocks is found, with
its evidence, and the blocks left as recorded stay (nearly all) unflagged."""

from __future__ import annotations

import pytest

from signlang.audit.report import block_rows
from signlang.audit.rules import SEVERITY, UNTRUSTED, flag_blocks
from tests.signlang.audit.helpers import PLANTED, flags_of


def test_swapped_folders_are_named_as_a_permutation(found) -> None:
    flags = flags_of(found)
    assert flags["electronicaddict", "hello"][0] == "swapped" and flags["electronicaddict", "yes"][0] == "swapped"
    row = found.blocks[(found.blocks.signer == "electronicaddict") & (found.blocks.label == "hello")].iloc[0]
    assert row.holds == "yes" and row.folders == "hello"
    assert "hello (folder hello) -> yes" in row.evidence[0] and "yes (folder yes) -> hello" in row.evidence[0]
    assert not flags["electronicaddict", "thanks"] and not flags["electronicaddict", "no"]


def test_frozen_block_is_static_and_handless_block_no_hands(found) -> None:
    flags = flags_of(found)
    assert flags["tamtridung", "thanks"] == ["static"]
    assert flags["poojanvig", "hello"] == ["no_hands"]
    row = found.blocks[(found.blocks.signer == "poojanvig") & (found.blocks.label == "hello")].iloc[0]
    assert row.no_hand_fraction == pytest.approx(0.8, abs=0.03)
    assert "no hand in 8" in row.evidence[0]


def test_exchanged_hand_slots_and_another_sign(found) -> None:
    flags = flags_of(found)
    assert "hand_slots" in flags["Jeet10", "thanks"]
    assert flags["daita-sur", "yes"] == ["other_sign"]
    row = found.blocks[(found.blocks.signer == "daita-sur") & (found.blocks.label == "yes")].iloc[0]
    assert row.read_as == "thanks" and row.read_as_fraction >= 0.5 and row.correct_fraction <= 0.2


def test_clean_blocks_stay_unflagged(found) -> None:
    others = {key: flags for key, flags in flags_of(found).items() if key not in PLANTED}
    flagged = {key: flags for key, flags in others.items() if flags}
    assert len(flagged) <= 2, flagged
    assert not any("foreign" in flags or "swapped" in flags for flags in flagged.values())


def test_flags_are_listed_by_severity_and_untrusted_ones_are_known(found) -> None:
    order = list(SEVERITY)
    for flags in found.blocks["issues"]:
        assert flags == sorted(flags, key=order.index)
    assert set(UNTRUSTED) <= set(SEVERITY)


def test_a_block_read_as_its_own_class_in_a_third_of_its_windows_is_for_review(found) -> None:
    """A thanks folder holding 20 of the signer's thanks and 40 of their hello: misread, for review."""
    flags = flags_of(found)
    assert flags["Omar-AlQashlan", "thanks"] == ["misread"]
    row = block_rows(found).set_index(["signer", "label"]).loc["Omar-AlQashlan", "thanks"]
    assert row.severity == "review" and row.windows == 60
    assert row.correct_fraction < found.params.misread_correct and row.read_as == "hello"
    assert "most often otherwise as hello: " in row.evidence and "own form of thanks" in row.evidence
    assert not flags["Omar-AlQashlan", "hello"] and not flags["Omar-AlQashlan", "iloveyou"]


def test_misread_needs_enough_other_signers_of_the_class(found) -> None:
    classes = sorted(set(found.data.labels))
    row = found.blocks[(found.blocks.signer == "Omar-AlQashlan") & (found.blocks.label == "thanks")].iloc[0]
    strict = found.params.model_copy(update={"misread_min_signers": int(row.other_signers) + 1})
    again = flag_blocks(found.blocks.drop(columns=["issues", "evidence", "holds"]), strict, classes)
    assert again.loc[row.name, "issues"] == []
    loose = found.params.model_copy(update={"misread_correct": 0.2})
    assert flag_blocks(found.blocks.drop(columns=["issues", "evidence", "holds"]), loose, classes).loc[
        row.name, "issues"] == []
