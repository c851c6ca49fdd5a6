"""signlang.data.ingest.labels: label aliasing, one class per spelling up to case, spacing and
Unicode form (merges named), and a folder name read against a model's classes."""

from __future__ import annotations

import os
import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from signlang.data import ingest
from signlang.data.settings import IngestParams, SourceParams
from signlang.errors import ParamsError
from tests.signlang.data.ingest.helpers import copy_clip, make_ingest

ALIASES = {
    "thanks": ["thank you", "thankyou", "thank_you", "thanks", "thank"],
    "iloveyou": ["i love you", "iloveyou", "i_love_you", "love you"],
}


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("thank you", "thanks"),
        ("thankyou", "thanks"),
        ("Thanks", "thanks"),
        ("  Thank_You ", "thanks"),
        ("thank-you", "thanks"),
        ("THANK   YOU", "thanks"),
        ("thankYou", "thanks"),
        ("I Love You", "iloveyou"),
        ("i_love_you", "iloveyou"),
        ("ILOVEYOU", "iloveyou"),  # the key itself, any case
        # No alias: the spelling is kept as found, only trimmed.
        ("Hello", "Hello"),
        (" hello ", "hello"),
        ("thank_you_very_much", "thank_you_very_much"),
        ("cảm ơn", "cảm ơn"),
        ("Buenos_Días", "Buenos_Días"),
        ("gracias", "gracias"),
        ("Спасибо", "Спасибо"),
    ],
)
def test_canonical_label(raw: str, label: str) -> None:
    assert ingest.canonical_label(raw, ALIASES) == label


def test_canonical_label_without_aliases_and_unicode_forms() -> None:
    assert ingest.canonical_label(" Thank_You ", {}) == "Thank_You"
    decomposed = "ca\u0309m ơn"  # macOS folder names are often decomposed (NFD)
    assert ingest.canonical_label(decomposed, {}) == "cảm ơn"
    assert ingest.canonical_label(decomposed, {"thanks": ["cảm ơn"]}) == "thanks"


def test_alias_listed_under_two_classes_is_refused() -> None:
    with pytest.raises(ParamsError, match="label_aliases: 'Thank_You' is listed under both 'thanks' and 'gratitude'"):
        ingest.alias_table({"thanks": ["thank you"], "gratitude": ["Thank_You"]})


# --- one class per name: case, spacing and Unicode form -----------------------------------


def _copy_sequences(shared_data: Path, target: Path, sequences: range) -> None:
    """Real MP_Data sequences (AD-Codex's `hello`, 30 frames each) copied into `target`/<n>/."""
    source = shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data" / "hello"
    for number in sequences:
        shutil.copytree(source / str(number), target / str(number))


def _every_class(path: Path, **params) -> IngestParams:
    """Ingest of `path` (one signer, "T") with no label aliases, every class kept."""
    return IngestParams(sources=[SourceParams(path=str(path), signer="T")], min_samples_per_class=1, **params)


def _manifest(folder: Path) -> pd.DataFrame:
    return ingest.build_manifest(_every_class(folder))


def test_nfc_and_nfd_folder_names_are_one_class_and_both_are_named(tmp_path: Path, shared_data: Path, capsys) -> None:
    composed, decomposed = (unicodedata.normalize(form, "xin chào") for form in ("NFC", "NFD"))
    assert composed != decomposed
    _copy_sequences(shared_data, tmp_path / "data" / composed, range(0, 4))
    _copy_sequences(shared_data, tmp_path / "data" / decomposed, range(4, 10))
    assert len(os.listdir(tmp_path / "data")) == 2  # the file system keeps the two names apart

    table = _manifest(tmp_path / "data")
    assert table["label"].tolist() == [composed] * 10
    assert sorted(set(table["raw_label"])) == sorted([composed, decomposed])
    message = capsys.readouterr().err
    assert ascii(composed) in message and ascii(decomposed) in message and "Unicode" in message
    assert f"{ascii(composed)} (4 samples)" in message and f"{ascii(decomposed)} (6 samples)" in message
    report = ingest.ingest_report(table, [], _every_class(tmp_path / "data"))
    assert report["unicode_forms"] == {composed: {"NFC": 4, "NFD": 6}} and report["classes"] == 1


