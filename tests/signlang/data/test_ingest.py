"""signlang.data.ingest helpers: label aliasing, reading keypoint samples back from manifest rows
(every keypoint kind, real files), and the manifest CSV round trip."""

from __future__ import annotations

import hashlib
import os
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signlang.data import ingest
from signlang.errors import InputFileError, ParamsError
from signlang.data.settings import IngestParams, SourceParams

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


# --- reading samples back -----------------------------------------------------------------


def test_load_npz_sample(shared_data: Path) -> None:
    path = shared_data / "keypoints" / "multisigner-258" / "daita-sur.npz"
    with np.load(path) as data:
        expected = data["X"][7]
    for index in (7, "7", 7.0):  # int, as read from CSV, as a float column
        frames = ingest.load_keypoint_sample({"kind": "npz", "path": str(path), "index": index})
        assert frames.dtype == np.float32 and frames.shape == (15, 258)
        np.testing.assert_array_equal(frames, expected.astype(np.float32))
    with pytest.raises(InputFileError, match="no row 100000"):
        ingest.load_keypoint_sample({"kind": "npz", "path": str(path), "index": 100000})
    with pytest.raises(InputFileError, match="no index"):
        ingest.load_keypoint_sample({"kind": "npz", "path": str(path), "index": ""})


def test_npz_files_are_opened_once(shared_data: Path) -> None:
    path = str(shared_data / "keypoints" / "multisigner-258" / "hirak214.npz")
    ingest._read_npz_cached.cache_clear()
    for index in range(60):
        ingest.load_keypoint_sample(pd.Series({"kind": "npz", "path": path, "index": index}))
    info = ingest._read_npz_cached.cache_info()
    assert info.misses == 1 and info.hits == 59


def test_load_mp_data_sample_in_numeric_frame_order(shared_data: Path) -> None:
    folder = shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data" / "thankYou" / "3"
    frames = ingest.load_keypoint_sample({"kind": "mp_data", "path": str(folder), "index": None})
    assert frames.dtype == np.float32 and frames.shape == (30, 1662)
    np.testing.assert_array_equal(frames[10], np.load(folder / "10.npy").astype(np.float32))
    np.testing.assert_array_equal(frames[2], np.load(folder / "2.npy").astype(np.float32))
    assert [p.name for p in ingest.mp_data_frame_files(folder)][:4] == ["0.npy", "1.npy", "2.npy", "3.npy"]


def test_load_psl_h5_sample_ordered_by_frame(shared_data: Path) -> None:
    path = shared_data / "keypoints" / "psl-h5" / "7" / "buenos_dias.h5"
    table = pd.read_hdf(path)
    sample = int(table["sample"].iloc[-1])
    rows = table[table["sample"] == sample].sort_values("frame")
    frames = ingest.load_keypoint_sample({"kind": "psl_h5", "path": str(path), "index": sample})
    assert frames.shape == (len(rows), 1662) and frames.dtype == np.float32
    np.testing.assert_array_equal(frames, np.stack(rows["keypoints"].to_list()).astype(np.float32))
    with pytest.raises(InputFileError, match="no sample 9999"):
        ingest.load_keypoint_sample({"kind": "psl_h5", "path": str(path), "index": 9999})


def test_load_refuses_videos_and_unknown_kinds(shared_data: Path) -> None:
    clip = str(shared_data / "videos" / "asl-starter" / "hello" / "hello_02.mp4")
    with pytest.raises(InputFileError, match="is a video"):
        ingest.load_keypoint_sample({"kind": "video", "path": clip, "index": ""})
    with pytest.raises(InputFileError, match="unknown manifest kind 'csv'"):
        ingest.load_keypoint_sample({"kind": "csv", "path": clip, "index": ""})


