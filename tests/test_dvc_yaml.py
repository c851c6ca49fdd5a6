"""dvc.yaml declares what each stage reads: every project file in the import closure of a
stage's entry point (imports inside functions included, since they run too) is a dependency of
that stage, so a change to any of them reruns the stage instead of leaving stale results that
`dvc repro` calls up to date."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = ("signlang", "stages", "realtime", "bench")
DVC_YAML = yaml.safe_load((ROOT / "dvc.yaml").read_text())


def module_file(name: str) -> Path | None:
    """The project file that defines module `name`, or None for a module outside the project."""
    parts = name.split(".")
    if parts[0] not in PROJECT_PACKAGES:
        return None
    base = ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_names(path: Path) -> set[str]:
    """Every module `path` imports anywhere (`from a import b` gives a and a.b: b may be a module)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import; the closure walk expects absolute ones"
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def import_closure(entry: Path) -> set[str]:
    """Project files (relative paths) `entry` reaches through imports, packages' __init__ included."""
    seen: set[Path] = set()
    pending = [entry]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imported_names(path):
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):  # importing a.b runs a/__init__.py too
                found = module_file(".".join(parts[:depth]))
                if found is not None and found not in seen:
                    pending.append(found)
    return {path.relative_to(ROOT).as_posix() for path in seen}


def covered(path: str, deps: list[str]) -> bool:
    return any(path == dep or path.startswith(dep.rstrip("/") + "/") for dep in deps)


def test_the_walk_finds_imports_inside_functions():
    closure = import_closure(ROOT / "stages" / "evaluate.py")
    assert {"stages/_entry.py", "signlang/metrics/evaluation.py", "signlang/models/networks.py", "signlang/io.py"} <= closure


@pytest.mark.parametrize("stage", sorted(DVC_YAML["stages"]))
def test_stage_deps_cover_the_import_closure_of_its_entry_point(stage: str):
    definition = DVC_YAML["stages"][stage]
    module = definition["cmd"].split("python -m ", 1)[1].split()[0]
    entry = module_file(module)
    assert entry is not None, f"stage {stage}: {definition['cmd']!r} does not run a project module"
    deps = [dep if isinstance(dep, str) else next(iter(dep)) for dep in definition["deps"]]
    missing = sorted(path for path in import_closure(entry) if not covered(path, deps))
    assert not missing, f"dvc.yaml stage {stage} imports these project files but does not depend on them: {missing}"


# Code a stage runs without importing it (the track stage logs it with each bundle as MLflow model code).
NOT_IMPORTED_CODE = {"track": {"signlang/serving/mlflow_model.py"}}


@pytest.mark.parametrize("stage", sorted(DVC_YAML["stages"]))
def test_stage_code_deps_are_its_import_closure_and_no_more(stage: str):
    """A stage depends on its own code and settings only: a change elsewhere does not rerun it."""
    definition = DVC_YAML["stages"][stage]
    entry = module_file(definition["cmd"].split("python -m ", 1)[1].split()[0])
    deps = {dep if isinstance(dep, str) else next(iter(dep)) for dep in definition["deps"]}
    extra = {dep for dep in deps if dep.endswith(".py")} - import_closure(entry) - NOT_IMPORTED_CODE.get(stage, set())
    assert not extra, f"dvc.yaml stage {stage} depends on code it does not import: {sorted(extra)}"


def test_train_settings_do_not_rerun_the_stages_before_training():
    for stage in ("ingest", "extract", "split", "audit"):
        closure = import_closure(module_file(f"stages.{stage}"))
        assert "signlang/models/settings.py" not in closure, stage
        assert "signlang/params.py" not in closure, f"{stage} loads every section, not its own"


@pytest.mark.parametrize("stage", sorted(DVC_YAML["stages"]))
def test_stage_code_deps_exist(stage: str):
    deps = [dep if isinstance(dep, str) else next(iter(dep)) for dep in DVC_YAML["stages"][stage]["deps"]]
    missing = [dep for dep in deps if dep.endswith(".py") and not (ROOT / dep).is_file()]
    assert not missing, f"dvc.yaml stage {stage} depends on files that do not exist: {missing}"


@pytest.mark.dvc  # runs `dvc plots show` (read only, in the checkout)
def test_dvc_plots_show_draws_each_declared_chart_once():
    """A CSV declared under a stage's `plots:` as well as at the top level is drawn twice, once
    as a default chart of every column; only the top-level definitions (and the PNGs) show."""
    import json
    import subprocess
    import sys

    dvc = Path(sys.executable).with_name("dvc")
    shown = subprocess.run([str(dvc), "plots", "show", "--json"], cwd=ROOT, capture_output=True, text=True,
                           check=True, timeout=120).stdout
    names = list(json.loads(shown)["data"])
    declared = [next(iter(entry)) if isinstance(entry, dict) else entry for entry in DVC_YAML["plots"]]
    assert names == declared
    assert not any("plots" in stage for stage in DVC_YAML["stages"].values())
