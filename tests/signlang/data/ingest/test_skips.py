"""ingest.on_error: strict (signlang/data/ingest/skips.py): the first unusable file stops the run,
named with its reason; hidden files never do."""

from __future__ import annotations

from pathlib import Path

import pytest

from signlang.data import ingest
from signlang.errors import SignlangError
from tests.signlang.data.ingest.helpers import copy_clip, make_ingest


def test_strict_stops_at_the_first_unusable_file(shared_data: Path, starter_raw: dict, tmp_path: Path) -> None:
    source = tmp_path / "clips"
    copy_clip(shared_data, "hello/hello_02.mp4", source / "hello" / "hello_02.mp4")
    (source / "hello" / "notes.txt").write_text("recorded on Monday")
    (source / ".DS_Store").write_bytes(b"\x00")  # hidden files are never an error, even when strict
    params = make_ingest(starter_raw, [{"path": str(source)}], on_error="strict")
    with pytest.raises(SignlangError) as raised:
        ingest.build_manifest(params)
    assert str(raised.value) == (f"{source.as_posix()}/hello/notes.txt: unknown file type .txt "
                                 "(ingest.on_error is strict: stopping at the first unusable sample)")
    (source / "hello" / "notes.txt").unlink()
    assert ingest.build_manifest(params)["id"].tolist() == ["clips/hello/hello_02.mp4"]
