"""The whole manifest (signlang/data/ingest/build.py) from params.yaml as shipped: the starter
data's sources, every sample listed once, nothing skipped."""

from __future__ import annotations

from pathlib import Path

from signlang.data import ingest
from signlang.params import parse_params
from tests.signlang.data.ingest.helpers import STARTER


def test_starter_params(shared_data: Path, starter_raw: dict, project_root: Path, monkeypatch) -> None:
    """params.yaml as shipped: 33 multi-signer files (version 3), the 41 starter clips and the
    59 clips of videos/more/asl, nothing skipped."""
    monkeypatch.chdir(project_root)  # its source paths are relative to the project root
    params = parse_params(starter_raw).ingest
    assert {Path(source.path).resolve() for source in params.sources} == {
        (shared_data / "keypoints" / "multisigner-258").resolve(), (shared_data / STARTER).resolve(),
        (shared_data / "videos" / "more" / "asl").resolve(),
    }, "params.yaml sources changed: update this test"
    skipped: list = []
    table = ingest.build_manifest(params, skipped)
    assert skipped == []
    # The 41 clips minus brother, happy, mother and sad (3-4 clips each, under
    # min_samples_per_class) leave 28; of videos/more/asl only the 2 `sorry` clips join.
    assert table["kind"].value_counts().to_dict() == {"npz": 5947, "video": 30}
    assert table["id"].is_unique and table["id"].tolist() == sorted(table["id"])
    assert set(table["label"]) == {"hello", "thanks", "iloveyou", "yes", "no", "please", "sorry", "help"}
    assert {"brother", "happy", "mother", "sad", "afternoon", "water"} <= set(table.attrs["dropped_classes"])
    assert sorted(table[table["source"].str.endswith("more/asl")]["signer"]) == ["G", "R"]
    videos = table[table["kind"] == "video"]
    assert (videos["signer"] != "").all() and (videos["frames"] > 0).all() and (videos["fps"] > 20).all()
    assert table[table["kind"] == "npz"]["signer"].nunique() == 33
    assert set(videos[videos["raw_label"] == "thank_you"]["label"]) == {"thanks"}
