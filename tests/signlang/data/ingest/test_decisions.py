"""ingest.exclude and ingest.relabel: a person's decisions after an audit, applied by ingest on
the real audit-case recordings and listed in reports/ingest.json and ingest_skipped.csv."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from signlang.data import ingest
from signlang.errors import ParamsError
from signlang.params import parse_params
from stages.ingest import ingest as ingest_stage

SHIVA = [{"signer": "ShivaNagalla", "folder": "please", "label": "thanks"},
         {"signer": "ShivaNagalla", "folder": "thankyou", "label": "sorry"},
         {"signer": "ShivaNagalla", "folder": "sorry", "label": "please"}]


def make_params(project_root: Path, shared_data: Path, **decisions):
    raw = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    raw["ingest"].update({"sources": [{"path": str(shared_data / "keypoints" / "audit-cases")}],
                          "min_samples_per_class": 1, **decisions})
    return parse_params(raw)


def test_relabel_and_exclude_are_applied_and_reported(tmp_path: Path, project_root: Path, shared_data: Path,
                                                      capsys) -> None:
    params = make_params(project_root, shared_data, relabel=SHIVA,
                         exclude=[{"signer": "yunlisa96"}, {"signer": "AD-Codex", "label": "no"}, {"signer": "nobody"}])
    table = ingest_stage(params, tmp_path / "manifest.csv", tmp_path / "ingest.json", tmp_path / "skipped.csv")
    shiva = table[table.signer == "ShivaNagalla"].groupby("raw_label").label.unique().map(list).to_dict()
    assert shiva == {"please": ["thanks"], "sorry": ["please"], "thankyou": ["sorry"]}
    assert not {"yunlisa96", "AD-Codex"} & set(table.signer)
    assert len(table) == 900 - 570 - 30
    report = json.loads((tmp_path / "ingest.json").read_text(encoding="utf-8"))
    assert report["decisions"]["exclude"] == [{"signer": "yunlisa96", "samples": 570},
                                              {"signer": "AD-Codex", "label": "no", "samples": 30},
                                              {"signer": "nobody", "samples": 0}]
    assert [rule["samples"] for rule in report["decisions"]["relabel"]] == [30, 30, 30]
    skipped = pd.read_csv(tmp_path / "skipped.csv")
    left_out = skipped[skipped.reason.str.startswith("left out by ingest.exclude")]
    assert len(left_out) == 600 and left_out.path.str.contains("yunlisa96.npz#").sum() == 570
    assert "ingest.exclude {'signer': 'nobody'} matches no sample" in capsys.readouterr().err
    summary = ingest.summary_line(report)
    assert "600 left out by ingest.exclude, 90 relabelled by ingest.relabel" in summary


def test_exclude_label_is_the_class_after_relabel(project_root: Path, shared_data: Path) -> None:
    params = make_params(project_root, shared_data, relabel=SHIVA,
                         exclude=[{"signer": "ShivaNagalla", "label": "sorry"}])
    table = ingest.build_manifest(params.ingest)
    assert sorted(table[table.signer == "ShivaNagalla"].raw_label.unique()) == ["please", "sorry"]


def test_a_relabel_target_spelled_like_a_class_is_that_class(project_root: Path, shared_data: Path) -> None:
    spelled = [{**SHIVA[0], "label": "  Thanks "}, {**SHIVA[1], "label": "SORRY"}, SHIVA[2]]
    table = ingest.build_manifest(make_params(project_root, shared_data, relabel=spelled).ingest)
    assert sorted(table.label.unique()) == ["iloveyou", "no", "please", "sorry", "thanks", "yes"]
    shiva = table[table.signer == "ShivaNagalla"].groupby("raw_label").label.unique().map(list).to_dict()
    assert shiva == {"please": ["thanks"], "sorry": ["please"], "thankyou": ["sorry"]}


def test_no_decisions_change_nothing(project_root: Path, shared_data: Path) -> None:
    table = ingest.build_manifest(make_params(project_root, shared_data).ingest)
    assert len(table) == 900 and "decisions" not in ingest.ingest_report(table, [], make_params(
        project_root, shared_data).ingest)


def test_bad_decisions_are_refused_naming_the_key(project_root: Path, shared_data: Path) -> None:
    with pytest.raises(ParamsError, match="ingest: Value error, relabel: .*ShivaNagalla.* is listed twice"):
        make_params(project_root, shared_data, relabel=[SHIVA[0], {**SHIVA[0], "label": "hello"}])
    with pytest.raises(ParamsError, match=r"ingest.exclude.0.label: Input should be a valid string"):
        make_params(project_root, shared_data, exclude=[{"signer": "AD-Codex", "label": False}])  # YAML's bare `no`
    with pytest.raises(ParamsError, match=r"ingest.relabel.0.folder: Field required"):
        make_params(project_root, shared_data, relabel=[{"signer": "ShivaNagalla", "label": "thanks"}])
