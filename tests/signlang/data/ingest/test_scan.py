"""Scanning every layout ingest reads (signlang/data/ingest/scan.py), through `ingest.build_manifest`
on the real recordings in ../shared/data: multi-signer .npz, MP_Data, PSL .h5 and videos with their
signers; hidden files ignored; unknown, corrupt, misplaced, damaged and non-finite files skipped
with the reason; a source with no usable sample, one label or sequence folder given as a source,
and two sources sharing a folder name refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signlang.data import ingest
from signlang.errors import SignlangError
from tests.signlang.data.ingest.helpers import STARTER, copy_clip, make_ingest, sha256


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
