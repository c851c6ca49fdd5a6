"""The `evaluate` section of params.yaml."""

from __future__ import annotations

from pydantic import Field

from signlang.settings import Section


class EvaluateParams(Section):
    batch_size: int = Field(default=256, gt=0)
