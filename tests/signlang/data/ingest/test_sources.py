"""signlang.data.ingest.sources: what a source may be (a folder, or one .npz/.h5 file), and who
signed each sample in every layout (a fixed signer, a folder level, a pattern over the name or
the path, a metadata CSV naming files or folders), on the real recordings in ../shared/data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pydantic
import pytest

from signlang.data import ingest
from signlang.data.settings import IngestParams, SourceParams
from signlang.errors import InputFileError, ParamsError, SignlangError
from tests.signlang.data.ingest.helpers import make_ingest

MP_DATA = ("keypoints", "mp_data-sample", "AD-Codex", "MP_Data")


def _every_class(path: Path, **source) -> IngestParams:
    """Ingest of `path` with no label aliases, every class kept."""
    return IngestParams(sources=[SourceParams(path=str(path), **source)], min_samples_per_class=1)


def _signers(path: Path, **source) -> dict[str, str]:
    """id -> signer of every sample ingest finds in `path` with the signer rule `source`."""
    table = ingest.build_manifest(_every_class(path, **source))
    return dict(zip(table["id"], table["signer"]))


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


# --- who signed: one test per layout --------------------------------------------------------


def test_mp_data_signer_from_a_folder_level(shared_data: Path, tmp_path: Path) -> None:
    """<signer>/MP_Data/<label>/<sequence>/<n>.npy as published (AD-Codex's sample), and a team's
    <signer>/<label>/<sequence> tree of two people built from the same real sequences."""
    sample = shared_data.joinpath(*MP_DATA[:2])
    signers = _signers(sample, signer_folder=1)
    assert len(signers) == 30 and set(signers.values()) == {"AD-Codex"}

    team = tmp_path / "vn"
    for person, sequences in (("Lan", range(0, 5)), ("Minh", range(5, 10))):
        for number in sequences:
            shutil.copytree(shared_data.joinpath(*MP_DATA, "hello", str(number)), team / person / "xin chào" / str(number))
    signers = _signers(team, signer_folder=1)
    assert signers["vn/Lan/xin chào/0"] == "Lan" and signers["vn/Minh/xin chào/9"] == "Minh"
    assert sorted(set(signers.values())) == ["Lan", "Minh"]


def test_a_signer_folder_that_is_the_label_folder_is_refused(shared_data: Path) -> None:
    """signer_folder: 1 on AD-Codex/MP_Data itself would read the label as the signer."""
    with pytest.raises(SignlangError, match=r"no samples found .*\(30 file\(s\) could not be read, first: .*hello/0: has "
                                            r"no folder at level 1 above its <label> folder"):
        ingest.build_manifest(_every_class(shared_data.joinpath(*MP_DATA), signer_folder=1))


def test_videos_signer_from_the_name_or_the_path(shared_data: Path, tmp_path: Path) -> None:
    """Real clips as <label>/<signer>_<n>.mp4 (what `signlang capture` writes) and as
    <label>/<signer>/<clip>.mp4 (a folder per person under each word)."""
    starter = shared_data / "videos" / "asl-starter"
    named = tmp_path / "named"
    for clip, target in (("hello/hello_02.mp4", "hello/maria_1.mp4"), ("no/no_02.mp4", "no/jun_ho_4.mp4")):
        (named / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(starter / clip, named / target)
    assert _signers(named, signer_pattern=r"^(?P<signer>.+)_\d+$") == {
        "named/hello/maria_1.mp4": "maria", "named/no/jun_ho_4.mp4": "jun_ho"}
    assert _signers(named, signer_path_pattern=r"(?P<signer>[^/]+)_\d+$") == {
        "named/hello/maria_1.mp4": "maria", "named/no/jun_ho_4.mp4": "jun_ho"}

    nested = tmp_path / "nested"
    for clip, target in (("hello/hello_02.mp4", "hello/P1/take.mp4"), ("hello/hello_03.mp4", "hello/P2/take.mp4")):
        (nested / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(starter / clip, nested / target)
    table = ingest.build_manifest(_every_class(nested, signer_path_pattern=r"^[^/]+/(?P<signer>[^/]+)/"))
    # The label is the folder the clip is in: here the person's folder, not the word.
    assert dict(zip(table["signer"], table["label"])) == {"P1": "P1", "P2": "P2"}


def test_psl_h5_fixed_signer_and_folder_level(shared_data: Path) -> None:
    """The Peruvian set (one signer, files 7/*.h5 and 18/*.h5, label = file stem)."""
    psl = shared_data / "keypoints" / "psl-h5"
    signers = _signers(psl, signer="ronvidev")
    assert len(signers) == 115 and set(signers.values()) == {"ronvidev"}
    by_folder = _signers(psl, signer_folder=1)  # a file that holds its labels: any folder above it
    assert set(by_folder.values()) == {"7", "18"} and by_folder["psl-h5/18/adios.h5#1"] == "18"
    single = _signers(psl / "7" / "adios.h5", signer="ronvidev")
    assert set(single.values()) == {"ronvidev"} and len(single) == 33


def test_npz_signer_is_the_file_stem_unless_a_rule_says_otherwise(shared_data: Path, tmp_path: Path) -> None:
    vocab = tmp_path / "vocab"
    (vocab / "Ayşe").mkdir(parents=True)
    shutil.copy(shared_data / "keypoints" / "vocab" / "fatih150.npz", vocab / "Ayşe")
    assert set(_signers(vocab).values()) == {"fatih150"}
    assert set(_signers(vocab, signer_folder=1).values()) == {"Ayşe"}
    assert set(_signers(vocab, signer="F").values()) == {"F"}


def test_metadata_names_files_and_folders_nearest_first(shared_data: Path, tmp_path: Path, capsys) -> None:
    """A metadata CSV beside the real MP_Data sample: a row for the AD-Codex folder names every
    sequence below it, a row for one sequence overrides it, a row naming nothing is said."""
    root = tmp_path / "data"
    shutil.copytree(shared_data.joinpath(*MP_DATA[:3]), root / "AD-Codex")
    csv = root / "signers.csv"
    csv.write_text("file,signer,note\nAD-Codex,Adi,the folder\nAD-Codex/MP_Data/no/4, Bea ,one sequence\n"
                   "AD-Codex/MP_Data/hello/99,Cy,no such sequence\nAD-Codex/MP_Data/no/5,,empty: names nobody\n",
                   encoding="utf-8")
    signers = _signers(root, metadata=str(csv))
    assert signers["data/AD-Codex/MP_Data/no/4"] == "Bea"
    assert {signer for key, signer in signers.items() if not key.endswith("no/4")} == {"Adi"}
    assert "ingest.sources[0].metadata: 1 row(s) name a file or folder" in capsys.readouterr().err

    # The metadata comes first, then the source's rule for what it does not name.
    csv.write_text("file,signer\nAD-Codex/MP_Data/no/4,Bea\n", encoding="utf-8")
    signers = _signers(root, metadata=str(csv), signer="Adi")
    assert sorted(set(signers.values())) == ["Adi", "Bea"] and signers["data/AD-Codex/MP_Data/no/4"] == "Bea"


def test_samples_no_rule_names_are_said_per_source(shared_data: Path, capsys) -> None:
    source = shared_data.joinpath(*MP_DATA)
    table = ingest.build_manifest(_every_class(source))
    assert (table["signer"] == "").all()
    err = capsys.readouterr().err
    assert f"ingest.sources[0] ({source}): 30 of 30 samples have no signer; name them with signer: NAME" in err
    report = ingest.ingest_report(table, [], _every_class(source))
    assert report["per_source_unknown_signer"] == {str(source): 30} and report["unknown_signer_samples"] == 30


def test_one_signer_rule_per_source(shared_data: Path) -> None:
    with pytest.raises(pydantic.ValidationError, match="states signer and signer_folder; a source takes one signer rule"):
        SourceParams(path="x", signer="A", signer_folder=1)
    with pytest.raises(pydantic.ValidationError, match="signer_folder"):
        SourceParams(path="x", signer_folder=0)
    with pytest.raises(ParamsError, match=r"ingest.sources\[0\].signer_path_pattern: needs a named group"):
        ingest.build_manifest(_every_class(shared_data.joinpath(*MP_DATA), signer_path_pattern=r"(\w+)/\d+"))


def test_a_source_inside_another_is_refused(shared_data: Path) -> None:
    vocab = shared_data / "keypoints" / "vocab"
    params = IngestParams(sources=[SourceParams(path=str(vocab)), SourceParams(path=str(vocab / "fatih150.npz"))])
    with pytest.raises(ParamsError, match=r"ingest.sources\[1\].path: .*fatih150.npz' is inside ingest.sources\[0\]"):
        ingest.build_manifest(params)


def test_bad_signer_pattern_is_a_params_error(shared_data: Path, starter_raw: dict) -> None:
    source = {"path": str(shared_data / "keypoints" / "psl-h5"), "signer_pattern": r"(\w+)_\d+"}
    with pytest.raises(SignlangError, match=r"ingest.sources\[0\].signer_pattern: needs a named group"):
        ingest.build_manifest(make_ingest(starter_raw, [source]))