def test_case_and_spacing_variants_merge_into_the_most_recorded_spelling(tmp_path: Path, shared_data: Path,
                                                                         capsys) -> None:
    for name, sequences in (("cảm ơn", range(0, 4)), ("Cảm ơn", range(4, 7)), ("cảm_ơn", range(7, 9)),
                            ("CẢM  ƠN", range(9, 10)), ("mühendis", range(0, 3))):
        _copy_sequences(shared_data, tmp_path / "data" / name, sequences)

    table = _manifest(tmp_path / "data")
    assert table["label"].value_counts().to_dict() == {"cảm ơn": 10, "mühendis": 3}
    assert table.attrs["merged_labels"] == {"cảm ơn": ["CẢM  ƠN", "Cảm ơn", "cảm_ơn"]}
    message = capsys.readouterr().err
    assert "'cảm ơn' (4 samples)" in message and "'Cảm ơn' (3 samples)" in message
    assert "'cảm_ơn' (2 samples)" in message and "merged into one class 'cảm ơn'" in message
    report = ingest.ingest_report(table, [], _every_class(tmp_path / "data"))
    assert report["classes"] == 2 and report["merged_labels"] == {"cảm ơn": ["CẢM  ƠN", "Cảm ơn", "cảm_ơn"]}


def test_distinct_names_are_not_merged(tmp_path: Path, shared_data: Path, capsys) -> None:
    # Real cases from ../shared/data/keypoints/vocab: near spellings that are different classes.
    for index, name in enumerate(("no hand detected", "no hands detected", "sore thraot", "sore throat")):
        _copy_sequences(shared_data, tmp_path / "data" / name, range(2 * index, 2 * index + 2))
    table = _manifest(tmp_path / "data")
    assert table["label"].nunique() == 4 and table.attrs["merged_labels"] == {}
    assert capsys.readouterr().err == ""
    report = ingest.ingest_report(table, [], _every_class(tmp_path / "data"))
    assert not {"merged_labels", "unicode_forms", "aliased_labels"} & set(report)


def test_labels_are_kept_as_written_unless_params_state_an_alias(shared_data: Path, capsys) -> None:
    """The real MP_Data sample's `thankYou` folder stays `thankYou` under the code's defaults;
    the starter's English alias applies only where params state it, and is said and reported."""
    source = shared_data / "keypoints" / "mp_data-sample"
    assert IngestParams(sources=[SourceParams(path=str(source))]).label_aliases == {}
    table = ingest.build_manifest(_every_class(source))
    assert sorted(table["label"].unique()) == ["hello", "no", "thankYou"]
    assert "label_aliases" not in capsys.readouterr().err

    aliases = {"thanks": ["thank you", "thankyou"]}
    table = ingest.build_manifest(_every_class(source, label_aliases=aliases))
    assert sorted(table["label"].unique()) == ["hello", "no", "thanks"]
    assert "ingest: label_aliases: 'thankYou' (10 samples) read as class 'thanks'" in capsys.readouterr().err
    report = ingest.ingest_report(table, [], _every_class(source, label_aliases=aliases))
    assert report["aliased_labels"] == {"thanks": {"thankYou": 10}}


def test_a_folder_names_a_models_class_up_to_case_spacing_and_unicode_form() -> None:
    """How `signlang evaluate`, realtime/evaluate_clips and the continuous bench read a folder
    name against a bundle's classes: aliases first, then the spellings ingest would merge."""
    from signlang.data.ingest import class_of

    classes = ["hello", "thanks", "xin chào"]
    aliases = {"thanks": ["thank you"]}
    assert class_of("Hello", classes, aliases) == "hello"
    assert class_of("Thank_You", classes, aliases) == "thanks"
    assert class_of(unicodedata.normalize("NFD", "Xin_Chào"), classes, aliases) == "xin chào"
    assert class_of("goodbye", classes, aliases) == "goodbye"  # not a class: kept, counted as unknown


def test_aliases_and_labels_in_any_script(shared_data: Path, starter_raw: dict, tmp_path: Path) -> None:
    source = tmp_path / "words"
    folders = ["thank you", "thankyou", "Thanks", " cảm ơn", "gracias", "Buenos_Días", "Hello"]
    for number, folder in enumerate(folders):
        copy_clip(shared_data, "thank_you/thank_you_01.mp4", source / folder / f"clip_{number}.mp4")
    table = ingest.build_manifest(make_ingest(starter_raw, [{"path": str(source)}]))
    labels = dict(zip(table["raw_label"], table["label"]))
    assert labels == {
        "thank you": "thanks", "thankyou": "thanks", "Thanks": "thanks",
        "cảm ơn": "cảm ơn", "gracias": "gracias", "Buenos_Días": "Buenos_Días", "Hello": "Hello",
    }
    assert "words/ cảm ơn/clip_3.mp4" in set(table["id"])  # the id keeps the folder as it is
