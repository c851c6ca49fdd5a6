"""`signlang bench` (bench/cli.py): the report's table and JSON, a figure that fails reported as
not available, an unknown figure refused."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from bench import cli
from bench.common import Context, Row, ratio


def test_run_all_table_and_broken_figure(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    good = types.ModuleType("fake_good_figure")
    good.measure = lambda c: [Row("1. fake", 4.0, 2.0, "frames/s", ratio(4.0, 2.0), "a / b", ">= 1.8x", True)]
    bad = types.ModuleType("fake_bad_figure")

    def broken(c):
        raise RuntimeError("no such thing")

    bad.measure = broken
    monkeypatch.setitem(sys.modules, "fake_good_figure", good)
    monkeypatch.setitem(sys.modules, "fake_bad_figure", bad)
    monkeypatch.setattr(cli, "FIGURES", {"extraction": "fake_good_figure", "latency": "fake_bad_figure"})
    report = cli.run_all(ctx, ["latency", "extraction"])
    assert report["mode"] == "quick"
    assert report["machine"]["cpu_count"] >= 1 and report["machine"]["python"]
    assert [f["figure"] for f in report["figures"]] == ["1. fake", "2. latency"]
    fake, broken_row = report["figures"]
    assert fake["ratio"] == 2.0 and fake["met"] is True
    assert broken_row["available"] is False and "no such thing" in broken_row["note"]
    text = cli.table(report)
    assert "2.00x" in text and "not available" in text and "cores" in text
    json.dumps(report)


def test_unknown_figure_is_an_error(tmp_path: Path) -> None:
    import argparse

    from signlang.errors import ParamsError

    parser = argparse.ArgumentParser()
    cli.configure(parser)
    args = parser.parse_args(["--only", "extraction,nonsense", "--out", str(tmp_path / "bench.json")])
    with pytest.raises(ParamsError, match="unknown figure"):
        cli.run(args)
    assert not (tmp_path / "bench.json").exists()
