"""The extract stage: per-clip cache, dataset assembly, skipped list, report, entry point. Its
library pieces: tests/signlang/features/ (test_clip_cache.py, test_extract.py) and
tests/signlang/test_io.py.

Manifests are written here by hand (columns per docs/design.md) over the real data in
../shared/data; every output goes to tmp_path.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from signlang.errors import InputFileError, SignlangError
from signlang.features.clip_cache import cache_file, cache_key, read_cached_clip, write_cached_clip
from signlang.features.holistic import HolisticSettings
from signlang.params import parse_params
from stages.extract import extract
from tests.processes import interruptible_child

COLUMNS = ["id", "label", "raw_label", "signer", "source", "path", "index", "content_hash", "frames", "fps", "kind"]
NPZ_SIGNER = "AdrLfv"  # 90 sequences of 30 frames, 258 values
MP_DATA = "keypoints/mp_data-sample/AD-Codex/MP_Data"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _params(project_root: Path, **changes):
    raw = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        raw[section][key] = value
    return parse_params(raw)


def video_row(shared: Path, clip: str, signer: str = "A") -> dict:
    path = shared / "videos" / "asl-starter" / clip
    return {
        "id": f"asl-starter/{clip}", "label": clip.split("/")[0], "raw_label": clip.split("/")[0],
        "signer": signer, "source": str(path.parents[1]), "path": str(path), "index": "",
        "content_hash": _sha256(path), "frames": "0", "fps": "", "kind": "video",
    }


def npz_row(shared: Path, index: int, signer: str = NPZ_SIGNER) -> dict:
    path = shared / "keypoints" / "multisigner-258" / f"{signer}.npz"
    with np.load(path) as data:
        label = str(data["label"][index]) if index < len(data["label"]) else "hello"
        frames = data["X"][index] if index < len(data["X"]) else np.zeros(1)
    return {
        "id": f"multisigner-258/{signer}.npz#{index}", "label": label, "raw_label": label, "signer": signer,
        "source": str(path.parent), "path": str(path), "index": str(index),
        "content_hash": hashlib.sha256(frames.tobytes()).hexdigest(), "frames": str(len(frames)), "fps": "",
        "kind": "npz",
    }


def mp_data_row(shared: Path, action: str, sequence: int) -> dict:
    folder = shared / MP_DATA / action / str(sequence)
    return {
        "id": f"MP_Data/{action}/{sequence}", "label": action, "raw_label": action, "signer": "AD-Codex",
        "source": str(shared / MP_DATA), "path": str(folder), "index": "", "content_hash": "0" * 64,
        "frames": "30", "fps": "", "kind": "mp_data",
    }


def write_manifest(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda row: row["id"]))
    return path


def _outputs(tmp_path: Path) -> dict:
    return {
        "manifest_path": tmp_path / "data" / "manifest.csv",
        "cache_dir": tmp_path / "data" / "keypoints",
        "dataset_path": tmp_path / "data" / "dataset.npz",
        "report_path": tmp_path / "reports" / "extract.json",
        "skipped_path": tmp_path / "reports" / "skipped.csv",
        "ingest_skipped_path": tmp_path / "reports" / "ingest_skipped.csv",
        "progress": False,
    }


def _mp_data_frames(shared: Path, action: str, sequence: int) -> np.ndarray:
    folder = shared / MP_DATA / action / str(sequence)
    return np.stack([np.load(folder / f"{i}.npy") for i in range(30)]).astype(np.float32)


def _read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# --- the stage without Holistic (keypoint rows, a video served from the cache) ---------


@pytest.fixture
def mixed(tmp_path: Path, shared_data: Path, project_root: Path) -> dict:
    """A manifest mixing 258-wide npz rows, a 1662-wide MP_Data row and a video row whose
    cache entry holds real 1662-wide keypoints, plus rows that must be skipped."""
    out = _outputs(tmp_path)
    video = video_row(shared_data, "hello/hello_02.mp4")
    settings = HolisticSettings.from_params(_params(project_root).extract)
    write_cached_clip(cache_file(out["cache_dir"], cache_key(video["content_hash"], settings)),
                      _mp_data_frames(shared_data, "hello", 3), 30.0)
    missing = video_row(shared_data, "no/no_02.mp4")
    missing["path"] = str(tmp_path / "gone" / "no_02.mp4")
    missing["content_hash"] = "f" * 64
    missing["id"] = "asl-starter/no/gone.mp4"
    out_of_range = npz_row(shared_data, 90)  # the file holds rows 0..89
    rows = [npz_row(shared_data, 0), npz_row(shared_data, 45), mp_data_row(shared_data, "no", 2), video,
            missing, out_of_range]
    write_manifest(out["manifest_path"], rows)
    out["ingest_skipped_path"].parent.mkdir(parents=True)
    out["ingest_skipped_path"].write_text("path,reason\nsrc/bad.npz,cannot be read: BadZipFile\n", encoding="utf-8")
    return {"out": out, "rows": rows, "video": video, "missing": missing, "out_of_range": out_of_range}


def test_dataset_mixes_258_and_1662_samples(mixed: dict, project_root: Path, capsys) -> None:
    out = mixed["out"]
    params = _params(project_root, extract__backend="sequential")
    summary = extract(params, **out)

    spec = params.features
    with np.load(out["dataset_path"], allow_pickle=False) as data:
        X, ids, labels, signers, classes = (data[k] for k in ("X", "ids", "labels", "signers", "classes"))
    kept = sorted([mixed["rows"][i]["id"] for i in (0, 1, 2, 3)])
    assert X.shape == (4, spec.sequence_length, spec.feature_size) and X.dtype == np.float32
    assert list(ids) == kept, "manifest (id) order"
    for array in (ids, labels, signers, classes):
        assert array.dtype.kind == "U"
    by_id = {row["id"]: row for row in mixed["rows"]}
    assert list(labels) == [by_id[i]["label"] for i in kept]
    assert list(signers) == [by_id[i]["signer"] for i in kept]
    assert list(classes) == sorted(set(labels))
    assert np.all(np.isfinite(X)) and np.all(np.abs(X).reshape(4, -1).max(axis=1) > 0)

    assert (summary.clips, summary.from_cache, summary.extracted) == (1, 1, 0)
    assert (summary.samples_in, summary.samples_out, summary.skipped) == (6, 4, 2)
    assert "extracted 1 clips (1 from cache), 4 samples in dataset, 2 skipped" in capsys.readouterr().out

    skipped = _read_csv(out["skipped_path"])
    assert skipped[0] == {"path": "src/bad.npz", "reason": "cannot be read: BadZipFile"}, "ingest rows first"
    reasons = {row["path"]: row["reason"] for row in skipped[1:]}
    assert "not found" in reasons[mixed["missing"]["path"]]
    assert "no row 90" in reasons[f"{mixed['out_of_range']['path']}#90"]

    report = json.loads(out["report_path"].read_text(encoding="utf-8"))
    assert report["samples_in"] == 6 and report["samples_out"] == 4 and report["skipped"] == 2
    assert report["ingest_skipped"] == 1
    assert report["per_kind"]["npz"] == {"in": 3, "out": 2, "skipped": 1}
    assert report["per_kind"]["video"] == {"in": 2, "out": 1, "skipped": 1}
    assert report["per_kind"]["mp_data"] == {"in": 1, "out": 1, "skipped": 0}
    assert report["video_frames"] == 30
    assert set(report["detected"]) == {"pose", "left_hand", "right_hand"}, "face not looked for (extract.face false)"
    assert all(0.0 <= value <= 1.0 for value in report["detected"].values())
    text = out["report_path"].read_text(encoding="utf-8")
    assert not any(word in text for word in ("second", "time", "fps", "elapsed")), "no timings in DVC files"


def test_rerun_gives_identical_files(mixed: dict, project_root: Path) -> None:
    out = mixed["out"]
    params = _params(project_root, extract__backend="sequential")
    extract(params, **out)
    first = {name: out[name].read_bytes() for name in ("dataset_path", "report_path", "skipped_path")}
    extract(params, **out)
    assert {name: out[name].read_bytes() for name in first} == first


def test_face_parts_skip_samples_without_face(mixed: dict, project_root: Path) -> None:
    out = mixed["out"]
    params = _params(project_root, extract__backend="sequential",
                     features__parts=["pose", "face", "left_hand", "right_hand"], extract__face=True)
    summary = extract(params, **out)
    with np.load(out["dataset_path"]) as data:
        assert data["X"].shape == (2, 30, 1662)  # the MP_Data and the video sample
    reasons = [row["reason"] for row in _read_csv(out["skipped_path"])]
    assert sum("has no face keypoints" in reason for reason in reasons) == 2
    assert summary.skipped == 4


def test_no_usable_sample_is_an_error(tmp_path: Path, shared_data: Path, project_root: Path) -> None:
    out = _outputs(tmp_path)
    write_manifest(out["manifest_path"], [npz_row(shared_data, 500)])
    with pytest.raises(SignlangError, match="none of the 1 samples"):
        extract(_params(project_root, extract__backend="sequential"), **out)
    assert len(_read_csv(out["skipped_path"])) == 1


def test_missing_manifest_is_an_error(tmp_path: Path, project_root: Path) -> None:
    with pytest.raises(SignlangError, match="the extract stage needs it"):
        extract(_params(project_root), **_outputs(tmp_path))


def test_damaged_cache_file_is_extracted_again(mixed: dict, shared_data: Path, project_root: Path, capsys) -> None:
    """A cache file that cannot be read is removed and the clip queued again (here the row
    points at a missing copy of the clip, so it ends up skipped, not crashing the run)."""
    out = mixed["out"]
    target = next(out["cache_dir"].glob("*.npz"))
    target.write_bytes(b"not a zip")
    moved = dict(mixed["video"], path=str(out["cache_dir"] / "absent.mp4"))
    write_manifest(out["manifest_path"], [moved, npz_row(shared_data, 0)])
    summary = extract(_params(project_root, extract__backend="sequential"), **out)
    assert "extracting the clip again" in capsys.readouterr().err
    assert (summary.from_cache, summary.extracted, summary.skipped, summary.samples_out) == (0, 0, 1, 1)
    assert not target.exists()


# --- the entry point ---------------------------------------------------------------------


def _stage(cwd: Path, project_root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(project_root)}
    env.pop("SIGNLANG_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "stages.extract", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_stage_entry_point(tmp_path: Path, shared_data: Path, project_root: Path) -> None:
    shutil.copy(project_root / "params.yaml", tmp_path / "params.yaml")
    result = _stage(tmp_path, project_root)
    assert result.returncode == 1
    assert result.stderr.startswith("error: data/manifest.csv: not found; the extract stage needs it (run `dvc repro ingest` first)")
    assert "Traceback" not in result.stderr

    write_manifest(tmp_path / "data" / "manifest.csv", [npz_row(shared_data, i) for i in (0, 30, 60)])
    result = _stage(tmp_path, project_root)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "extracted 0 clips (0 from cache), 3 samples in dataset, 0 skipped" in result.stdout
    for name in ("data/dataset.npz", "reports/extract.json", "reports/skipped.csv"):
        assert (tmp_path / name).is_file(), name
    assert (tmp_path / "data" / "keypoints").is_dir()


# --- Holistic on real clips: the cache at work ---------------------------------------------


@pytest.mark.slow
def test_cache_extracts_each_clip_once(tmp_path: Path, shared_data: Path, project_root: Path, capsys) -> None:
    out = _outputs(tmp_path)
    params = _params(project_root, extract__backend="loky", extract__workers=2)
    clips = [video_row(shared_data, "hello/hello_02.mp4", "A"), video_row(shared_data, "no/no_02.mp4", "A")]
    write_manifest(out["manifest_path"], clips + [npz_row(shared_data, 0)])

    first = extract(params, **out)
    assert (first.clips, first.from_cache, first.extracted, first.samples_out) == (2, 0, 2, 3)
    assert first.frames_extracted == 31 + 37
    cache = out["cache_dir"]
    before = {path.name: path.stat().st_mtime_ns for path in cache.iterdir()}
    assert len(before) == 2 and all(name.endswith(".npz") for name in before)
    for name in before:
        frames, fps = read_cached_clip(cache / name)
        assert frames.shape[1] == 1662 and fps == pytest.approx(30.0)
    report = json.loads(out["report_path"].read_text())
    assert report["video_frames"] == 68 and report["detected"]["pose"] > 0.9
    dataset = out["dataset_path"].read_bytes()

    second = extract(params, **out)
    assert (second.clips, second.from_cache, second.extracted, second.frames_extracted) == (2, 2, 0, 0)
    assert {path.name: path.stat().st_mtime_ns for path in cache.iterdir()} == before
    assert out["dataset_path"].read_bytes() == dataset, "same inputs, same dataset bytes"
    assert "extracted 2 clips (2 from cache)" in capsys.readouterr().out

    added = video_row(shared_data, "yes/yes_02.mp4", "A")
    write_manifest(out["manifest_path"], clips + [added, npz_row(shared_data, 0)])
    third = extract(params, **out)
    assert (third.clips, third.from_cache, third.extracted, third.frames_extracted) == (3, 2, 1, 34)
    after = {path.name: path.stat().st_mtime_ns for path in cache.iterdir()}
    assert set(after) - set(before) == {f"{cache_key(added['content_hash'], HolisticSettings.from_params(params.extract))}.npz"}
    assert all(after[name] == mtime for name, mtime in before.items()), "a cached clip was re-extracted"
    with np.load(out["dataset_path"]) as data:
        assert data["X"].shape == (4, 30, 258)
        assert list(data["classes"]) == ["hello", "no", "yes"]

    # A clip leaves the manifest: its cached keypoints leave data/keypoints (a DVC output whose
    # hash must depend on the manifest only), the others stay untouched.
    write_manifest(out["manifest_path"], [clips[0], added, npz_row(shared_data, 0)])
    fourth = extract(params, **out)
    assert (fourth.clips, fourth.from_cache, fourth.extracted, fourth.pruned) == (2, 2, 0, 1)
    kept = {path.name: path.stat().st_mtime_ns for path in cache.iterdir()}
    assert len(kept) == 2 and all(after[name] == mtime for name, mtime in kept.items())
    assert "1 cached clips no longer in the manifest removed" in capsys.readouterr().out


# --- damaged clips, the on_error policy, interrupted runs (issue 6) ---------------------------


def test_strict_stops_at_the_first_unusable_sample(mixed: dict, project_root: Path) -> None:
    out = mixed["out"]
    params = _params(project_root, extract__backend="sequential", ingest__on_error="strict")
    with pytest.raises(InputFileError) as raised:
        extract(params, **out)
    assert str(raised.value) == (f"{mixed['out_of_range']['path']}#90: has no row 90 (holds 90) "
                                 "(ingest.on_error is strict: stopping at the first unusable sample)")
    assert not out["dataset_path"].exists()


def _ingested_manifest(project_root: Path, sources: Path, manifest: Path) -> list[dict]:
    from signlang.data.ingest import build_manifest, write_manifest

    params = _params(project_root, ingest__sources=[{"path": str(sources)}], ingest__min_samples_per_class=1)
    table = build_manifest(params.ingest)
    write_manifest(table, manifest)
    return table.to_dict("records")


@pytest.mark.slow
def test_clips_damaged_part_way_or_without_a_person_are_skipped(tmp_path: Path, shared_data: Path,
                                                                  project_root: Path) -> None:
    import cv2

    clips = tmp_path / "clips"
    good = shared_data / "videos" / "asl-starter" / "help" / "help_01.mp4"  # 70 frames, index first
    (clips / "help").mkdir(parents=True)
    (clips / "help" / "cut.mp4").write_bytes(good.read_bytes()[: good.stat().st_size // 2])  # opens, 31 of 70 decode
    damaged = bytearray((shared_data / "videos" / "asl-starter" / "hello" / "hello_02.mp4").read_bytes())
    damaged[len(damaged) // 3: 2 * len(damaged) // 3: 7] = b"\xab" * len(damaged[len(damaged) // 3: 2 * len(damaged) // 3: 7])
    (clips / "help" / "scrambled.mp4").write_bytes(bytes(damaged))  # decode errors after frame 12 of 31
    writer = cv2.VideoWriter(str(clips / "help" / "black.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 30, (320, 240))
    for _ in range(15):
        writer.write(np.zeros((240, 320, 3), np.uint8))
    writer.release()
    shutil.copytree(shared_data / MP_DATA / "hello" / "0", clips / "hello" / "0")  # one usable sample
    out = _outputs(tmp_path)
    rows = _ingested_manifest(project_root, clips, out["manifest_path"])
    assert {Path(row["path"]).name: row["frames"] for row in rows} == {
        "black.mp4": 15, "cut.mp4": 70, "scrambled.mp4": 31, "0": 30}

    summary = extract(_params(project_root, extract__backend="sequential"), **out)
    assert (summary.samples_out, summary.skipped) == (1, 3)
    reasons = {Path(row["path"]).name: row["reason"] for row in _read_csv(out["skipped_path"])}
    assert reasons == {
        "black.mp4": "no person detected in any of its 15 frames",
        "cut.mp4": "only 31 of the 70 frames the file reports could be decoded (damaged or truncated; "
                   "extract.min_decoded_fraction is 0.75)",
        "scrambled.mp4": "only 12 of the 31 frames the file reports could be decoded (damaged or truncated; "
                         "extract.min_decoded_fraction is 0.75)",
    }
    # The damaged clips' keypoints are cached (what decodes is what decodes); a rerun reads
    # them back and skips them again, without running Holistic.
    again = extract(_params(project_root, extract__backend="sequential"), **out)
    assert (again.extracted, again.frames_extracted, again.skipped) == (0, 0, 3)


KILL_CLIPS = ["hello/hello_02.mp4", "no/no_02.mp4", "yes/yes_02.mp4"]


def _kill_when_a_clip_is_cached(project: Path, project_root: Path, signal_number: int) -> dict[str, int]:
    """Start `python -m stages.extract`, kill its process group with `signal_number` as soon as
    one more clip is in the cache; returns the cache files (name -> mtime) after the kill."""
    import time

    cache = project / "data" / "keypoints"
    before = set(cache.glob("*.npz"))
    env = {**os.environ, "PYTHONPATH": str(project_root)}
    process = subprocess.Popen([sys.executable, "-m", "stages.extract"], cwd=project, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                               preexec_fn=interruptible_child)
    deadline = time.monotonic() + 120
    while set(cache.glob("*.npz")) <= before and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    os.killpg(process.pid, signal_number)  # the whole group, as Ctrl-C in a terminal does
    process.communicate(timeout=60)
    assert process.returncode != 0, "killed before it finished"
    time.sleep(0.3)
    done = {path.name: path.stat().st_mtime_ns for path in cache.glob("*.npz")}
    for name in done:  # whatever is under a cache name is whole
        assert read_cached_clip(cache / name)[0].shape[1] == 1662
    assert not (project / "data" / "dataset.npz").exists()
    return done


@pytest.mark.slow
def test_killed_extraction_resumes_with_the_clips_done(tmp_path: Path, shared_data: Path, project_root: Path) -> None:
    """SIGKILL after the first clip, SIGINT (Ctrl-C) after the second, then a full run: each
    run keeps what the killed ones finished and extracts only the rest."""
    import signal

    clips = tmp_path / "sources" / "clips"
    for clip in KILL_CLIPS:
        (clips / clip).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared_data / "videos" / "asl-starter" / clip, clips / clip)
    project = tmp_path / "project"
    raw = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    raw["ingest"].update(sources=[{"path": str(clips)}], min_samples_per_class=1)
    raw["extract"].update(workers=1, backend="loky")
    project.mkdir()
    (project / "params.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    _ingested_manifest(project_root, clips, project / "data" / "manifest.csv")

    first = _kill_when_a_clip_is_cached(project, project_root, signal.SIGKILL)
    assert len(first) == 1
    second = _kill_when_a_clip_is_cached(project, project_root, signal.SIGINT)
    assert len(second) == 2 and all(second[name] == mtime for name, mtime in first.items())

    result = _stage(project, project_root)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (f"extracted {len(KILL_CLIPS)} clips (2 from cache), {len(KILL_CLIPS)} samples in dataset, "
            "0 skipped") in result.stdout
    after = {path.name: path.stat().st_mtime_ns for path in (project / "data" / "keypoints").iterdir()}
    assert len(after) == len(KILL_CLIPS), f"only cache files left, no temporary ones: {sorted(after)}"
    assert all(after[name] == mtime for name, mtime in second.items()), "a finished clip was extracted again"
    assert not list(project.rglob("*.tmp"))
