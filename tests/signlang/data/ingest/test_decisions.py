"""ingest.exclude and ingest.relabel (signlang/data/ingest/decisions.py): a person's decisions
after an audit, applied by ingest on the real audit-case recordings; and the class filters
(include_labels, min_samples_per_class). As the stage lists them in reports/ingest.json and
ingest_skipped.csv: tests/stages/test_ingest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from signlang.data import ingest
from signlang.errors import ParamsError, SignlangError
from tests.signlang.data.ingest.helpers import SHIVA, make_ingest, make_params


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


def test_include_labels_and_min_samples(shared_data: Path, starter_raw: dict) -> None:
    source = [{"path": str(shared_data / "keypoints" / "psl-h5")}]
    table = ingest.build_manifest(make_ingest(starter_raw, source, include_labels=["adios", "Hola_Der", "hola-izq"]))
    assert set(table["label"]) == {"adios", "hola-izq"}  # include_labels is exact after aliasing
    assert table.attrs["excluded"] > 0

    full = ingest.build_manifest(make_ingest(starter_raw, source))
    counts = full["label"].value_counts()
    threshold = int(counts.min()) + 1
    filtered = ingest.build_manifest(make_ingest(starter_raw, source, min_samples_per_class=threshold))
    small = {label: int(n) for label, n in counts.items() if n < threshold}
    assert filtered.attrs["dropped_classes"] == dict(sorted(small.items())) and small
    assert set(filtered["label"]) == set(counts.index) - set(small)
    with pytest.raises(SignlangError, match="no samples left"):
        ingest.build_manifest(make_ingest(starter_raw, source, min_samples_per_class=10_000))


def test_exclude_one_source_folder_of_a_signer(project_root: Path, shared_data: Path, capsys) -> None:
    whole = ingest.build_manifest(make_params(project_root, shared_data).ingest)
    folder = (whole.signer == "ShivaNagalla") & (whole.raw_label == "sorry")
    same_class = whole.label == "sorry"
    assert folder.sum() > 0 and same_class.sum() > folder.sum()  # other signers' sorry stays

    rule = {"signer": "ShivaNagalla", "folder": " sorry "}
    table = ingest.build_manifest(make_params(project_root, shared_data, exclude=[rule]).ingest)
    assert len(table) == len(whole) - folder.sum()
    assert (table.label == "sorry").sum() == same_class.sum() - folder.sum()
    assert set(table[table.signer == "ShivaNagalla"].raw_label) == {"please", "thankyou"}
    assert table.attrs["decisions"]["exclude"][0]["samples"] == folder.sum()

    # Folder and class narrow together: after relabel, ShivaNagalla's folder `sorry` is please.
    narrowed = [{"signer": "ShivaNagalla", "folder": "sorry", "label": "sorry"}]
    table = ingest.build_manifest(make_params(project_root, shared_data, relabel=SHIVA, exclude=narrowed).ingest)
    assert len(table) == len(whole) and "matches no sample" in capsys.readouterr().err


def test_a_folder_stored_in_nfd_is_matched_by_its_nfc_spelling(project_root: Path, shared_data: Path) -> None:
    """raw_label keeps a folder's name as stored (macOS writes NFD); a rule in params.yaml is typed
    in NFC. Both decisions compare the two in one form."""
    import unicodedata

    import pandas as pd

    nfd = unicodedata.normalize("NFD", "adiós")
    table = pd.DataFrame({"signer": ["ana", "ana", "ben"], "raw_label": [nfd, "hola", nfd],
                          "label": ["adiós", "hola", "adiós"], "path": ["a/1.mp4", "a/2.mp4", "b/1.mp4"],
                          "index": [None, None, None]})
    params = make_params(project_root, shared_data, relabel=[{"signer": "ana", "folder": "adiós", "label": "hola"}],
                         exclude=[{"signer": "ben", "folder": "adiós"}]).ingest
    kept = ingest.apply_decisions(table, params)
    assert kept[["signer", "raw_label", "label"]].values.tolist() == [["ana", nfd, "hola"], ["ana", "hola", "hola"]]
    assert [entry["samples"] for entry in kept.attrs["decisions"]["relabel"] + kept.attrs["decisions"]["exclude"]] == [1, 1]
