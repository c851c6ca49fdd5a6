"""Helpers for the ingest tests: the starter params reading other sources, params reading the real
audit cases with a person's decisions, real clips copied into place, content hashes. Not a test
module."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import yaml

from signlang.data.settings import IngestParams
from signlang.params import parse_params

STARTER = "videos/asl-starter"


def make_ingest(starter_raw: dict, sources: list[dict], **overrides) -> IngestParams:
    """The starter ingest params (its real label aliases) reading other sources."""
    raw = {**starter_raw["ingest"], "sources": sources, "min_samples_per_class": 1, **overrides}
    return IngestParams.model_validate(raw)


def copy_clip(shared_data: Path, clip: str, target: Path) -> Path:
    """A real clip from videos/asl-starter copied to `target` (a file path)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(shared_data / STARTER / clip, target)
    return target


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Relabel rules for three of ShivaNagalla's folders (each folder read as another class).
SHIVA = [{"signer": "ShivaNagalla", "folder": "please", "label": "thanks"},
         {"signer": "ShivaNagalla", "folder": "thankyou", "label": "sorry"},
         {"signer": "ShivaNagalla", "folder": "sorry", "label": "please"}]


def make_params(project_root: Path, shared_data: Path, **decisions):
    """params.yaml reading the real audit cases, with `decisions` (exclude, relabel) in ingest."""
    raw = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    raw["ingest"].update({"sources": [{"path": str(shared_data / "keypoints" / "audit-cases")}],
                          "min_samples_per_class": 1, **decisions})
    return parse_params(raw)
