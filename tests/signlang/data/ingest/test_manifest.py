"""signlang.data.ingest.manifest: the manifest CSV round trip (types, odd labels)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signlang.data import ingest
from signlang.data.ingest.manifest import to_table


def test_manifest_round_trip_keeps_types_and_odd_labels(tmp_path: Path) -> None:
    rows = [
        {"id": "s/NA/a.mp4", "label": "NA", "raw_label": "NA", "signer": "", "source": "s", "path": "s/NA/a.mp4",
         "index": None, "content_hash": hashlib.sha256(b"a").hexdigest(), "frames": 12, "fps": 29.97003, "kind": "video"},
        {"id": "s/x.npz#3", "label": "None", "raw_label": "none ", "signer": "null", "source": "s",
         "path": "s/x.npz", "index": 3, "content_hash": hashlib.sha256(b"b").hexdigest(), "frames": 30, "fps": None,
         "kind": "npz"},
    ]
    table = to_table(rows)
    ingest.write_manifest(table, tmp_path / "m.csv")
    back = ingest.read_manifest(tmp_path / "m.csv")
    assert back["label"].tolist() == ["NA", "None"] and back["signer"].tolist() == ["", "null"]
    assert back["index"].tolist()[1] == 3 and pd.isna(back["index"].iloc[0])
    assert back["fps"].iloc[0] == pytest.approx(29.97003) and np.isnan(back["fps"].iloc[1])
    assert back["frames"].tolist() == [12, 30]
    text = (tmp_path / "m.csv").read_text(encoding="utf-8").splitlines()
    assert text[0] == ",".join(ingest.COLUMNS)
    assert text[1] == f"s/NA/a.mp4,NA,NA,,s,s/NA/a.mp4,,{rows[0]['content_hash']},12,29.97003,video"
    assert ",3," in text[2] and text[2].endswith(",30,,npz")
