"""Team workflows (docs/workflows.md) on a temporary copy of the repository: dataset versions
with `signlang import`, `dvc exp run` provenance in MLflow, the PR report between two
commits, and a shared MLflow server on PostgreSQL (evaluate + export log there). Real dvc,
git, MLflow and PostgreSQL.

The copy reads only data/raw (ingest.sources edited as the recipe says, nothing else). v1 = four signers of the starter keypoints; v2 = v1 + two ASL `sorry` videos
from videos/more/asl (a class v1 already has).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.projects import copy_tracked_files
from tests.workflow_servers import TrackingServer

pytestmark = [pytest.mark.slow, pytest.mark.dvc]

SIGNERS = ["techgeekshinobi", "hirak214", "daita-sur", "AdrLfv"]
V2_CLIPS = ["sorry/sorry_01.mp4", "sorry/sorry_02.mp4"]
BIN = Path(sys.executable).parent


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    full_env.pop("MLFLOW_TRACKING_URI", None)
    full_env.update(env or {})
    result = subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{output[-4000:]}"
    return output


def _commit(project: Path, message: str) -> str:
    _run(["git", "add", "-A"], project)
    _run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", message], project)
    return _run(["git", "rev-parse", "HEAD"], project).strip()


def read_raw_only(project: Path) -> None:
    """The recipe's one edit: ingest.sources = [data/raw] (dvc.yaml stays as it is). Small
    settings so the run is quick."""
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["ingest"]["sources"] = [{"path": "data/raw"}]
    params["ingest"]["min_samples_per_class"] = 1
    params["extract"]["workers"] = 2
    params["train"]["epochs"] = 2
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))


@pytest.fixture(scope="module")
def tracking_server(tmp_path_factory):
    """PostgreSQL + `mlflow server`, started first so they boot while the pipeline runs."""
    server = TrackingServer(tmp_path_factory.mktemp("tracking"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def versions(tmp_path_factory, shared_data: Path, project_root: Path, tracking_server) -> dict:
    root = tmp_path_factory.mktemp("workflows")
    v1 = root / "incoming" / "starter"
    v1.mkdir(parents=True)
    for signer in SIGNERS:
        shutil.copy(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz", v1)
    v2 = root / "incoming" / "more-asl"
    for clip in V2_CLIPS:
        (v2 / clip).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared_data / "videos" / "more" / "asl" / clip, v2 / clip)

    project = root / "main"
    copy_tracked_files(project_root, project)
    read_raw_only(project)
    _run(["git", "init", "-q"], project)
    _commit(project, "copy")

    revs = {}
    for name, source in (("v1", v1), ("v2", v2)):
        output = _run([str(BIN / "signlang"), "import", str(source), "--name", source.name], project)
        assert "tracked by data/raw.dvc" in output
        _commit(project, f"data {name}")
        _run(["dvc", "repro"], project)
        revs[name] = _commit(project, f"pipeline run on {name}")
    return {"project": project, "root": root, **revs}


def test_import_versions_raw_folder_with_dvc(versions: dict) -> None:
    project = versions["project"]
    tracked = _run(["git", "show", f"{versions['v1']}:data/raw.dvc"], project)
    assert yaml.safe_load(tracked)["outs"][0]["path"] == "raw"
    assert _run(["git", "check-ignore", "data/raw"], project).strip() == "data/raw"
    assert sorted(p.name for p in (project / "data" / "raw").iterdir()) == ["more-asl", "starter"]
    manifest = (project / "data" / "manifest.csv").read_text()
    assert "sorry_01.mp4" in manifest and "hirak214.npz" in manifest


def test_dataset_versions_diff_push_and_checkout(versions: dict) -> None:
    project, root = versions["project"], versions["root"]
    diff = json.loads(_run(["dvc", "metrics", "diff", versions["v1"], versions["v2"], "--json"], project))
    train = diff["reports/train.json"]
    changed = {key for key, entry in train.items() if entry.get("old") != entry.get("new")}
    assert changed, f"no metric changed between the two dataset versions: {train}"

    remote = root / "dvc-remote"
    _run(["dvc", "remote", "add", "-d", "local", str(remote)], project)
    _run(["dvc", "push"], project)
    assert any(path.is_file() for path in remote.rglob("*"))

    _run(["git", "checkout", versions["v1"], "--", "data/raw.dvc"], project)
    _run(["dvc", "checkout", "data/raw.dvc"], project)
    assert sorted(p.name for p in (project / "data" / "raw").iterdir()) == ["starter"]
    _run(["git", "checkout", "HEAD", "--", "data/raw.dvc"], project)
    _run(["dvc", "checkout", "data/raw.dvc"], project)
    assert (project / "data" / "raw" / "more-asl" / "sorry" / "sorry_01.mp4").is_file()


def test_exp_run_tags_mlflow_run_with_exp_name_and_commit(versions: dict) -> None:
    from mlflow.tracking import MlflowClient

    project = versions["project"]
    _run(["dvc", "exp", "run", "-S", "train.epochs=3"], project)
    shown = json.loads(_run(["dvc", "exp", "show", "--json"], project))
    baseline = next(entry for entry in shown if entry["rev"] == versions["v2"])
    experiments = [exp for group in baseline.get("experiments") or [] for exp in group["revs"]]
    assert len(experiments) == 1, shown
    name = experiments[0]["name"]

    client = MlflowClient(tracking_uri=f"sqlite:///{project / 'mlruns.db'}")
    experiment = client.get_experiment_by_name("signlang")
    runs = client.search_runs([experiment.experiment_id], filter_string=f"tags.`dvc.exp_name` = '{name}'")
    assert len(runs) == 1, f"no single MLflow run tagged dvc.exp_name={name}"
    tags = runs[0].data.tags
    assert tags["git.commit"] == versions["v2"] == tags["dvc.baseline_rev"]
    assert runs[0].data.params["train.epochs"] == "3"
    versions["v3"] = _commit(project, "train 3 epochs (dvc exp run -S train.epochs=3)")


def test_pr_report_between_two_commits(versions: dict) -> None:
    """The base's bundle (built on this machine when v2 ran, checked out of the DVC cache in a git
    worktree, as the CI job builds it) and the head's run on the same test windows; committed
    metrics from elsewhere are never set side by side."""
    project = versions["project"]
    if "v3" not in versions:
        pytest.skip("needs the commit made by the dvc exp run test")
    base, head = versions["v2"], versions["v3"]
    base_dir = versions["root"] / "base"
    _run(["git", "worktree", "add", "--detach", str(base_dir), base], project)
    _run(["dvc", "config", "--local", "cache.dir", str(project / ".dvc" / "cache")], base_dir)
    _run(["dvc", "checkout", "models/bundle"], base_dir)
    out = project / "reports" / "pr.md"
    _run([str(BIN / "signlang"), "report", "--base", base, "--head", head, "--base-bundle",
          str(base_dir / "models" / "bundle"), "--out", str(out)], project)
    text = out.read_text()
    new = json.loads((project / "reports" / "metrics.json").read_text())
    assert "### This change against the base, on the same test windows" in text
    rows = [line for line in text.splitlines() if line.startswith("| accuracy |")]
    assert len(rows) == 2, text  # the comparison, and this change's scores with their interval
    comparison, scores = rows
    assert comparison.split(" | ")[2] == f"{new['accuracy']:.4f}"  # the head's bundle reads as its Keras model
    assert comparison.rstrip(" |").endswith(("within noise", "better", "worse"))
    assert scores == (f"| accuracy | {new['accuracy']:.4f} | [{new['accuracy_ci'][0]:.4f}, "
                      f"{new['accuracy_ci'][1]:.4f}] |")
    assert "reports/metrics.json | accuracy" not in text  # no dvc metrics diff across machines
    assert "| params.yaml | train.epochs | 2 | 3 | +1 |" in text
    assert "![Confusion matrix (test)](reports/figures/confusion_test.png)" in text
    assert "![Training curves](reports/figures/curves.png)" in text
    assert (project / "reports" / "figures" / "confusion_test.png").is_file()


def test_shared_server_on_postgres_logs_promotes_and_serves_bundle(versions: dict, tracking_server, tmp_path, monkeypatch) -> None:
    from mlflow.tracking import MlflowClient

    from signlang.serving import tracking

    project = versions["project"]
    uri = tracking_server.wait()
    # The results of the last commit, logged to the shared server by the track stage.
    _run([sys.executable, "-m", "stages.track"], project, env={"MLFLOW_TRACKING_URI": uri})

    client = MlflowClient(tracking_uri=uri)
    version = client.get_model_version_by_alias("signlang", "champion")
    run = client.get_run(version.run_id)
    assert run.info.artifact_uri.startswith("mlflow-artifacts:"), run.info.artifact_uri
    assert run.data.tags["git.commit"] == _run(["git", "rev-parse", "HEAD"], project).strip()
    assert any(tracking_server.artifacts.rglob("model.tflite")), "the server stored no bundle"

    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    bundle = tracking.download_bundle("signlang", "champion", tmp_path / "live")
    assert (bundle / "model.tflite").read_bytes() == (project / "models" / "bundle" / "model.tflite").read_bytes()
