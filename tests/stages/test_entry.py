"""Every `python -m stages.<name>` validates its own params.yaml sections and its input files
before any work starts: one `error: ...` line naming the key (or file) and what is allowed, exit
status 1, no traceback, nothing written; a bad value in a section it does not read does not stop
it. Run as real subprocesses in a temporary project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

STAGES = ("ingest", "extract", "audit", "split", "train", "evaluate", "export", "track")


def _project(tmp_path: Path, project_root: Path, shared_data: Path, **changes) -> Path:
    """A temporary project: params.yaml with `section__key=value` changes, sources pointing
    at the real data."""
    raw = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    raw["ingest"]["sources"] = [{"path": str(shared_data / "keypoints" / "psl-h5" / "7")}]
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        raw[section][key] = value
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return tmp_path


def _stage(name: str, cwd: Path, project_root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(project_root)}
    env.pop("SIGNLANG_DEBUG", None)
    return subprocess.run([sys.executable, "-m", f"stages.{name}"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def _refused(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr, f"{text!r} not in {result.stderr!r}"


CASES = {
    "zero epochs": ("train", {"train__epochs": 0}, ["train.epochs: Input should be greater than 0 (got 0)"]),
    "negative epochs": ("train", {"train__epochs": -5}, ["train.epochs: Input should be greater than 0 (got -5)"]),
    "unknown preset": ("train", {"train__preset": "resnet"}, ["train.preset", "'resnet'", "tutorial", "lstm"]),
    "unknown keypoint part": ("extract", {"features__parts": ["pose", "tail"]},
                              ["features.parts.1", "'tail'", "pose", "face", "left_hand", "right_hand"]),
    "face part without the face mesh": ("extract", {"features__parts": ["pose", "face"], "extract__face": False},
                                        ["features.parts includes 'face' but extract.face is false"]),
    "ratios not adding up": ("split", {"split__train": 0.7, "split__val": 0.2, "split__test": 0.2},
                             ["split: Value error, train + val + test must add up to 1, got 0.7 + 0.2 + 0.2 = 1.1"]),
    "sequence length below 2": ("extract", {"features__sequence_length": 1},
                                ["features.sequence_length: Input should be greater than or equal to 2 (got 1)"]),
    "unknown on_error": ("ingest", {"ingest__on_error": "ignore"}, ["ingest.on_error", "'ignore'", "'skip'", "'strict'"]),
    "audit share above 1": ("audit", {"audit__no_hands_fraction": 2},
                            ["audit.no_hands_fraction: Input should be less than or equal to 1 (got 2)"]),
    "source that does not exist": ("ingest", {"ingest__sources": [{"path": "no/such/folder"}]},
                                   ["error: ingest.sources[0].path: 'no/such/folder' does not exist"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_parameter_refused_before_any_work(case: str, tmp_path: Path, project_root: Path, shared_data: Path) -> None:
    stage, changes, expected = CASES[case]
    project = _project(tmp_path, project_root, shared_data, **changes)
    _refused(_stage(stage, project, project_root), *expected)
    assert sorted(p.name for p in project.iterdir()) == ["params.yaml"], "nothing written"


# The stages that read the train section (track logs every pipeline section).
READ_TRAIN = ("train", "export", "track")


@pytest.mark.slow
def test_each_stage_validates_its_own_sections(tmp_path: Path, project_root: Path, shared_data: Path) -> None:
    """A bad train.epochs stops the stages that read the train section before any input is read;
    the others go on to their own first check (here: a missing input), so a bad value in an app's
    or another stage's section never stops a stage that does not use it."""
    project = _project(tmp_path, project_root, shared_data, train__epochs=0, capture__codec="nope!")
    for stage in STAGES:
        result = _stage(stage, project, project_root)
        if stage in READ_TRAIN:
            _refused(result, "params.yaml: invalid parameters", "train.epochs")
        else:
            assert "train.epochs" not in result.stderr and "capture.codec" not in result.stderr, (stage, result.stderr)


@pytest.mark.parametrize(("stage", "missing", "producer"), [
    ("extract", "data/manifest.csv", "ingest"),
    ("audit", "data/dataset.npz", "extract"),
    ("split", "data/dataset.npz", "extract"),
    ("train", "data/dataset.npz", "extract"),
    ("evaluate", "data/dataset.npz", "extract"),
    ("export", "data/dataset.npz", "extract"),
    ("track", "models/model.keras", "train"),
])
def test_missing_input_named_before_any_work(stage: str, missing: str, producer: str, tmp_path: Path,
                                             project_root: Path, shared_data: Path) -> None:
    project = _project(tmp_path, project_root, shared_data)
    _refused(_stage(stage, project, project_root), f"error: {missing}: ", producer)


def test_track_without_metrics_names_the_evaluate_stage(tmp_path: Path, project_root: Path, shared_data: Path) -> None:
    project = _project(tmp_path, project_root, shared_data)
    for name in ("models/model.keras", "reports/plots/history.csv", "reports/train.json"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_bytes(b"placeholder: never read, the missing metrics stop the stage first")
    _refused(_stage("track", project, project_root),
             "error: reports/metrics.json: not found; the track stage needs it (run `dvc repro evaluate` first)")
    assert not (project / "mlruns.db").exists(), "refused before touching the MLflow store"


def test_stale_temporary_files_are_cleaned_at_start(tmp_path: Path, project_root: Path, shared_data: Path) -> None:
    project = _project(tmp_path, project_root, shared_data)
    for name in ("data/.dataset.npz.k1ll3d.tmp", "reports/figures/.curves.png.k1ll3d.tmp", "reports/.metrics.json.x.tmp"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_bytes(b"half written by a killed run")
    _refused(_stage("split", project, project_root), "data/dataset.npz")
    assert not list(project.rglob("*.tmp"))
