"""`signlang import` in a temporary copy of the repository (real dvc and git): a folder or one
.npz/.h5 file, scanned at once as ingest will read it, the ingest.sources lines that read it
(which the ingest stage then accepts) and DVC next steps that work in the repository as it is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from signlang.cli import main
from tests.projects import copy_tracked_files

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
MP_DATA = ("keypoints", "mp_data-sample")


@pytest.fixture(scope="module")
def project(tmp_path_factory, project_root: Path) -> Path:
    folder = tmp_path_factory.mktemp("import") / "project"
    copy_tracked_files(project_root, folder)
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    return folder


def _import(project: Path, monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.chdir(project)
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
    code = main(["import", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _sources_entry(out: str) -> dict:
    """The ingest.sources entry the command printed, parsed as params.yaml would."""
    lines = out.split("add to params.yaml under ingest.sources:\n", 1)[1].split("next:\n", 1)[0]
    return yaml.safe_load("sources:\n" + lines)["sources"][0]


def test_a_folder_with_its_signer_rule(project: Path, shared_data: Path, monkeypatch, capsys) -> None:
    code, out, _ = _import(project, monkeypatch, capsys, str(shared_data.joinpath(*MP_DATA)), "--signer-folder", "1")
    assert code == 0
    assert "  30 samples, 3 classes, 1 signers (AD-Codex); kinds: mp_data 30" in out
    assert "problem: 1 signer(s): a split by signer needs 3" in out
    assert _sources_entry(out) == {"path": "data/raw/mp_data-sample", "signer_folder": 1}
    assert (project / "data" / "raw" / "mp_data-sample" / "AD-Codex" / "MP_Data" / "no" / "3" / "29.npy").is_file()
    assert "tracked by data/raw.dvc" in out
    # No remote in this repository: no bare `dvc push`, but how to add one.
    assert "this repository has no DVC remote yet; add one once" in out and "dvc remote add -d storage" in out
    assert not (project / "data" / "raw" / "mp_data-sample.signers.csv").exists()  # every sample has a signer

    # The printed entry is what the ingest stage reads.
    from signlang.data.ingest import build_manifest
    from signlang.data.settings import IngestParams

    monkeypatch.chdir(project)
    table = build_manifest(IngestParams(sources=[_sources_entry(out)], min_samples_per_class=1))
    assert len(table) == 30 and set(table["signer"]) == {"AD-Codex"}
    assert set(table["label"]) == {"hello", "no", "thankYou"}  # no label_aliases stated: as written


def test_one_h5_file_without_signers_gets_a_template(project: Path, shared_data: Path, monkeypatch, capsys) -> None:
    source = shared_data / "keypoints" / "psl-h5" / "7" / "buenos_dias.h5"
    code, out, err = _import(project, monkeypatch, capsys, str(source), "--name", "psl")
    assert code == 0 and (project / "data" / "raw" / "psl" / "buenos_dias.h5").is_file()
    assert "problem: 22 of 22 samples have no signer" in out and "signer: NAME" in out
    template = project / "data" / "raw" / "psl.signers.csv"
    assert template.read_text(encoding="utf-8") == "file,signer,labels\npsl/buenos_dias.h5,,buenos_dias\n"
    assert _sources_entry(out) == {"path": "data/raw/psl"}
    assert "# metadata: data/raw/psl.signers.csv" in out

    # Filled in, the template names the signer.
    template.write_text("file,signer\npsl/buenos_dias.h5,ronvidev\n", encoding="utf-8")
    from signlang.data.ingest import build_manifest
    from signlang.data.settings import IngestParams

    params = IngestParams(sources=[{"path": "data/raw/psl", "metadata": "data/raw/psl.signers.csv"}],
                          min_samples_per_class=1)
    assert set(build_manifest(params)["signer"]) == {"ronvidev"}


def test_with_a_remote_the_next_step_is_push(project: Path, shared_data: Path, tmp_path: Path, monkeypatch,
                                             capsys) -> None:
    subprocess.run([str(BIN / "dvc"), "remote", "add", "-d", "storage", str(tmp_path / "remote")], cwd=project,
                   check=True, capture_output=True)
    try:
        code, out, _ = _import(project, monkeypatch, capsys, str(shared_data / "keypoints" / "vocab" / "fatih150.npz"))
        assert code == 0 and "dvc push    (to the remote 'storage'" in out
        assert _sources_entry(out) == {"path": "data/raw/fatih150"}
        assert "teşekkürederim" in out
    finally:
        subprocess.run([str(BIN / "dvc"), "remote", "remove", "storage"], cwd=project, check=True, capture_output=True)


def test_a_sequence_folder_or_another_file_is_refused_before_copying(project: Path, shared_data: Path, monkeypatch,
                                                                    capsys) -> None:
    sequence = shared_data.joinpath(*MP_DATA, "AD-Codex", "MP_Data", "hello", "3")
    code, out, err = _import(project, monkeypatch, capsys, str(sequence))
    assert code == 1 and "looks like one label or sequence folder: give the folder above" in err
    assert err.startswith("error: import: no samples found in") and not (project / "data" / "raw" / "3").exists()
    code, _, err = _import(project, monkeypatch, capsys, str(shared_data / "videos" / "clips.csv"))
    assert code == 1 and "a .csv file; give a dataset folder or one .npz/.h5/.hdf5 file" in err


def test_dry_run_copies_nothing(project: Path, shared_data: Path, monkeypatch, capsys) -> None:
    clips = shared_data / "videos" / "asl-starter"
    code, _, err = _import(project, monkeypatch, capsys, str(clips), "--dry-run", "--metadata",
                           str(shared_data / "videos" / "clips.csv"))
    assert code == 1 and "keep the signers CSV inside" in err
    code, out, _ = _import(project, monkeypatch, capsys, str(clips), "--dry-run",
                           "--signer-pattern", r"^(?P<signer>[a-z]+)_\d+$")
    assert code == 0 and out.rstrip().endswith("dry run: nothing copied")
    assert "  41 samples, 10 classes" in out and not (project / "data" / "raw" / "asl-starter").exists()
