"""Fixtures for the bench tests: one quick bench context, a tiny real clip and a tiny model,
shared by every bench test file of the session (each is costly to make)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.common import Context, resized_clip


@pytest.fixture(scope="session")
def ctx(tmp_path_factory, shared_data: Path, project_root: Path) -> Context:
    return Context(quick=True, shared_data=shared_data, params_path=project_root / "params.yaml",
                   scratch=tmp_path_factory.mktemp("bench"))


@pytest.fixture(scope="session")
def tiny_clip(ctx: Context) -> Path:
    """The first 8 frames of a real starter clip, at 320x240."""
    source = ctx.shared_data / "videos" / "asl-starter" / "yes" / "yes_04.mp4"
    clip, frames = resized_clip(source, ctx.temp_dir("clip-") / "tiny.mp4", (320, 240), max_frames=8)
    assert frames == 8
    return clip


@pytest.fixture(scope="session")
def tiny_model(ctx: Context):
    """Always the fallback: a tiny tutorial model trained and exported in scratch."""
    from bench.models import tiny_model

    model = tiny_model(ctx, epochs=1, signers=("hirak214", "daita-sur"))
    ctx.cache["model"] = model
    return model
