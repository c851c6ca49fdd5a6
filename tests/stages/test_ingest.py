"""Ingest stage on the real recordings in ../shared/data: every source format, labels and
aliases, signers, files that must be skipped or ignored, class filters, the files the stage
writes (byte-identical on a rerun) and the `python -m stages.ingest` entry point."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import stages.ingest
from signlang import paths
from signlang.data import ingest
from signlang.data.settings import IngestParams
from signlang.errors import SignlangError
from signlang.params import parse_params

STARTER = "videos/asl-starter"


@pytest.fixture(scope="module")
def starter_raw(project_root: Path) -> dict:
    return yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))


def make_ingest(starter_raw: dict, sources: list[dict], **overrides) -> IngestParams:
    """The starter ingest params (its real label aliases) reading other sources."""
    raw = {**starter_raw["ingest"], "sources": sources, "min_samples_per_class": 1, **overrides}
    return IngestParams.model_validate(raw)


def copy_clip(shared_data: Path, clip: str, target: Path) -> Path:
    """A real clip from videos/asl-starter copied to `target` (a file path)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(shared_data / STARTER / clip, target)
    return target


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- each source format -------------------------------------------------------------------


def test_multisigner_npz(shared_data: Path, starter_raw: dict, tmp_path: Path) -> None:
    folder = tmp_path / "multi"
    folder.mkdir()
    for signer in ("F1zzy", "hirak214", "daita-sur"):
        shutil.copy(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz", folder)
    skipped: list = []
    table = ingest.build_manifest(make_ingest(starter_raw, [{"path": str(folder)}]), skipped)

    assert skipped == [] and len(table) == 120 + 60 + 129  # version 2: F1zzy's `no` removed
    assert list(table.columns) == ingest.COLUMNS
    assert table["id"].is_unique and table["id"].tolist() == sorted(table["id"])
    assert set(table["kind"]) == {"npz"} and set(table["signer"]) == {"F1zzy", "hirak214", "daita-sur"}
    assert set(table["label"]) <= {"hello", "thanks", "iloveyou", "yes", "no"}
    assert table["fps"].isna().all() and (table["source"] == str(folder)).all()

    with np.load(folder / "F1zzy.npz") as data:
        X, labels, actions = data["X"], data["label"], data["source_action"]
    rows = table[table["signer"] == "F1zzy"].set_index("index").sort_index()
    assert rows.index.tolist() == list(range(120))
    assert rows["label"].tolist() == labels.tolist()
    assert rows["raw_label"].tolist() == actions.tolist()  # "Thank You", "I Love You", ... as found
    assert {"Thank You": "thanks", "I Love You": "iloveyou"}.items() <= dict(zip(actions, rows["label"])).items()
    row = rows.loc[42]
    assert row["id"] == "multi/F1zzy.npz#42" and row["path"] == f"{folder.as_posix()}/F1zzy.npz"
    assert row["frames"] == 20 and row["content_hash"] == sha256(X[42].tobytes())
    np.testing.assert_array_equal(ingest.load_keypoint_sample(row.to_dict() | {"index": 42}), X[42].astype(np.float32))


def test_mp_data(shared_data: Path, starter_raw: dict) -> None:
    source = shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data"
    skipped: list = []
    table = ingest.build_manifest(make_ingest(starter_raw, [{"path": str(source)}]), skipped)

    assert skipped == [] and len(table) == 30 and set(table["kind"]) == {"mp_data"}
    assert table.groupby("label").size().to_dict() == {"hello": 10, "no": 10, "thanks": 10}
    row = table.set_index("id").loc["MP_Data/thankYou/3"]
    assert row["raw_label"] == "thankYou" and row["label"] == "thanks"  # aliased by the starter params
    assert row["path"] == f"{source.as_posix()}/thankYou/3" and row["frames"] == 30
    assert pd.isna(row["index"]) and row["signer"] == ""
    in_order = b"".join((source / "thankYou" / "3" / f"{n}.npy").read_bytes() for n in range(30))
    assert row["content_hash"] == sha256(in_order)  # 0, 1, 2, ..., 10 - not 0, 1, 10, 11


def test_psl_h5(shared_data: Path, starter_raw: dict) -> None:
    source = shared_data / "keypoints" / "psl-h5"
    skipped: list = []
    table = ingest.build_manifest(make_ingest(starter_raw, [{"path": str(source)}]), skipped)

    assert skipped == [] and set(table["kind"]) == {"psl_h5"}
    expected = 0
    for file in sorted(source.glob("*/*.h5")):
        raw = pd.read_hdf(file)
        rows = table[table["path"] == file.as_posix()]
        assert sorted(rows["index"]) == sorted(raw["sample"].unique())
        assert set(rows["label"]) == {file.stem} and set(rows["raw_label"]) == {file.stem}
        expected += raw["sample"].nunique()
    assert len(table) == expected
    assert set(table["label"]) == {"adios", "buenos_dias", "como_estas", "hola-izq", "hola-der"}
    assert (table["signer"] == "").all()

    raw = pd.read_hdf(source / "18" / "hola-der.h5")
    sample = int(raw["sample"].iloc[0])
    frames = np.stack(raw[raw["sample"] == sample].sort_values("frame")["keypoints"].to_list())
    row = table.set_index("id").loc[f"psl-h5/18/hola-der.h5#{sample}"]
    assert row["frames"] == len(frames) and row["content_hash"] == sha256(frames.tobytes())


@pytest.mark.filterwarnings("ignore::pandas.errors.PerformanceWarning")  # writing the broken file
def test_psl_h5_missing_columns_skipped(shared_data: Path, starter_raw: dict, tmp_path: Path) -> None:
    source = tmp_path / "psl"
    source.mkdir()
    shutil.copy(shared_data / "keypoints" / "psl-h5" / "7" / "adios.h5", source)
    pd.read_hdf(source / "adios.h5").drop(columns=["frame", "sample"]).to_hdf(source / "hola.h5", key="data")
    skipped: list = []
    table = ingest.build_manifest(make_ingest(starter_raw, [{"path": str(source)}]), skipped)
    assert set(table["label"]) == {"adios"}
    assert skipped == [{"path": f"{source.as_posix()}/hola.h5",
                        "reason": "missing column(s) sample, frame (expected sample, frame, keypoints)"}]


def test_videos_signers_from_metadata_pattern_or_unknown(shared_data: Path, starter_raw: dict, tmp_path: Path) -> None:
    source = tmp_path / "recordings" / "clips"
    copy_clip(shared_data, "hello/hello_02.mp4", source / "hello" / "hello_02.mp4")
    copy_clip(shared_data, "no/no_02.mp4", source / "no" / "maria_7.MP4")  # extension in capitals
    copy_clip(shared_data, "yes/yes_02.mp4", source / "yes" / "take.mov")
    metadata = tmp_path / "recordings" / "signers.csv"
    metadata.write_text("file,signer,note\nclips/hello/hello_02.mp4, P1 ,x\nclips/gone/missing.mp4,P9,\n")

    def signers(**source_params) -> dict[str, str]:
        table = ingest.build_manifest(make_ingest(starter_raw, [{"path": str(source), **source_params}]))
        return dict(zip(table["id"], table["signer"]))

    assert signers() == {"clips/hello/hello_02.mp4": "", "clips/no/maria_7.MP4": "", "clips/yes/take.mov": ""}
    pattern = r"^(?P<signer>[a-z]+)_\d+$"
    assert signers(metadata=str(metadata), signer_pattern=pattern) == {
        "clips/hello/hello_02.mp4": "P1",  # the metadata wins over the pattern ("hello")
        "clips/no/maria_7.MP4": "maria",
        "clips/yes/take.mov": "",
    }
    # The global pattern applies when the source has none.
    table = ingest.build_manifest(make_ingest(starter_raw, [{"path": str(source)}], signer_pattern=pattern))
    assert table["signer"].tolist() == ["hello", "maria", ""]

    row = table.iloc[0]
    clips = pd.read_csv(shared_data / "videos" / "clips.csv").set_index("file").loc["asl-starter/hello/hello_02.mp4"]
    assert (row["kind"], row["label"], row["raw_label"]) == ("video", "hello", "hello")
    assert row["frames"] == clips["frames"] and row["fps"] == pytest.approx(clips["fps"], abs=0.01)
    assert row["content_hash"] == sha256((source / "hello" / "hello_02.mp4").read_bytes())
    assert pd.isna(row["index"]) and row["path"] == f"{source.as_posix()}/hello/hello_02.mp4"


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


def test_hidden_files_ignored_unknown_files_skipped(shared_data: Path, starter_raw: dict, tmp_path: Path) -> None:
    source = tmp_path / "clips"
    copy_clip(shared_data, "hello/hello_02.mp4", source / "hello" / "hello_02.mp4")
    for hidden in (".DS_Store", "Thumbs.db", "hello/desktop.ini", "hello/._hello_02.mp4", ".git/objects/a.mp4"):
        (source / hidden).parent.mkdir(parents=True, exist_ok=True)
        (source / hidden).write_bytes(b"\x00\x01junk")
    (source / "hello" / "notes.txt").write_text("recorded on Monday")
    (source / "hello" / "features.npy").write_bytes(b"junk")
    skipped: list = []
    table = ingest.build_manifest(make_ingest(starter_raw, [{"path": str(source)}]), skipped)
    assert table["id"].tolist() == ["clips/hello/hello_02.mp4"]
    assert [(Path(entry["path"]).name, entry["reason"].split(" (")[0]) for entry in skipped] == [
        ("features.npy", "a .npy file not named <n>.npy"),
        ("notes.txt", "unknown file type .txt"),
    ]


def test_corrupt_and_misplaced_files_skipped_with_reason(shared_data: Path, starter_raw: dict, tmp_path: Path) -> None:
    source = tmp_path / "clips"
    good = copy_clip(shared_data, "yes/yes_02.mp4", source / "yes" / "yes_02.mp4")
    (source / "yes" / "yes_03.mp4").write_bytes(good.read_bytes()[:2000])  # truncated download
    (source / "yes" / "empty.webm").write_bytes(b"")
    copy_clip(shared_data, "no/no_02.mp4", source / "loose.mp4")  # no label folder
    skipped: list = []
    table = ingest.build_manifest(make_ingest(starter_raw, [{"path": str(source)}]), skipped)
    assert table["id"].tolist() == ["clips/yes/yes_02.mp4"]
    reasons = {Path(entry["path"]).name: entry["reason"] for entry in skipped}
    assert reasons == {
        "empty.webm": "cannot be opened as a video (damaged or unsupported format)",
        "loose.mp4": "video is not inside a <label> folder",
        "yes_03.mp4": "cannot be opened as a video (damaged or unsupported format)",
    }


def test_non_finite_keypoints_skipped(shared_data: Path, starter_raw: dict, tmp_path: Path) -> None:
    source = tmp_path / "multi"
    source.mkdir()
    with np.load(shared_data / "keypoints" / "multisigner-258" / "hirak214.npz") as data:
        arrays = {key: data[key] for key in data.files}
    arrays["X"] = arrays["X"].copy()
    arrays["X"][5, 3, 10] = np.nan
    arrays["X"][8, 0, 0] = np.inf
    np.savez(source / "hirak214.npz", **arrays)
    # An MP_Data sequence with a NaN frame next to a good one.
    mp_data = shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data" / "no"
    for sequence in ("0", "1"):
        shutil.copytree(mp_data / sequence, source / "no" / sequence)
    frame = np.load(source / "no" / "1" / "4.npy")
    frame[0] = np.nan
    np.save(source / "no" / "1" / "4.npy", frame)

    skipped: list = []
    table = ingest.build_manifest(make_ingest(starter_raw, [{"path": str(source)}]), skipped)
    assert len(table) == 58 + 1 and "multi/hirak214.npz#5" not in set(table["id"])
    assert skipped == [
        {"path": f"{source.as_posix()}/hirak214.npz#5", "reason": "holds NaN or infinite keypoint values"},
        {"path": f"{source.as_posix()}/hirak214.npz#8", "reason": "holds NaN or infinite keypoint values"},
        {"path": f"{source.as_posix()}/no/1", "reason": "holds 1 NaN or infinite keypoint values"},
    ]


def test_empty_or_unusable_source_is_an_error(shared_data: Path, starter_raw: dict, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    (empty / "hello").mkdir(parents=True)
    (empty / ".DS_Store").write_bytes(b"x")
    with pytest.raises(SignlangError, match=rf"ingest.sources\[0\].path: no samples found in {empty}.*empty"):
        ingest.build_manifest(make_ingest(starter_raw, [{"path": str(empty)}]))
    broken = tmp_path / "broken"
    (broken / "hello").mkdir(parents=True)
    (broken / "hello" / "a.mp4").write_bytes(b"not a video")
    with pytest.raises(SignlangError, match=r"no samples found in .*broken \(1 file\(s\) could not be read, first: "
                                            r".*broken/hello/a.mp4: cannot be opened as a video"):
        ingest.build_manifest(make_ingest(starter_raw, [{"path": str(broken)}]))


def test_one_label_or_sequence_folder_given_as_a_source_is_named(shared_data: Path, starter_raw: dict) -> None:
    """The slip `signlang import` used to let through: one MP_Data <action> folder or one
    sequence instead of the dataset's top folder."""
    mp_data = shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data"
    for folder in (mp_data / "hello", mp_data / "hello" / "3"):
        with pytest.raises(SignlangError, match=rf"no samples found in {folder} \(\d+ file\(s\) could not be read: no "
                                                rf"<label> folder above them\); {folder} looks like one label or sequence"):
            ingest.build_manifest(make_ingest(starter_raw, [{"path": str(folder)}]))


def test_two_sources_with_the_same_folder_name_are_refused(shared_data: Path, starter_raw: dict, tmp_path: Path) -> None:
    for owner in ("a", "b"):
        copy_clip(shared_data, "no/no_02.mp4", tmp_path / owner / "clips" / "no" / "no_02.mp4")
    sources = [{"path": str(tmp_path / "a" / "clips")}, {"path": str(tmp_path / "b" / "clips")}]
    with pytest.raises(SignlangError, match="'clips/no/no_02.mp4' is found twice"):
        ingest.build_manifest(make_ingest(starter_raw, sources))


def test_bad_signer_pattern_is_a_params_error(shared_data: Path, starter_raw: dict) -> None:
    source = {"path": str(shared_data / "keypoints" / "psl-h5"), "signer_pattern": r"(\w+)_\d+"}
    with pytest.raises(SignlangError, match=r"ingest.sources\[0\].signer_pattern: needs a named group"):
        ingest.build_manifest(make_ingest(starter_raw, [source]))


def test_include_labels_and_min_samples(shared_data: Path, starter_raw: dict) -> None:
    source = [{"path": str(shared_data / "keypoints" / "psl-h5")}]
    table = ingest.build_manifest(make_ingest(starter_raw, source, include_labels=["adios", "Hola_Der", "hola-izq"]))
    assert set(table["label"]) == {"adios", "hola-izq"}  # include_labels is exact after aliasing
    assert table.attrs["excluded"] > 0

    full = ingest.build_manifest(make_ingest(starter_raw, source))
    counts = full["label"].value_counts()
    threshold = int(counts.min()) + 1
    filtered = ingest.build_manifest(make_ingest(starter_raw, source, min_samples_per_class=threshold))
    small = {label: int(n) for label, n in counts.items() if n < threshold}
    assert filtered.attrs["dropped_classes"] == dict(sorted(small.items())) and small
    assert set(filtered["label"]) == set(counts.index) - set(small)
    with pytest.raises(SignlangError, match="no samples left"):
        ingest.build_manifest(make_ingest(starter_raw, source, min_samples_per_class=10_000))


# --- the stage's files and entry point ----------------------------------------------------


@pytest.fixture(scope="module")
def mixed_params(shared_data: Path, starter_raw: dict, tmp_path_factory) -> tuple[dict, Path]:
    """Raw params reading every format at once: copied clips (one corrupt), MP_Data, PSL h5, npz."""
    root = tmp_path_factory.mktemp("sources")
    clips = root / "clips"
    copy_clip(shared_data, "hello/hello_02.mp4", clips / "hello" / "hello_02.mp4")
    copy_clip(shared_data, "thank_you/thank_you_01.mp4", clips / "Thank You" / "thank_you_01.mp4")
    (clips / "hello" / "hello_09.mp4").write_bytes((clips / "hello" / "hello_02.mp4").read_bytes()[:500])
    (root / "clips.csv").write_text("file,signer\nclips/hello/hello_02.mp4,C\n")
    multi = root / "multi"
    multi.mkdir()
    shutil.copy(shared_data / "keypoints" / "multisigner-258" / "techgeekshinobi.npz", multi)
    raw = {**starter_raw}
    raw["ingest"] = {**starter_raw["ingest"], "min_samples_per_class": 1, "sources": [
        {"path": str(clips), "metadata": str(root / "clips.csv")},
        {"path": str(shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data")},
        {"path": str(shared_data / "keypoints" / "psl-h5" / "7")},
        {"path": str(multi)},
    ]}
    return raw, root


def run_into(raw: dict, folder: Path) -> pd.DataFrame:
    return stages.ingest.ingest(parse_params(raw), folder / "data" / "manifest.csv", folder / "reports" / "ingest.json",
                                folder / "reports" / "ingest_skipped.csv")


def test_run_writes_manifest_report_and_skipped_deterministically(mixed_params, tmp_path: Path) -> None:
    raw, root = mixed_params
    table = run_into(raw, tmp_path / "one")
    run_into(raw, tmp_path / "two")
    for name in ("data/manifest.csv", "reports/ingest.json", "reports/ingest_skipped.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name

    manifest = ingest.read_manifest(tmp_path / "one" / "data" / "manifest.csv")
    pd.testing.assert_frame_equal(manifest, table, check_dtype=False)
    assert manifest["id"].tolist() == sorted(manifest["id"]) and manifest["id"].is_unique
    report = json.loads((tmp_path / "one" / "reports" / "ingest.json").read_text(encoding="utf-8"))
    assert report["per_kind"] == {"video": 2, "mp_data": 30, "psl_h5": int((manifest["kind"] == "psl_h5").sum()),
                                  "npz": 60}
    assert report["samples"] == len(manifest) and sum(report["per_source"].values()) == len(manifest)
    assert report["per_class"]["thanks"] == 10 + 1 + int(((manifest["kind"] == "npz") & (manifest["label"] == "thanks")).sum())
    assert report["signers"] == 2  # C (metadata) and techgeekshinobi (npz file)
    known = manifest[manifest["signer"] != ""]
    assert report["per_class_signers"] == {label: known[known["label"] == label]["signer"].nunique()
                                           for label in report["per_class"]}
    assert max(report["per_class_signers"].values()) == 2
    assert report["skipped"] == 1 and report["dropped_classes"] == {}
    skipped = pd.read_csv(tmp_path / "one" / "reports" / "ingest_skipped.csv")
    assert skipped.to_dict("records") == [{"path": f"{(root / 'clips').as_posix()}/hello/hello_09.mp4",
                                           "reason": "cannot be opened as a video (damaged or unsupported format)"}]


def test_skipped_file_is_header_only_when_nothing_skipped(shared_data: Path, starter_raw: dict, tmp_path: Path) -> None:
    raw = {**starter_raw, "ingest": {**starter_raw["ingest"],
                                     "sources": [{"path": str(shared_data / "keypoints" / "psl-h5" / "18")}],
                                     "min_samples_per_class": 1}}
    run_into(raw, tmp_path)
    assert (tmp_path / "reports" / "ingest_skipped.csv").read_text() == "path,reason\n"


def write_project(folder: Path, raw: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "params.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_stage_entry_point(mixed_params, tmp_path: Path, monkeypatch, capsys) -> None:
    raw, _ = mixed_params
    write_project(tmp_path, raw)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["stages.ingest"])
    monkeypatch.delenv("SIGNLANG_DEBUG", raising=False)
    stages.ingest.main()
    out = capsys.readouterr().out
    samples = len(pd.read_csv(paths.MANIFEST))
    assert out == f"ingest: {samples} samples, {len(json.loads(paths.INGEST_REPORT.read_text())['per_class'])} classes, 2 signers, 1 skipped (reasons in reports/ingest_skipped.csv)\n"
    assert paths.INGEST_SKIPPED.is_file()


def test_stage_errors_are_one_line(mixed_params, tmp_path: Path, monkeypatch, capsys) -> None:
    raw, _ = mixed_params
    raw = {**raw, "ingest": {**raw["ingest"], "sources": [{"path": "no/such/folder"}]}}
    write_project(tmp_path, raw)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["stages.ingest"])
    monkeypatch.delenv("SIGNLANG_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        stages.ingest.main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err == "error: ingest.sources[0].path: 'no/such/folder' does not exist\n"
    assert not paths.MANIFEST.exists()

    monkeypatch.setattr(sys, "argv", ["stages.ingest", "--debug"])
    with pytest.raises(SignlangError, match="does not exist"):
        stages.ingest.main()
    monkeypatch.setattr(sys, "argv", ["stages.ingest"])
    monkeypatch.setenv("SIGNLANG_DEBUG", "1")
    with pytest.raises(SignlangError, match="does not exist"):
        stages.ingest.main()


def test_starter_params(shared_data: Path, starter_raw: dict, project_root: Path, monkeypatch) -> None:
    """params.yaml as shipped: 33 multi-signer files (version 3), the 41 starter clips and the
    59 clips of videos/more/asl, nothing skipped."""
    monkeypatch.chdir(project_root)  # its source paths are relative to the project root
    params = parse_params(starter_raw).ingest
    assert {Path(source.path).resolve() for source in params.sources} == {
        (shared_data / "keypoints" / "multisigner-258").resolve(), (shared_data / STARTER).resolve(),
        (shared_data / "videos" / "more" / "asl").resolve(),
    }, "params.yaml sources changed: update this test"
    skipped: list = []
    table = ingest.build_manifest(params, skipped)
    assert skipped == []
    # The 41 clips minus brother, happy, mother and sad (3-4 clips each, under
    # min_samples_per_class) leave 28; of videos/more/asl only the 2 `sorry` clips join.
    assert table["kind"].value_counts().to_dict() == {"npz": 5947, "video": 30}
    assert table["id"].is_unique and table["id"].tolist() == sorted(table["id"])
    assert set(table["label"]) == {"hello", "thanks", "iloveyou", "yes", "no", "please", "sorry", "help"}
    assert {"brother", "happy", "mother", "sad", "afternoon", "water"} <= set(table.attrs["dropped_classes"])
    assert sorted(table[table["source"].str.endswith("more/asl")]["signer"]) == ["G", "R"]
    videos = table[table["kind"] == "video"]
    assert (videos["signer"] != "").all() and (videos["frames"] > 0).all() and (videos["fps"] > 20).all()
    assert table[table["kind"] == "npz"]["signer"].nunique() == 33
    assert set(videos[videos["raw_label"] == "thank_you"]["label"]) == {"thanks"}


# --- bad input, each built from a real file (issue 6) -----------------------------------------

FASTSTART_CLIP = "help/help_01.mp4"  # its index (moov) sits before the frames (mdat)


def _damaged_videos(shared_data: Path, folder: Path) -> dict[str, str]:
    """Real clips made unusable in the ways real uploads are; file name -> expected reason."""
    import cv2

    data = (shared_data / STARTER / FASTSTART_CLIP).read_bytes()
    frames_at = data.index(b"mdat") + 8
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "header_only.mp4").write_bytes(data[:frames_at])  # zero frames: a download cut at the index
    garbage = np.random.default_rng(0).integers(0, 256, len(data) - frames_at, dtype=np.uint8).tobytes()
    (folder / "garbage_stream.mp4").write_bytes(data[:frames_at] + garbage)  # a valid container, undecodable stream
    (folder / "truncated.mp4").write_bytes((shared_data / STARTER / "hello/hello_02.mp4").read_bytes()[:200_000])
    writer = cv2.VideoWriter(str(folder / "no_frames.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 30, (320, 240))
    writer.release()  # a writer closed before any frame
    (folder / "not_a_video.mp4").write_bytes((shared_data / "videos" / "clips.csv").read_bytes())
    no_frames = "video has no decodable frames (empty, damaged, or a codec OpenCV cannot decode)"
    unopenable = "cannot be opened as a video (damaged or unsupported format)"
    return {"header_only.mp4": no_frames, "garbage_stream.mp4": no_frames, "truncated.mp4": unopenable,
            "no_frames.mp4": unopenable, "not_a_video.mp4": unopenable}


def test_damaged_videos_skipped_with_reason(shared_data: Path, starter_raw: dict, tmp_path: Path) -> None:
    import cv2

    source = tmp_path / "clips"
    copy_clip(shared_data, FASTSTART_CLIP, source / "help" / "help_01.mp4")
    expected = _damaged_videos(shared_data, source / "help")
    capture = cv2.VideoCapture(str(source / "help" / "help_01.mp4"))
    ok, frame = capture.read()
    capture.release()
    assert ok and cv2.imwrite(str(source / "help" / "still.jpg"), frame)  # a photo in a label folder
    skipped: list = []
    table = ingest.build_manifest(make_ingest(starter_raw, [{"path": str(source)}]), skipped)
    assert table["id"].tolist() == ["clips/help/help_01.mp4"]
    assert {Path(entry["path"]).name: entry["reason"] for entry in skipped} == {
        **expected, "still.jpg": "unknown file type .jpg"}
    assert all(entry["path"].startswith(f"{source.as_posix()}/help/") for entry in skipped), "full path named"


def test_odd_label_folder_names_kept_trimmed(shared_data: Path, starter_raw: dict, tmp_path: Path) -> None:
    source = tmp_path / "words"
    folders = ["My Name is:   ", "what's up", "cảm ơn", "谢谢", "  spaced  out "]
    for number, folder in enumerate(folders):
        copy_clip(shared_data, "yes/yes_02.mp4", source / folder / f"clip_{number}.mp4")
    (source / "empty label").mkdir()  # an empty label folder: nothing to list, no error
    raw = {**starter_raw, "ingest": {**starter_raw["ingest"], "min_samples_per_class": 1,
                                      "sources": [{"path": str(source)}]}}
    run_into(raw, tmp_path)
    manifest = ingest.read_manifest(tmp_path / "data" / "manifest.csv")
    assert sorted(manifest["label"]) == sorted(["My Name is:", "what's up", "cảm ơn", "谢谢", "spaced  out"])
    assert sorted(manifest["raw_label"]) == sorted(manifest["label"])
    assert "words/My Name is:   /clip_0.mp4" in set(manifest["id"]), "ids keep the folder as it is"
    assert (tmp_path / "reports" / "ingest_skipped.csv").read_text(encoding="utf-8") == "path,reason\n"


def test_mp_data_frame_of_the_wrong_length_and_mixed_lengths(shared_data: Path, starter_raw: dict, tmp_path: Path) -> None:
    mp_data = shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data" / "hello"
    source = tmp_path / "MP_Data"
    for sequence in ("0", "1", "2"):
        shutil.copytree(mp_data / sequence, source / "hello" / sequence)
    np.save(source / "hello" / "1" / "7.npy", np.load(source / "hello" / "1" / "7.npy")[:1000])  # 1000 of 1662
    for frame in range(20, 30):  # sequence 2 recorded with 20 frames only
        (source / "hello" / "2" / f"{frame}.npy").unlink()
    skipped: list = []
    table = ingest.build_manifest(make_ingest(starter_raw, [{"path": str(source)}]), skipped)
    assert dict(zip(table["id"], table["frames"])) == {"MP_Data/hello/0": 30, "MP_Data/hello/2": 20}
    assert skipped == [{"path": f"{source.as_posix()}/hello/1",
                        "reason": "frame files have shape(s) [(1000,), (1662,)]; expected one (258|1662,) vector each"}]


def test_strict_stops_at_the_first_unusable_file(shared_data: Path, starter_raw: dict, tmp_path: Path) -> None:
    source = tmp_path / "clips"
    copy_clip(shared_data, "hello/hello_02.mp4", source / "hello" / "hello_02.mp4")
    (source / "hello" / "notes.txt").write_text("recorded on Monday")
    (source / ".DS_Store").write_bytes(b"\x00")  # hidden files are never an error, even when strict
    params = make_ingest(starter_raw, [{"path": str(source)}], on_error="strict")
    with pytest.raises(SignlangError) as raised:
        ingest.build_manifest(params)
    assert str(raised.value) == (f"{source.as_posix()}/hello/notes.txt: unknown file type .txt "
                                 "(ingest.on_error is strict: stopping at the first unusable sample)")
    (source / "hello" / "notes.txt").unlink()
    assert ingest.build_manifest(params)["id"].tolist() == ["clips/hello/hello_02.mp4"]


def test_samples_dropped_by_class_filters_are_listed(shared_data: Path, starter_raw: dict, tmp_path: Path, capsys) -> None:
    source = tmp_path / "clips"
    for clip in ("hello/hello_02.mp4", "hello/hello_03.mp4", "no/no_02.mp4", "yes/yes_02.mp4"):
        copy_clip(shared_data, clip, source / clip)
    raw = {**starter_raw, "ingest": {**starter_raw["ingest"], "min_samples_per_class": 2, "include_labels": ["hello", "no"],
                                      "sources": [{"path": str(source)}]}}
    table = run_into(raw, tmp_path)
    assert table["id"].tolist() == ["clips/hello/hello_02.mp4", "clips/hello/hello_03.mp4"]
    listed = pd.read_csv(tmp_path / "reports" / "ingest_skipped.csv").to_dict("records")
    assert listed == [
        {"path": f"{source.as_posix()}/no/no_02.mp4",
         "reason": "class 'no' has 1 samples, fewer than ingest.min_samples_per_class (2)"},
        {"path": f"{source.as_posix()}/yes/yes_02.mp4", "reason": "class 'yes' is not in ingest.include_labels"},
    ]
    report = json.loads((tmp_path / "reports" / "ingest.json").read_text(encoding="utf-8"))
    assert (report["skipped"], report["dropped_samples"], report["dropped_classes"]) == (0, 2, {"no": 1})
    assert ingest.summary_line(report) == (
        "ingest: 2 samples, 1 classes, 0 signers, 0 skipped, dropped classes no, 2 samples left out by the "
        "class filters (reasons in reports/ingest_skipped.csv)")