def test_cached_npz_is_reread_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "signer.npz"
    np.savez(path, X=np.zeros((1, 4, 258), np.float16), label=np.array(["hello"]))
    assert ingest.load_keypoint_sample({"kind": "npz", "path": str(path), "index": 0}).sum() == 0
    np.savez(path, X=np.ones((2, 5, 258), np.float16), label=np.array(["hello", "no"]))
    again = ingest.load_keypoint_sample({"kind": "npz", "path": str(path), "index": 1})
    assert again.shape == (5, 258) and again.sum() == 5 * 258


# --- manifest CSV -------------------------------------------------------------------------


def test_manifest_round_trip_keeps_types_and_odd_labels(tmp_path: Path) -> None:
    rows = [
        {"id": "s/NA/a.mp4", "label": "NA", "raw_label": "NA", "signer": "", "source": "s", "path": "s/NA/a.mp4",
         "index": None, "content_hash": hashlib.sha256(b"a").hexdigest(), "frames": 12, "fps": 29.97003, "kind": "video"},
        {"id": "s/x.npz#3", "label": "None", "raw_label": "none ", "signer": "null", "source": "s",
         "path": "s/x.npz", "index": 3, "content_hash": hashlib.sha256(b"b").hexdigest(), "frames": 30, "fps": None,
         "kind": "npz"},
    ]
    table = ingest._frame(rows)
    ingest.write_manifest(table, tmp_path / "m.csv")
    back = ingest.read_manifest(tmp_path / "m.csv")
    assert back["label"].tolist() == ["NA", "None"] and back["signer"].tolist() == ["", "null"]
    assert back["index"].tolist()[1] == 3 and pd.isna(back["index"].iloc[0])
    assert back["fps"].iloc[0] == pytest.approx(29.97003) and np.isnan(back["fps"].iloc[1])
    assert back["frames"].tolist() == [12, 30]
    text = (tmp_path / "m.csv").read_text(encoding="utf-8").splitlines()
    assert text[0] == ",".join(ingest.COLUMNS)
    assert text[1] == f"s/NA/a.mp4,NA,NA,,s,s/NA/a.mp4,,{rows[0]['content_hash']},12,29.97003,video"
    assert ",3," in text[2] and text[2].endswith(",30,,npz")


# --- one class per name: case, spacing and Unicode form -----------------------------------


def _copy_sequences(shared_data: Path, target: Path, sequences: range) -> None:
    """Real MP_Data sequences (AD-Codex's `hello`, 30 frames each) copied into `target`/<n>/."""
    source = shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data" / "hello"
    for number in sequences:
        shutil.copytree(source / str(number), target / str(number))


def _every_class(path: Path) -> IngestParams:
    """Ingest of `path` with no label aliases, every class kept."""
    return IngestParams(sources=[SourceParams(path=str(path))], label_aliases={}, min_samples_per_class=1)


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
    assert "warning" not in capsys.readouterr().err


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


def test_one_keypoint_file_is_a_source(shared_data: Path) -> None:
    """`- path: .../vocab/fatih150.npz`: only that file is read (not its neighbours), ids and
    paths written from its folder, labels exactly as recorded (one Turkish with ş and ü)."""
    vocab = shared_data / "keypoints" / "vocab"
    table = ingest.build_manifest(_every_class(vocab / "fatih150.npz"))
    assert len(table) == 90 and set(table["path"]) == {f"{vocab.as_posix()}/fatih150.npz"}
    assert table["id"].iloc[0] == "vocab/fatih150.npz#0"
    assert sorted(table["label"].unique()) == ["evet", "merhaba", "teşekkürederim"]


def test_a_source_that_is_neither_a_folder_nor_a_keypoint_file_is_named(shared_data: Path, tmp_path: Path) -> None:
    clips_csv = shared_data / "videos" / "clips.csv"
    with pytest.raises(InputFileError, match=r"clips\.csv: ingest.sources\[0\].path is a \.csv file; a source is a folder or one"):
        ingest.build_manifest(_every_class(clips_csv))
    with pytest.raises(InputFileError, match="ingest.sources\\[0\\].path is neither a folder nor a data file"):
        ingest.build_manifest(_every_class(tmp_path / "missing"))
