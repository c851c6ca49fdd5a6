"""`signlang evaluate` (`score_folder.evaluate_bundle`) on real clips next to a real clip cut
short: the extract stage's damage rule applies, skipped files are named with their reason
in plain words, `--predictions` writes each sample's top 3, and a progress bar runs over the
clips; a folder of real samples in three layouts scored, and one with no known label refused.
The bundle is the session's small real one (tests/conftest.py: the tutorial network, trained 2
epochs on real signers by the train stage and exported by the export stage)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from signlang import paths

pytestmark = pytest.mark.slow

STARTER = Path("videos") / "asl-starter"
# hello_03.mp4 cut to its first 30 kB: the container still says 149 frames, 1 decodes.
CUT_BYTES = 30_000
CUT_REASON = ("only 1 of the 149 frames the file reports could be decoded "
              "(damaged or truncated: at least 75% of them must decode)")
UNOPENABLE = "cannot be opened as a video (damaged or unsupported format)"


def cut_copy(source: Path, target: Path, size: int = CUT_BYTES) -> Path:
    """The first `size` bytes of a real clip: a download or copy that stopped part-way."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes()[:size])
    return target


@pytest.fixture
def clips(shared_data: Path, tmp_path: Path) -> dict[str, Path]:
    """Two good real clips (hello, yes) and hello_03 cut to 30 kB, in <label>/ folders; the yes
    clip's folder is `Yes/`, a spelling of the bundle's class `yes` as ingest merges them."""
    folder = tmp_path / "clips"
    good = {}
    for label, spelling, name in (("hello", "hello", "hello_02.mp4"), ("yes", "Yes", "yes_04.mp4")):
        (folder / spelling).mkdir(parents=True, exist_ok=True)
        good[label] = Path(shutil.copy(shared_data / STARTER / label / name, folder / spelling / name))
    cut = cut_copy(shared_data / STARTER / "hello" / "hello_03.mp4", folder / "hello" / "hello_03_cut.mp4")
    return {"folder": folder, "cut": cut, **good}


