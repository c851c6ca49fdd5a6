"""`dvc repro` behaviour on a temporary copy of the repository with a small slice of the
real starter data laid out as ../shared/data is beside the real checkout."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.projects import copy_tracked_files

pytestmark = [pytest.mark.slow, pytest.mark.dvc]

SIGNERS = ["techgeekshinobi", "hirak214", "daita-sur", "AdrLfv"]
CLIPS = ["hello/hello_02.mp4", "no/no_02.mp4", "yes/yes_02.mp4", "please/please_02.mp4"]
# params.yaml also reads videos/more/asl (its `sorry` clips): one of them stands in for it.
MORE_CLIPS = ["sorry/sorry_01.mp4"]


def _run(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("MLFLOW_TRACKING_URI", None)
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{output[-4000:]}"
    return output


def _stages_run(output: str) -> list[str]:
    return re.findall(r"Running stage '([^']+)'", output)


def make_pipeline_copy(root: Path, shared_data: Path, project_root: Path, epochs: int) -> Path:
    """root/main: a committed copy of the repository; root/shared/data: a slice of the real
    starter data laid out as ../shared/data is beside the real checkout."""
    shared = root / "shared" / "data"
    (shared / "keypoints" / "multisigner-258").mkdir(parents=True)
    for signer in SIGNERS:
        shutil.copy(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz",
                    shared / "keypoints" / "multisigner-258")
    for clip in CLIPS:
        target = shared / "videos" / "asl-starter" / clip
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared_data / "videos" / "asl-starter" / clip, target)
    for clip in MORE_CLIPS:
        target = shared / "videos" / "more" / "asl" / clip
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared_data / "videos" / "more" / "asl" / clip, target)
    shutil.copy(shared_data / "videos" / "clips.csv", shared / "videos" / "clips.csv")

    project = root / "main"
    copy_tracked_files(project_root, project)
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["train"]["epochs"] = epochs
    params["ingest"]["min_samples_per_class"] = 1
    params["extract"]["workers"] = 2
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))

    _run(["git", "init", "-q"], project)
    _run(["git", "add", "-A"], project)
    _run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "copy"], project)
    return project


@pytest.fixture(scope="module")
def pipeline_copy(tmp_path_factory, shared_data: Path, project_root: Path) -> Path:
    return make_pipeline_copy(tmp_path_factory.mktemp("repo"), shared_data, project_root, epochs=3)


def _tracked_runs(project: Path) -> list:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{project / 'mlruns.db'}")
    experiment = client.get_experiment_by_name("signlang")
    return client.search_runs([experiment.experiment_id]) if experiment else []


def test_full_run_then_noop(pipeline_copy: Path) -> None:
    output = _run(["dvc", "repro"], pipeline_copy)
    assert _stages_run(output) == ["ingest", "extract", "audit", "split", "train", "evaluate", "export", "track"]
    metrics = json.loads((pipeline_copy / "reports" / "metrics.json").read_text())
    assert 0.0 <= metrics["accuracy"] <= 1.0
    assert (pipeline_copy / "models" / "bundle" / "model.tflite").is_file()
    # One complete MLflow run in the project's store, artifacts under mlartifacts/ as the README says.
    (run,) = _tracked_runs(pipeline_copy)
    assert run.data.metrics["test_accuracy"] == metrics["accuracy"] and "val_loss" in run.data.metrics
    assert run.info.artifact_uri.startswith((pipeline_copy / "mlartifacts").as_uri())
    assert (pipeline_copy / "mlartifacts").is_dir() and not (pipeline_copy / "mlruns").exists()

    again = _run(["dvc", "repro"], pipeline_copy)
    # Both always run: ingest reads whatever ingest.sources names (its manifest came out the
    # same, so nothing after it reran), track because the MLflow store is not versioned.
    assert _stages_run(again) == ["ingest", "track"]
    assert "already logged" in again
    assert len(_tracked_runs(pipeline_copy)) == 1


def test_retrained_identical_model_still_gets_a_complete_run(pipeline_copy: Path) -> None:
    """Train reruns and writes the same model bytes, so DVC skips evaluate and export: the
    results are already in the store (same fingerprint) and stay complete there; with the
    store gone (a fresh clone's first run) the track stage logs them in full again."""
    _run(["dvc", "repro"], pipeline_copy)
    output = _run(["dvc", "repro", "--force", "--single-item", "train"], pipeline_copy)
    assert _stages_run(output) == ["train"]
    shutil.rmtree(pipeline_copy / "mlartifacts")
    (pipeline_copy / "mlruns.db").unlink()
    output = _run(["dvc", "repro"], pipeline_copy)
    assert _stages_run(output) == ["ingest", "track"], "train wrote identical bytes: evaluate and export are up to date"
    (run,) = _tracked_runs(pipeline_copy)
    metrics = json.loads((pipeline_copy / "reports" / "metrics.json").read_text())
    assert run.data.metrics["test_macro_f1"] == metrics["macro_f1"]
    assert run.data.tags["signlang.promoted"] == "true"


def test_training_param_reruns_train_evaluate_export_only(pipeline_copy: Path) -> None:
    _run(["dvc", "repro"], pipeline_copy)
    params_file = pipeline_copy / "params.yaml"
    params = yaml.safe_load(params_file.read_text())
    params["train"]["learning_rate"] = params["train"]["learning_rate"] / 2
    params_file.write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    output = _run(["dvc", "repro"], pipeline_copy)
    assert _stages_run(output) == ["ingest", "train", "evaluate", "export", "track"]


def test_one_params_change_switches_the_dataset(tmp_path: Path, shared_data: Path, project_root: Path) -> None:
    """`dvc exp run -S ingest.sources=...` on a project that has never run: the Peruvian set
    (PSL .h5 files, one signer) and a Turkish vocabulary file (one recorder, a non-ASCII label)
    go through every stage with split.by: sequence stated (one recorder each: no person can be held
    out); their labels come out exactly as written, and the report says the test scores are on
    signers seen in training."""
    project = make_pipeline_copy(tmp_path, shared_data, project_root, epochs=3)
    keypoints = tmp_path / "shared" / "data" / "keypoints"
    shutil.copytree(shared_data / "keypoints" / "psl-h5", keypoints / "psl-h5")
    (keypoints / "vocab").mkdir()
    shutil.copy(shared_data / "keypoints" / "vocab" / "fatih150.npz", keypoints / "vocab")
    sources = "[{path: ../shared/data/keypoints/psl-h5}, {path: ../shared/data/keypoints/vocab/fatih150.npz}]"

    output = _run(["dvc", "exp", "run", "-S", f"ingest.sources={sources}", "-S", "ingest.min_samples_per_class=10",
                   "-S", "split.by=sequence"], project)
    assert _stages_run(output) == ["ingest", "extract", "audit", "split", "train", "evaluate", "export", "track"]
    classes = ["adios", "buenos_dias", "como_estas", "evet", "hola-izq", "merhaba", "teşekkürederim"]
    assert json.loads((project / "models" / "bundle" / "labels.json").read_text())["classes"] == classes
    metrics = json.loads((project / "reports" / "metrics.json").read_text())
    assert sorted(metrics["per_class"]) == classes
    # fatih150, and the PSL files' recorder (no signer id): both on both sides of the split.
    assert metrics["test_signers_seen_in_training"] == 2
    assert "stratified by sequence" in json.loads((project / "reports" / "split.json").read_text())["strategy"]
    assert json.loads((project / "reports" / "ingest.json").read_text())["dropped_classes"] == {"hola-der": 4}
    assert "teşekkürederim" in (project / "reports" / "per_class.csv").read_text(encoding="utf-8")


def _commit(project: Path, message: str) -> str:
    _run(["git", "add", "-A"], project)
    _run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", message], project)
    return _run(["git", "rev-parse", "HEAD"], project).strip()


# Last in the module: it adds a source to the shared copy's params.yaml.
def test_adding_a_word_extracts_only_its_clips_and_the_pr_report_shows_it(pipeline_copy: Path, shared_data: Path) -> None:
    """The README's recipe "Add a word to a running project": `signlang capture --label NEW`
    from two real clips of a word the project does not know, data/raw added to ingest.sources
    once, `dvc repro`: only the two new clips go through Holistic, the model learns the new class,
    and `signlang report` between the two commits, given the base's bundle, says the classes differ
    and names the new one."""
    _run(["dvc", "repro"], pipeline_copy)
    base = _commit(pipeline_copy, "before the new word")
    base_bundle = pipeline_copy.parent / "base_bundle"  # what the PR job builds from the base, in the same job
    shutil.copytree(pipeline_copy / "models" / "bundle", base_bundle)
    cache = pipeline_copy / "data" / "keypoints"
    before = {path.name: path.stat().st_mtime_ns for path in cache.iterdir()}

    signlang = str(Path(sys.executable).parent / "signlang")
    for signer, clip in (("W1", "brother_01.mp4"), ("W2", "brother_02.mp4")):
        source = shared_data / "videos" / "asl-starter" / "brother" / clip
        _run([signlang, "capture", "--label", "brother", "--count", "1", "--signer", signer,
              "--source", str(source), "--no-window"], pipeline_copy)
    assert sorted(path.name for path in (pipeline_copy / "data" / "raw" / "brother").iterdir()) == ["W1_1.mp4", "W2_1.mp4"]
    params_file = pipeline_copy / "params.yaml"
    params = yaml.safe_load(params_file.read_text())
    params["ingest"]["sources"].append({"path": "data/raw", "signer_pattern": r"^(?P<signer>.+)_\d+$"})
    params_file.write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))

    output = _run(["dvc", "repro"], pipeline_copy)
    assert _stages_run(output) == ["ingest", "extract", "audit", "split", "train", "evaluate", "export", "track"]
    after = {path.name: path.stat().st_mtime_ns for path in cache.iterdir()}
    assert len(set(after) - set(before)) == 2, "expected the two captured clips, and only them, extracted"
    assert all(after[name] == mtime for name, mtime in before.items()), "a cached clip was re-extracted"
    cached = len(CLIPS) + len(MORE_CLIPS)
    assert f"extracted {cached + 2} clips ({cached} from cache)" in output
    labels = json.loads((pipeline_copy / "models" / "bundle" / "labels.json").read_text())
    assert "brother" in labels["classes"]
    head = _commit(pipeline_copy, "add the word brother")

    out = pipeline_copy / "reports" / "pr.md"
    _run([signlang, "report", "--base", base, "--head", head, "--base-bundle", str(base_bundle), "--out", str(out)],
         pipeline_copy)
    report = out.read_text()
    assert "Not comparable: the classes differ" in report and "brother" in report, report[:3000]
    assert "| params.yaml | ingest.sources |" in report
