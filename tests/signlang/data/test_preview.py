"""signlang.data.preview: a dataset as ingest will read it (real recordings), summarised for a
person, the ingest.sources lines that read it and a signers CSV template."""

from __future__ import annotations

from pathlib import Path

import yaml

from signlang.data.preview import describe, preview, signers_template, source_lines
from signlang.data.settings import IngestParams, SourceParams

MP_DATA = ("keypoints", "mp_data-sample")


def test_a_folder_is_summarised_per_class_with_its_problems(shared_data: Path) -> None:
    scanned = preview(SourceParams(path=str(shared_data.joinpath(*MP_DATA))))
    lines = describe(scanned)
    assert lines[0] == "30 samples, 3 classes, 0 signers; kinds: mp_data 30"
    assert [line.split()[0] for line in lines[2:5]] == ["hello", "no", "thankYou"]  # as written: no aliases
    assert lines[2].split()[1:] == ["10", "0", "30", "/", "30", "/", "30"]
    assert any(line.startswith("problem: 30 of 30 samples have no signer") for line in lines)
    assert any("signer_folder: 1" in line for line in lines)


def test_project_label_rules_apply_and_small_classes_are_named(shared_data: Path) -> None:
    project = IngestParams(sources=[SourceParams(path="x")], label_aliases={"thanks": ["thank you"]},
                           min_samples_per_class=40)
    scanned = preview(SourceParams(path=str(shared_data / "keypoints" / "psl-h5"), signer="ronvidev"), project)
    assert set(scanned.table["signer"]) == {"ronvidev"}
    text = "\n".join(describe(scanned))
    assert "problem: left out by ingest.min_samples_per_class or include_labels: buenos_dias (22), como_estas (19), hola-der (4), " in text
    assert "problem: 1 signer(s): a split by signer needs 3" in text


def test_source_lines_are_the_yaml_that_reads_it() -> None:
    source = SourceParams(path="data/raw/señas: día 1", signer_path_pattern=r"^[^/]+/(?P<signer>[^/]+)/",
                          metadata="data/raw/x.csv")
    lines = source_lines(source)
    parsed = yaml.safe_load("sources:\n" + "\n".join(lines))["sources"]
    assert parsed == [{"path": "data/raw/señas: día 1", "metadata": "data/raw/x.csv",
                       "signer_path_pattern": r"^[^/]+/(?P<signer>[^/]+)/"}]
    assert source_lines(SourceParams(path="data/raw/vn", signer_folder=1)) == [
        "    - path: data/raw/vn", "      signer_folder: 1"]


def test_signers_template_names_each_sample_file_relative_to_the_csv(shared_data: Path, tmp_path: Path) -> None:
    scanned = preview(SourceParams(path=str(shared_data / "keypoints" / "psl-h5")))
    template = signers_template(scanned, tmp_path / "raw", tmp_path / "raw" / "psl")
    assert template["file"].tolist()[:2] == ["psl/18/adios.h5", "psl/18/hola-der.h5"]
    assert len(template) == 7 and (template["signer"] == "").all()
    assert template.set_index("file").loc["psl/7/como_estas.h5", "labels"] == "como_estas"
