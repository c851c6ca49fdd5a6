"""Ingest stage on the real recordings in ../shared/data: the files it writes (byte-identical on
a rerun; the skipped list; the samples the class filters and a person's decisions left out), odd
label folder names, and the `python -m stages.ingest` entry point. Each source format, labels,
signers and the files that are skipped or ignored: tests/signlang/data/ingest/."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import stages.ingest
from signlang import paths
from signlang.data import ingest
from signlang.errors import SignlangError
from signlang.params import parse_params
from stages.ingest import ingest as ingest_stage
from tests.signlang.data.ingest.helpers import SHIVA, copy_clip, make_params

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


def test_relabel_and_exclude_are_applied_and_reported(tmp_path: Path, project_root: Path, shared_data: Path,
                                                      capsys) -> None:
    params = make_params(project_root, shared_data, relabel=SHIVA,
                         exclude=[{"signer": "yunlisa96"}, {"signer": "AD-Codex", "label": "no"}, {"signer": "nobody"}])
    table = ingest_stage(params, tmp_path / "manifest.csv", tmp_path / "ingest.json", tmp_path / "skipped.csv")
    shiva = table[table.signer == "ShivaNagalla"].groupby("raw_label").label.unique().map(list).to_dict()
    assert shiva == {"please": ["thanks"], "sorry": ["please"], "thankyou": ["sorry"]}
    assert not {"yunlisa96", "AD-Codex"} & set(table.signer)
    assert len(table) == 900 - 570 - 30
    report = json.loads((tmp_path / "ingest.json").read_text(encoding="utf-8"))
    assert report["decisions"]["exclude"] == [{"signer": "yunlisa96", "samples": 570},
                                              {"signer": "AD-Codex", "label": "no", "samples": 30},
                                              {"signer": "nobody", "samples": 0}]
    assert [rule["samples"] for rule in report["decisions"]["relabel"]] == [30, 30, 30]
    skipped = pd.read_csv(tmp_path / "skipped.csv")
    left_out = skipped[skipped.reason.str.startswith("left out by ingest.exclude")]
    assert len(left_out) == 600 and left_out.path.str.contains("yunlisa96.npz#").sum() == 570
    assert "ingest.exclude {'signer': 'nobody'} matches no sample" in capsys.readouterr().err
    summary = ingest.summary_line(report)
    assert "600 left out by ingest.exclude, 90 relabelled by ingest.relabel" in summary
