"""The `crossval` section of params.yaml (signlang/crossval/settings.py): nested folds off or at
least two, and only a metric the selection can use."""

from __future__ import annotations

from pathlib import Path

import pytest

from signlang.errors import ParamsError
from tests.signlang.crossval.helpers import make_params


def test_nested_folds_must_be_off_or_at_least_two(project_root: Path) -> None:
    assert make_params(project_root, nested_folds=2).crossval.nested_folds == 2
    with pytest.raises(ParamsError, match="nested_folds must be 0 \\(off\\) or at least 2"):
        make_params(project_root, nested_folds=1)
    with pytest.raises(ParamsError, match="select_metric"):
        make_params(project_root, select_metric="loss")