def test_a_damaged_clip_is_skipped_named_and_the_rest_scored(small_bundle: Path, clips: dict, tmp_path: Path,
                                                              capsys) -> None:
    from signlang.cli import main

    out, predictions = tmp_path / "scores.json", tmp_path / "predictions" / "top3.csv"
    code = main(["evaluate", "--bundle", str(small_bundle), "--data", str(clips["folder"]), "--out", str(out),
                 "--predictions", str(predictions)])
    assert code == 0
    console = capsys.readouterr()
    assert f"evaluate: skipped {clips['cut']}: {CUT_REASON}\n" in console.out
    assert "min_decoded_fraction" not in console.out + console.err  # not set by the user: not named
    assert "3/3" in console.err  # the progress bar went over the three clips
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["samples"] == 2
    assert document["skipped"] == {str(clips["cut"]): CUT_REASON}
    assert {name: s["support"] for name, s in document["per_class"].items() if s["support"]} == {"hello": 1, "yes": 1}

    with open(predictions, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["sample", "truth", "pred1", "p1", "pred2", "p2", "pred3", "p3"]
    assert sorted((row["sample"], row["truth"]) for row in rows) == [(str(clips["yes"]), "yes"), (str(clips["hello"]), "hello")]
    classes = json.loads((small_bundle / "labels.json").read_text(encoding="utf-8"))["classes"]
    for row in rows:
        top = [row["pred1"], row["pred2"], row["pred3"]]
        p = [float(row["p1"]), float(row["p2"]), float(row["p3"])]
        assert len(set(top)) == 3 and set(top) <= set(classes)
        assert 1.0 + 1e-5 >= p[0] >= p[1] >= p[2] >= 0.0 and sum(p) <= 1.0 + 1e-5
    assert document["accuracy"] == pytest.approx(np.mean([row["pred1"] == row["truth"] for row in rows]))


def test_nothing_usable_names_every_file(small_bundle: Path, shared_data: Path, tmp_path: Path, project_root: Path,
                                         capsys) -> None:
    from signlang.cli import main
    from signlang.errors import SignlangError
    from signlang.metrics.score_folder import evaluate_bundle

    folder = tmp_path / "broken"
    decodes_one = cut_copy(shared_data / STARTER / "hello" / "hello_03.mp4", folder / "hello" / "hello_03_cut.mp4")
    unopenable = cut_copy(shared_data / STARTER / "hello" / "hello_01.mp4", folder / "hello" / "hello_01_cut.mp4")
    out = tmp_path / "scores.json"
    # --params sets the threshold: the reason may name the key the user set.
    code = main(["evaluate", "--bundle", str(small_bundle), "--data", str(folder), "--out", str(out),
                 "--params", str(project_root / "params.yaml")])
    assert code == 1
    console = capsys.readouterr()
    assert console.err.strip().splitlines()[-1] == (
        f"error: {folder}: no sample to score: 2 file(s) could not be used: {unopenable}, {decodes_one} (reasons above)")
    assert f"evaluate: skipped {unopenable}: {UNOPENABLE}\n" in console.out
    assert (f"evaluate: skipped {decodes_one}: only 1 of the 149 frames the file reports could be decoded "
            "(damaged or truncated; --params sets extract.min_decoded_fraction to 0.75)\n") in console.out
    assert not out.exists()

    # Nothing ingest can open at all: the file is named, no internal params key is.
    decodes_one.unlink()
    lines: list[str] = []
    with pytest.raises(SignlangError) as raised:
        evaluate_bundle(small_bundle, folder, out, log=lines.append, progress=False)
    assert str(raised.value) == f"{folder}: no sample to score: 1 file(s) could not be used: {unopenable} (reasons above)"
    assert lines == [f"evaluate: skipped {unopenable}: {UNOPENABLE}"]
    assert not out.exists()


def test_evaluate_imports_no_pipeline_package(small_bundle: Path, shared_data: Path, tmp_path: Path) -> None:
    """`signlang evaluate` on keypoints and on a video, in one process: LiteRT, pandas and numpy
    scores; TensorFlow, Keras, MLflow, scikit-learn and DVC are never imported (the operator's
    install has none)."""
    import subprocess
    import sys

    video = tmp_path / "clips" / "hello"
    video.mkdir(parents=True)
    shutil.copy(shared_data / STARTER / "hello" / "hello_02.mp4", video)
    code = ("import sys\nfrom signlang.cli import main\n"
            f"codes = [main(['evaluate', '--model', {str(small_bundle)!r}, '--data', folder, '--out', 'scores.json'])"
            f" for folder in ({str(shared_data / 'keypoints' / 'mp_data-sample')!r}, {str(tmp_path / 'clips')!r})]\n"
            "print(codes, [name for name in ('tensorflow', 'keras', 'mlflow', 'sklearn', 'dvc') if name in sys.modules])")
    completed = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().splitlines()[-1] == "[0, 0] []"
    assert json.loads((tmp_path / "scores.json").read_text(encoding="utf-8"))["samples"] == 1


def _sample_folder(folder: Path, shared_data: Path) -> None:
    """Real samples in three of the layouts ingest reads: an npz of a signer the model never
    saw, MP_Data sequences (one of a class the model does not know) and one video clip."""
    with np.load(shared_data / "keypoints" / "multisigner-258" / "Jeet10.npz") as data:
        X, labels = data["X"], data["label"].astype(str)
    rows = [int(np.flatnonzero(labels == label)[0]) for label in ("hello", "iloveyou", "yes")]
    np.savez(folder / "jeet10.npz", X=X[rows], label=labels[rows])
    mp_data = shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data"
    shutil.copytree(mp_data / "hello" / "0", folder / "MP_Data" / "hello" / "0")
    shutil.copytree(mp_data / "thankYou" / "1", folder / "MP_Data" / "thankYou" / "1")
    (folder / "MP_Data" / "wave" / "0").mkdir(parents=True)  # a class the bundle lacks
    for frame in range(12):
        shutil.copy(mp_data / "no" / "0" / f"{frame}.npy", folder / "MP_Data" / "wave" / "0" / f"{frame}.npy")
    (folder / "hello").mkdir()
    shutil.copy(shared_data / "videos" / "asl-starter" / "hello" / "hello_02.mp4", folder / "hello" / "hello_02.mp4")


def test_signlang_evaluate_scores_the_bundle_on_a_folder(
    exported, shared_data: Path, project_root: Path, tmp_path: Path, capsys
) -> None:
    from signlang.cli import main

    folder = tmp_path / "samples"
    folder.mkdir()
    _sample_folder(folder, shared_data)
    out = tmp_path / "scores" / "bundle.json"
    code = main(["evaluate", "--bundle", str(exported["root"] / paths.BUNDLE_DIR), "--data", str(folder),
                 "--out", str(out), "--params", str(project_root / "params.yaml")])
    assert code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    # 3 npz rows + 2 MP_Data sequences (thankYou -> thanks by alias) + 1 video; wave is unknown.
    assert document["samples"] == 6
    assert document["unknown_label_samples"] == {"wave": 1}
    assert document["skipped"] == {}
    supports = {name: scores["support"] for name, scores in document["per_class"].items() if scores["support"]}
    assert supports == {"hello": 3, "iloveyou": 1, "thanks": 1, "yes": 1}
    for key in ("accuracy", "macro_precision", "macro_recall", "macro_f1"):
        assert 0.0 <= document[key] <= 1.0
    assert list(document) == sorted(document)
    assert "6 samples" in capsys.readouterr().out


def test_signlang_evaluate_with_no_known_label_is_an_error(exported, shared_data: Path, tmp_path: Path, capsys) -> None:
    from signlang.cli import main

    folder = tmp_path / "samples" / "wave" / "0"
    folder.mkdir(parents=True)
    for frame in range(5):
        shutil.copy(shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data" / "no" / "0" / f"{frame}.npy",
                    folder / f"{frame}.npy")
    code = main(["evaluate", "--bundle", str(exported["root"] / paths.BUNDLE_DIR),
                 "--data", str(tmp_path / "samples"), "--out", str(tmp_path / "out.json")])
    assert code == 1
    lines = capsys.readouterr().err.splitlines()  # ingest's warnings (no signer named) come first
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0] == lines[-1] and "no sample to score" in errors[0] and "wave" in errors[0]
    assert not (tmp_path / "out.json").exists()
