"""signlang.data.versions, the pieces of `signlang import`: a folder without data refused, and the
data placed by link or by copy, replacing what was there. The whole command:
tests/signlang/cli/test_import_data.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from signlang.data.versions import data_files, import_dataset, place
from signlang.errors import SignlangError


def test_import_refuses_a_folder_without_data(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "project" / ".dvc").mkdir(parents=True)
    (tmp_path / "empty" / "hello").mkdir(parents=True)
    (tmp_path / "empty" / "hello" / "notes.txt").write_text("x")
    monkeypatch.chdir(tmp_path / "project")
    with pytest.raises(SignlangError, match="no videos, .npy, .h5 or .npz files"):
        import_dataset(tmp_path / "empty")
    with pytest.raises(SignlangError, match="no such folder or file"):
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
