"""The PR report's Markdown pieces and `signlang import`'s refusals (the end-to-end runs on
real commits are in tests/test_workflows.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from signlang.data.versions import data_files, import_dataset, place
from signlang.errors import SignlangError
from signlang.metrics.report import bench_table, diff_table, figure_links


def test_diff_table_rows_values_and_change() -> None:
    diff = {"reports/metrics.json": {"accuracy": {"old": 0.5, "new": 0.625, "diff": 0.125},
                                     "preset": {"old": "tutorial", "new": "lstm"}},
            "reports/train.json": {"classes": {"old": None, "new": 8}}}
    table = diff_table(diff, "main", "HEAD").splitlines()
    assert table[0] == "| file | key | main | HEAD | change |"
    assert "| reports/metrics.json | accuracy | 0.5 | 0.625 | +0.125 |" in table
    assert "| reports/metrics.json | preset | tutorial | lstm | changed |" in table
    assert "| reports/train.json | classes | — | 8 | added |" in table
    assert diff_table({}, "a", "b") == ""


def test_bench_table_shapes() -> None:
    records = bench_table([{"backend": "loky", "fps": 12.5}, {"backend": "dask", "fps": 11.0, "note": "x"}])
    assert records.splitlines()[0] == "| backend | fps | note |"
    assert "| dask | 11 | x |" in records
    assert "| name | fps |" in bench_table({"loky": {"fps": 1.0}})
    assert "| fps | 3 |" in bench_table({"fps": 3})
    bench = bench_table({"figures": [{"figure": "extract fps", "project": 9.5}], "mode": "quick"})
    assert bench.startswith("| figure | project |\n") and "| extract fps | 9.5 |" in bench and "mode: quick" in bench


def test_figure_links_only_existing_files(tmp_path: Path) -> None:
    (tmp_path / "curves.png").write_bytes(b"png")
    assert figure_links(tmp_path, "https://x/figs") == ["![Training curves](https://x/figs/curves.png)"]


def test_import_refuses_a_folder_without_data(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "project" / ".dvc").mkdir(parents=True)
    (tmp_path / "empty" / "hello").mkdir(parents=True)
    (tmp_path / "empty" / "hello" / "notes.txt").write_text("x")
    monkeypatch.chdir(tmp_path / "project")
    with pytest.raises(SignlangError, match="no videos, .npy, .h5 or .npz files"):
        import_dataset(tmp_path / "empty")
    with pytest.raises(SignlangError, match="not a folder"):
        import_dataset(tmp_path / "missing")


def test_place_links_or_copies_and_replaces(tmp_path: Path) -> None:
    source = tmp_path / "src" / "hello"
    source.mkdir(parents=True)
    (source / "a.npz").write_bytes(b"1")
    target = tmp_path / "raw" / "set"
    place(tmp_path / "src", target, link=True)
    assert (target / "hello" / "a.npz").stat().st_ino == (source / "a.npz").stat().st_ino
    (source / "a.npz").unlink()
    (source / "b.npz").write_bytes(b"2")
    place(tmp_path / "src", target, link=False)
    assert [p.name for p in data_files(target)] == ["b.npz"]
