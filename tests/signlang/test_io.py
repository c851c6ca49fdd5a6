"""Atomic writes: a target is replaced whole or left as it was, and no temporary file stays."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from signlang.errors import InputFileError
from signlang.io import atomic_path, atomic_write_text, remove_stale_temps, require_inputs, save_npz


def test_atomic_write_replaces_the_target_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "metrics.json"
    atomic_write_text(target, '{"accuracy": 0.5}\n')
    atomic_write_text(target, '{"accuracy": 0.75}\n')
    assert target.read_text(encoding="utf-8") == '{"accuracy": 0.75}\n'
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in target.parent.iterdir()] == ["metrics.json"]


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "split.csv"
    target.write_text("id,subset\na,train\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_path(target) as temporary:
            temporary.write_text("id,sub", encoding="utf-8")  # half written, then the writer dies
            assert temporary.parent == target.parent and temporary.name.startswith(".split.csv.")
            raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "id,subset\na,train\n"
    assert [p.name for p in tmp_path.iterdir()] == ["split.csv"]


def test_stale_temps_are_removed_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "dataset.npz").write_bytes(b"kept")
    (tmp_path / ".dataset.npz.abc123.tmp").write_bytes(b"half")
    (tmp_path / ".bundle.x1.tmp").mkdir()
    (tmp_path / ".bundle.x1.tmp" / "model.tflite").write_bytes(b"half")
    (tmp_path / ".gitignore").write_text("x")
    removed = remove_stale_temps([tmp_path, tmp_path / "absent"])
    assert sorted(p.name for p in removed) == [".bundle.x1.tmp", ".dataset.npz.abc123.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gitignore", "dataset.npz"]


def test_require_inputs_names_the_missing_file_and_its_stage(tmp_path: Path) -> None:
    present = tmp_path / "dataset.npz"
    present.write_bytes(b"x")
    require_inputs("split", {present: "extract"})
    with pytest.raises(InputFileError, match=r"split.csv: not found; the train stage needs it \(run `dvc repro split` first\)"):
        require_inputs("train", {present: "extract", tmp_path / "split.csv": "split"})


def test_save_npz_is_deterministic_atomic_and_pickle_free(tmp_path: Path) -> None:
    arrays = {"X": np.arange(24, dtype=np.float32).reshape(2, 3, 4), "ids": np.array(["a", "bé"], dtype=str)}
    save_npz(tmp_path / "one.npz", arrays)
    first = (tmp_path / "one.npz").read_bytes()
    os.utime(tmp_path / "one.npz", (0, 0))
    save_npz(tmp_path / "one.npz", arrays)
    assert (tmp_path / "one.npz").read_bytes() == first
    with np.load(tmp_path / "one.npz", allow_pickle=False) as data:
        np.testing.assert_array_equal(data["X"], arrays["X"])
        assert list(data["ids"]) == ["a", "bé"]
    with pytest.raises(TypeError, match="object"):
        save_npz(tmp_path / "bad.npz", {"ids": np.array(["a", None], dtype=object)})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.npz"], "no temporary file left behind"
