"""Shared fixtures: the real recordings in ../shared/data, the project root, its params.yaml as
written, and one small real project (trained, evaluated and exported by the project's own stages)
shared by the session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SIGNLANG_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: real recordings, read-only. Tests never write into it."""
    if not (SHARED_DATA / "README.md").is_file():
        pytest.fail(f"real test data not found at {SHARED_DATA} (set SIGNLANG_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="module")
def starter_raw(project_root: Path) -> dict:
    """params.yaml as written (the starter data's sources and label aliases), as a plain dict."""
    import yaml

    return yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def small_project(tmp_path_factory, shared_data: Path, project_root: Path):
    """One small real project for the session (tests.projects.SmallProject): the tutorial network
    trained 2 epochs on four real signers' sequences by the train stage, then evaluated and
    exported by the evaluate and export stages. Read-only: copy it (tests.projects.copy_project)
    before changing anything in it."""
    from tests.projects import build_project, project_params

    return build_project(tmp_path_factory.mktemp("small-project"), shared_data, project_params(project_root))


@pytest.fixture(scope="session")
def exported(small_project) -> dict:
    """The small project's files read back: its dataset, split and trained model, its bundle, and
    the SQLite store its stages logged to (read only: a test that writes works on a copy)."""
    from tests.projects import exported_view

    return exported_view(small_project)


@pytest.fixture(scope="session")
def small_bundle(small_project) -> Path:
    """The small project's bundle (models/bundle: model.tflite, labels.json, preprocess.json)."""
    return small_project.bundle


def pytest_collection_modifyitems(config, items: list) -> None:
    """The files marked `dvc` as a whole first (each runs `dvc repro` in a copy; a fresh clone's
    whole pipeline is the longest file of all), then the rest in collection order. With two
    workers and files dispatched in this order (pyproject: --no-loadscope-reorder), the longest
    file starts at once beside the many short ones instead of last, with one worker idle."""

    def whole_file_dvc(item) -> bool:
        marks = getattr(item.module, "pytestmark", [])
        return any(mark.name == "dvc" for mark in (marks if isinstance(marks, list) else [marks]))

    items.sort(key=lambda item: not whole_file_dvc(item))
