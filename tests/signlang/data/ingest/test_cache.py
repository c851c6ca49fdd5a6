"""signlang.data.ingest.cache: what ingest read from each file is kept by size, modification time
and inode, so a run over unchanged files reads none of them, writes the same bytes as a run
without the cache, and rereads exactly the files that changed. Real recordings throughout."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from signlang.data import ingest
from signlang.data.ingest import readers
from signlang.data.settings import IngestParams, SourceParams

MP_DATA = ("keypoints", "mp_data-sample", "AD-Codex", "MP_Data")


@pytest.fixture()
def sources(shared_data: Path, tmp_path: Path) -> Path:
    """Every layout in one folder: two real npz signers, MP_Data, a PSL .h5, two clips (one cut short)."""
    root = tmp_path / "sources"
    (root / "npz").mkdir(parents=True)
    for signer in ("hirak214", "daita-sur"):
        shutil.copy(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz", root / "npz")
    for number in range(4):
        shutil.copytree(shared_data.joinpath(*MP_DATA, "no", str(number)), root / "mp" / "no" / str(number))
    (root / "h5").mkdir()
    shutil.copy(shared_data / "keypoints" / "psl-h5" / "18" / "adios.h5", root / "h5")
    (root / "clips" / "yes").mkdir(parents=True)
    clip = shared_data / "videos" / "asl-starter" / "yes" / "yes_02.mp4"
    shutil.copy(clip, root / "clips" / "yes")
    (root / "clips" / "yes" / "cut.mp4").write_bytes(clip.read_bytes()[:3000])
    return root


def _params(root: Path) -> IngestParams:
    return IngestParams(sources=[SourceParams(path=str(root / name), signer="S") for name in ("npz", "mp", "h5", "clips")],
                        min_samples_per_class=1)


def _run(root: Path, out: Path, cache: Path | None) -> tuple[bytes, list]:
    skipped: list = []
    table = ingest.build_manifest(_params(root), skipped, cache)
    ingest.write_manifest(table, out)
    return out.read_bytes(), skipped


def _clear_reader_caches() -> None:
    readers._read_npz_cached.cache_clear()
    readers._read_h5_cached.cache_clear()


def test_a_run_over_unchanged_files_reads_none_and_writes_the_same_bytes(sources: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    without, skipped_without = _run(sources, tmp_path / "plain.csv", None)
    cold, skipped_cold = _run(sources, tmp_path / "cold.csv", cache)
    assert len(list(cache.glob("*.json"))) == 4  # one per source
    stored = {path.name: path.stat().st_mtime_ns for path in cache.glob("*.json")}

    _clear_reader_caches()
    warm, skipped_warm = _run(sources, tmp_path / "warm.csv", cache)
    assert without == cold == warm
    assert skipped_without == skipped_cold == skipped_warm
    assert [Path(entry["path"]).name for entry in skipped_warm] == ["cut.mp4"]  # the cached reason, unchanged
    assert readers._read_npz_cached.cache_info().misses == 0 and readers._read_h5_cached.cache_info().misses == 0
    assert {path.name: path.stat().st_mtime_ns for path in cache.glob("*.json")} == stored, "nothing rewritten"


def test_changed_files_are_read_again(sources: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    before = ingest.build_manifest(_params(sources), [], cache).set_index("id")["content_hash"]

    with np.load(sources / "npz" / "hirak214.npz") as data:
        arrays = {key: data[key] for key in data.files}
    arrays["X"] = arrays["X"][::-1].copy()  # the same windows in reverse order
    np.savez(sources / "npz" / "hirak214.npz", **arrays)
    frame = sources / "mp" / "no" / "2" / "7.npy"
    np.save(frame, np.load(frame) * 0.5)
    (sources / "clips" / "yes" / "cut.mp4").unlink()

    skipped: list = []
    after = ingest.build_manifest(_params(sources), skipped, cache).set_index("id")["content_hash"]
    fresh = ingest.build_manifest(_params(sources), [], None).set_index("id")["content_hash"]
    assert after.equals(fresh)
    changed = sorted(after.index[after != before.reindex(after.index)])
    assert "mp/no/2" in changed and "npz/hirak214.npz#0" in changed
    assert not any(name.startswith(("npz/daita-sur", "h5/", "clips/", "mp/no/0")) for name in changed)
    assert skipped == []
    entries = {key for path in tmp_path.joinpath("cache").glob("*.json")
               for key in json.loads(path.read_text(encoding="utf-8"))["entries"]}
    assert "yes/cut.mp4" not in entries and "yes/yes_02.mp4" in entries  # the deleted file's entry is gone


def test_a_damaged_cache_file_is_only_a_slower_run(sources: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first, _ = _run(sources, tmp_path / "first.csv", cache)
    for path in cache.glob("*.json"):
        path.write_text("{not json", encoding="utf-8")
    again, _ = _run(sources, tmp_path / "again.csv", cache)
    assert again == first
    assert all(json.loads(path.read_text(encoding="utf-8"))["version"] == 2 for path in cache.glob("*.json"))
