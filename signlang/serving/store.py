"""Where MLflow runs go and whether a result is already there, without importing MLflow.

The track stage runs on every `dvc repro` (the store is not versioned) and a no-op repro should
cost next to nothing: MLflow's import alone takes seconds. So the fingerprint of a pipeline
result (params + the bytes of its files) and the look-up of a run tagged with it live here, on
the standard library: for the embedded SQLite store (the default) the run is looked up in the
database file itself, read-only, as MLflow's `search_runs` would find it (an active run of the
project's experiment). For any other store (a tracking server) `logged_run` says it cannot tell
and the caller asks MLflow.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from signlang import paths
from signlang.io import file_sha256

EXPERIMENT_NAME = os.environ.get("SIGNLANG_EXPERIMENT", "signlang")
FINGERPRINT_TAG = "signlang.results_fingerprint"
# The params sections that shape a pipeline result (logged and fingerprinted); the apps'
# sections (serve, live, capture, speech, sentence) and cross-validation's are not.
PIPELINE_SECTIONS = ("ingest", "extract", "features", "split", "train", "evaluate", "export")
SQLITE_PREFIX = "sqlite:///"
# `logged_run`'s answer when it cannot look (a tracking server, a database it cannot read).
UNKNOWN = "unknown"


def project_root() -> Path:
    """DVC_ROOT when DVC runs the stage, else the working directory. A queued `dvc exp run`
    runs in a temporary copy (.dvc/tmp/exps/...) and sets DVC_ROOT to the real repository,
    so its runs land in the project's store, not in a folder deleted afterwards."""
    return Path(os.environ.get("DVC_ROOT") or Path.cwd())


def default_tracking_uri() -> str:
    return f"{SQLITE_PREFIX}{project_root() / paths.MLFLOW_DB}"


def tracking_uri() -> str:
    """MLFLOW_TRACKING_URI when set, else the embedded SQLite store in the project root."""
    return os.environ.get("MLFLOW_TRACKING_URI") or default_tracking_uri()


def results_fingerprint(files: list[Path], params: Mapping[str, Any]) -> str:
    """One sha256 over the params and the bytes of every result file (folders: each file in
    them, by relative path): the same pipeline result always has the same fingerprint."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode())
    for path in files:
        path = Path(path)
        members = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for member in members:
            digest.update(member.as_posix().encode())
            digest.update(file_sha256(member).encode())
    return digest.hexdigest()


def pipeline_fingerprint(params: Any, files: Mapping[str, Path]) -> str:
    """The fingerprint the track stage tags its run with: the pipeline sections of `params`
    and the result files, by name."""
    logged = params.model_dump(mode="json", include=set(PIPELINE_SECTIONS))
    return results_fingerprint([Path(files[key]) for key in sorted(files)], logged)


def logged_run(tag: str, value: str, uri: str | None = None) -> str | None:
    """The latest active run of the project's experiment tagged `tag` = `value` in the SQLite
    store at `uri` (default: `tracking_uri()`), None when there is none (or no store yet), or
    UNKNOWN when the store is not a SQLite file this can read."""
    uri = uri or tracking_uri()
    if not uri.startswith(SQLITE_PREFIX):
        return UNKNOWN
    database = Path(uri[len(SQLITE_PREFIX):])
    if not database.is_file():
        return None
    query = ("SELECT runs.run_uuid FROM runs JOIN tags ON tags.run_uuid = runs.run_uuid "
             "JOIN experiments ON experiments.experiment_id = runs.experiment_id "
             "WHERE tags.key = ? AND tags.value = ? AND experiments.name = ? AND runs.lifecycle_stage = 'active' "
             "ORDER BY runs.start_time DESC LIMIT 1")
    try:
        connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = connection.execute(query, (tag, value, EXPERIMENT_NAME)).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return UNKNOWN  # another schema, a locked or damaged file: MLflow decides
    return str(row[0]) if row else None
