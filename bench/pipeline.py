"""Figure 4: the pipeline's wall time per stage, and a no-op `dvc repro`.

A temporary copy of the repository (the files git tracks or would track, without data/,
models/, reports/ and dvc.lock, as tests/test_pipeline.py makes it) is committed to a fresh
git repository; `../shared/data` beside it is a symlink to the real data (full), or a copy
of a small slice of it (--quick: 4 signers, 4 clips, 2 epochs). Each stage runs alone,
in order, with `dvc repro -s <stage>` (so each time includes DVC's own start-up), then
`dvc repro` is run again with nothing changed. Nothing is written to the real checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from bench.common import MULTISIGNER, PROJECT_ROOT, STARTER_VIDEOS, Context, Row, median, timed

NOOP_TARGET_S = 3.0
QUICK_SIGNERS = ("techgeekshinobi", "hirak214", "daita-sur", "AdrLfv")
QUICK_CLIPS = ("hello/hello_02.mp4", "no/no_02.mp4", "yes/yes_02.mp4", "please/please_02.mp4")
QUICK_EPOCHS = 2
# params.yaml also reads videos/more/asl (its `sorry` clips): a slice holds one of them.
SLICE_MORE_CLIPS = ("more/asl/sorry/sorry_01.mp4",)
SKIPPED_TOP = ("data/", "models/", "reports/", "mlruns", "mlartifacts/", "bench_")


def _env() -> dict[str, str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


def _run(args: list[str], cwd: Path) -> str:
    result = subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed in {cwd}:\n{output[-3000:]}")
    return output


def _shared_slice(shared: Path, real: Path, signers: tuple[str, ...], clips: tuple[str, ...]) -> None:
    (shared / MULTISIGNER).mkdir(parents=True)
    for signer in signers:
        shutil.copy(real / MULTISIGNER / f"{signer}.npz", shared / MULTISIGNER)
    for clip in clips:
        target = shared / STARTER_VIDEOS / clip
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(real / STARTER_VIDEOS / clip, target)
    for clip in SLICE_MORE_CLIPS:
        target = shared / "videos" / clip
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(real / "videos" / clip, target)
    shutil.copy(real / "videos" / "clips.csv", shared / "videos" / "clips.csv")


def repo_copy(ctx: Context, params_update: dict[str, dict] | None = None, signers: tuple[str, ...] | None = None,
              clips: tuple[str, ...] | None = None) -> Path:
    """A committed temporary copy of the project with ../shared/data beside it: a symlink to
    the real data, or (signers/clips given) a copy of that slice. Returns the copy's root."""
    root = ctx.temp_dir("pipeline-")
    (root / "shared").mkdir()
    if signers is None and clips is None:
        (root / "shared" / "data").symlink_to(ctx.shared_data.resolve(), target_is_directory=True)
    else:
        _shared_slice(root / "shared" / "data", ctx.shared_data, signers or (), clips or ())
    project = root / "main"
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    for name in listed:
        source = PROJECT_ROOT / name
        if source.is_file() and not name.startswith(SKIPPED_TOP) and name != "dvc.lock":
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, project / name)
    params_file = project / "params.yaml"
    params = yaml.safe_load(params_file.read_text(encoding="utf-8"))
    params["train"]["epochs"] = QUICK_EPOCHS if ctx.quick else params["train"]["epochs"]
    for section, values in (params_update or {}).items():
        params[section].update(values)
    params_file.write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True), encoding="utf-8")
    _run(["git", "init", "-q"], project)
    _run(["git", "add", "-A"], project)
    _run(["git", "-c", "user.email=bench@localhost", "-c", "user.name=bench", "commit", "-qm", "bench copy"], project)
    return project


def stage_names(project: Path) -> list[str]:
    return list(yaml.safe_load((project / "dvc.yaml").read_text(encoding="utf-8"))["stages"])


def always_run(project: Path) -> set[str]:
    """Stages dvc.yaml marks always_changed (ingest reads whatever ingest.sources names; track
    logs to the unversioned MLflow store): they run on every `dvc repro`, a no-op included."""
    stages = yaml.safe_load((project / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    return {name for name, stage in stages.items() if stage.get("always_changed")}


def time_stages(project: Path, stages: list[str], noop_repeats: int) -> dict:
    """Seconds of `dvc repro -s <stage>` per stage, then of the no-op repro (the last stage's
    with its upstream, i.e. plain `dvc repro` when every stage ran)."""
    seconds = {}
    for stage in stages:
        _, seconds[stage] = timed(lambda stage=stage: _run(["dvc", "repro", "-s", stage], project))
    everything = stages == stage_names(project)
    noop_command = ["dvc", "repro"] if everything else ["dvc", "repro", stages[-1]]
    noop, outputs = [], []
    for _ in range(noop_repeats):
        output, took = timed(lambda: _run(noop_command, project))
        noop.append(took)
        outputs.append(output)
    allowed = always_run(project)
    up_to_date = all(set(re.findall(r"Running stage '([^']+)'", output)) <= allowed for output in outputs)
    return {"stages": seconds, "total_s": sum(seconds.values()), "noop_command": " ".join(noop_command),
            "noop_s": noop, "noop_median_s": median(noop), "noop_ran_nothing": up_to_date}


def measure(ctx: Context, stages: list[str] | None = None, signers: tuple[str, ...] | None = None,
            clips: tuple[str, ...] | None = None) -> list[Row]:
    if ctx.quick and signers is None and clips is None:
        signers, clips = QUICK_SIGNERS, QUICK_CLIPS
    update = {"ingest": {"min_samples_per_class": 1}} if ctx.quick else {}
    project = repo_copy(ctx, update, signers, clips)
    stages = stages or stage_names(project)
    ctx.log(f"bench: pipeline, dvc repro -s per stage in {project} ({', '.join(stages)}) ...")
    result = time_stages(project, stages, 1 if ctx.quick else 3)
    data = "the starter data (symlink)" if signers is None and clips is None else \
        f"{len(signers or ())} signers + {len(clips or ())} clips (copied slice)"
    raw = {**result, "data": data, "epochs": QUICK_EPOCHS if ctx.quick else "params.yaml",
           "note": "each stage time includes DVC's start-up; data/keypoints cache starts empty"}
    noop = result["noop_median_s"]
    per_stage = ", ".join(f"{name} {took:.1f} s" for name, took in result["stages"].items())
    return [
        Row("4. pipeline: stages one by one (dvc repro -s)", result["total_s"], None, "s", None, "", "", None,
            note=per_stage, raw=raw),
        Row(f"4b. no-op `{result['noop_command']}`", noop, None, "s", None, "", f"< {NOOP_TARGET_S:g} s",
            noop < NOOP_TARGET_S and result["noop_ran_nothing"],
            note="" if result["noop_ran_nothing"] else "a stage ran again: not a no-op (only always_changed stages may)"),
    ]
