"""signlang audit on real keypoints: each kind of problem planted in real signers' blocks is
found (fast), every correction version 2 made is found in version 1 and few clean blocks of
version 2 are flagged (slow, the whole starter set), the reports are complete and the same
bytes twice, bad input is one error naming the file."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from signlang.audit.folders import audit_folders, load_folders
from signlang.audit.report import BLOCK_COLUMNS, write_audit
from signlang.audit.scoring import AuditData, audit
from signlang.audit.settings import AuditParams
from signlang.errors import InputFileError, SignlangError
from signlang.params import load_params, parse_params

MULTISIGNER = Path("keypoints") / "multisigner-258"
# Real version 2 signers the fast tests plant problems in (every class here has 2+ signers).
SIGNERS = ("AdrLfv", "F1zzy", "Jeet10", "JefferyJiang-YF", "Omar-AlQashlan", "daita-sur", "electronicaddict",
           "hirak214", "poojanvig", "tamtridung")
LEFT, RIGHT = slice(132, 195), slice(195, 258)


def link(folder: Path, files: list[Path]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        (folder / file.name).symlink_to(file)
    return folder


@pytest.fixture(scope="module")
def params(project_root: Path):
    return load_params(project_root / "params.yaml")


@pytest.fixture(scope="module")
def real(tmp_path_factory, shared_data: Path, params) -> AuditData:
    folder = link(tmp_path_factory.mktemp("audit") / "multisigner-258",
                  [shared_data / MULTISIGNER / f"{signer}.npz" for signer in SIGNERS])
    return load_folders([folder], params.ingest, params.features, params.extract, log=lambda line: None)


def block(data: AuditData, signer: str, label: str) -> np.ndarray:
    return (data.signers == signer) & (data.labels == label)


def planted(real: AuditData) -> AuditData:
    """The real windows with one problem of each kind planted in a different signer."""
    X, labels, signers = real.X.copy(), real.labels.astype(object), real.signers.astype(object)
    folders = real.folders.astype(object)
    hello, yes = block(real, "electronicaddict", "hello"), block(real, "electronicaddict", "yes")
    labels[hello], labels[yes] = "yes", "hello"  # two folders holding each other's signs
    folders[hello], folders[yes] = "yes", "hello"
    frozen = block(real, "tamtridung", "thanks")
    X[frozen] = X[frozen][:, 15:16].repeat(X.shape[1], axis=1)  # one frame held for the whole window
    handless = np.flatnonzero(block(real, "poojanvig", "hello"))
    X[handless, :-6, 132:] = 0.0  # hands lost in 24 of 30 frames
    slots = block(real, "Jeet10", "thanks")
    left = X[slots][..., LEFT].copy()
    X[np.ix_(slots, np.arange(X.shape[1]), np.arange(132, 195))] = X[slots][..., RIGHT]
    X[np.ix_(slots, np.arange(X.shape[1]), np.arange(195, 258))] = left  # hand slots exchanged
    labels[block(real, "daita-sur", "thanks")] = "yes"  # a recording of another sign under this class
    copy = np.flatnonzero(signers == "hirak214")  # one person under a second name
    hashes = np.array([hashlib.sha256(x.tobytes()).hexdigest() for x in X])
    return AuditData(X=np.concatenate([X, X[copy]]), ids=np.concatenate([real.ids, [f"alias/{i}" for i in copy]]),
                     labels=np.concatenate([labels, labels[copy]]).astype(str),
                     signers=np.concatenate([signers, ["hirak-alias"] * len(copy)]).astype(str),
                     folders=np.concatenate([folders, folders[copy]]).astype(str),
                     hashes=np.concatenate([hashes, hashes[copy]]))


@pytest.fixture(scope="module")
def found(real: AuditData, params):
    return audit(planted(real), params.audit)


def flags_of(result) -> dict[tuple[str, str], list[str]]:
    blocks = result.blocks
    return {(signer, label): list(f) for signer, label, f in zip(blocks.signer, blocks.label, blocks["issues"])}


# --------------------------------------------------------------------------- fast: planted problems


def test_audit_params_in_code_equal_params_yaml(project_root: Path) -> None:
    raw = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    assert AuditParams(**raw["audit"]) == AuditParams()
    assert raw["ingest"]["exclude"] == [] and raw["ingest"]["relabel"] == []
    with pytest.raises(SignlangError, match="audit.no_hands_fraction"):
        parse_params({**raw, "audit": {**raw["audit"], "no_hands_fraction": 0}})


def test_swapped_folders_are_named_as_a_permutation(found) -> None:
    flags = flags_of(found)
    assert flags["electronicaddict", "hello"][0] == "swapped" and flags["electronicaddict", "yes"][0] == "swapped"
    row = found.blocks[(found.blocks.signer == "electronicaddict") & (found.blocks.label == "hello")].iloc[0]
    assert row.holds == "yes" and row.folders == "hello"
    assert "hello (folder hello) -> yes" in row.evidence[0] and "yes (folder yes) -> hello" in row.evidence[0]
    assert not flags["electronicaddict", "thanks"] and not flags["electronicaddict", "no"]


def test_frozen_block_is_static_and_handless_block_no_hands(found) -> None:
    flags = flags_of(found)
    assert flags["tamtridung", "thanks"] == ["static"]
    assert flags["poojanvig", "hello"] == ["no_hands"]
    row = found.blocks[(found.blocks.signer == "poojanvig") & (found.blocks.label == "hello")].iloc[0]
    assert row.no_hand_fraction == pytest.approx(0.8, abs=0.03)
    assert "no hand in 8" in row.evidence[0]


def test_exchanged_hand_slots_and_another_sign(found) -> None:
    flags = flags_of(found)
    assert "hand_slots" in flags["Jeet10", "thanks"]
    assert flags["daita-sur", "yes"] == ["other_sign"]
    row = found.blocks[(found.blocks.signer == "daita-sur") & (found.blocks.label == "yes")].iloc[0]
    assert row.read_as == "thanks" and row.read_as_fraction >= 0.5 and row.correct_fraction <= 0.2


def test_clean_blocks_stay_unflagged(found) -> None:
    planted_blocks = {("electronicaddict", "hello"), ("electronicaddict", "yes"), ("tamtridung", "thanks"),
                      ("poojanvig", "hello"), ("Jeet10", "thanks"), ("daita-sur", "yes")}
    others = {key: flags for key, flags in flags_of(found).items() if key not in planted_blocks}
    flagged = {key: flags for key, flags in others.items() if flags}
    assert len(flagged) <= 2, flagged
    assert not any("foreign" in flags or "swapped" in flags for flags in flagged.values())


def test_one_person_under_two_names(found) -> None:
    pairs = found.pairs
    same = pairs[pairs.flag == "same_person"]
    assert same[["signer_a", "signer_b"]].values.tolist() == [["hirak-alias", "hirak214"]]
    assert same.score.iloc[0] == 1.0 and "60/60" in same.evidence.iloc[0]
    exact = pairs[pairs.kind == "exact_duplicate"]
    assert set(exact.signer_a) == {"hirak-alias"} and exact.windows.sum() == 60
    # Windows of signers flagged as one person are never read by a model that saw the other.
    assert set(found.blocks[found.blocks.signer == "hirak214"].read_as) == {"hello", "thanks"}


def test_reports_complete_and_identical_twice(found, tmp_path: Path) -> None:
    first, second = write_audit(found, tmp_path / "a"), write_audit(found, tmp_path / "b")
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert {"blocks.csv", "signers.csv", "audit.md", "audit.html"} <= set(names)
    assert any(name.startswith("figures/block_") for name in names)
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    blocks = pd.read_csv(first / "blocks.csv", keep_default_na=False)
    assert list(blocks.columns) == BLOCK_COLUMNS
    assert list(zip(blocks.signer, blocks.label)) == sorted(zip(blocks.signer, blocks.label))
    assert set(blocks.severity) <= {"high", "medium", "low", ""}
    text = (first / "audit.md").read_text(encoding="utf-8")
    assert "swapped" in text and "figures/block_01.png" in text
    assert '- {signer: "electronicaddict", folder: "yes", label: "hello"}  # swapped' in text
    assert '- {signer: "electronicaddict", folder: "hello", label: "yes"}  # swapped' in text
    assert '<img src="figures/block_01.png"' in (first / "audit.html").read_text(encoding="utf-8")


def test_figures_are_redrawn_not_left_over(found, tmp_path: Path) -> None:
    stale = tmp_path / "figures" / "block_99.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    write_audit(found, tmp_path)
    assert not stale.exists()


# --------------------------------------------------------------------------- fast: bad input, command line


def test_bad_folders_are_one_error_naming_the_file(tmp_path: Path, params, shared_data: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SignlangError, match=f"no samples found in {empty}"):
        load_folders([empty], params.ingest, params.features, params.extract)
    with pytest.raises(InputFileError, match="not found or not a folder"):
        load_folders([tmp_path / "missing"], params.ingest, params.features, params.extract)
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    np.savez(shapes / "bad.npz", X=np.zeros((2, 30, 100), np.float32), label=np.array(["a", "b"]))
    with pytest.raises(InputFileError, match=r"bad.npz: X of shape \(2, 30, 100\)"):
        load_folders([shapes], params.ingest, params.features, params.extract)
    nan = tmp_path / "nan"
    nan.mkdir()
    X = np.asarray(np.load(shared_data / MULTISIGNER / "hirak214.npz")["X"][:3], np.float32)
    X[1, 4, 200] = np.nan
    np.savez(nan / "someone.npz", X=X, label=np.array(["hello"] * 3))
    with pytest.raises(InputFileError, match=r"someone.npz#1: holds NaN"):
        load_folders([nan], params.ingest, params.features, params.extract)


def test_windows_with_nan_or_wrong_width_are_refused(real: AuditData, params) -> None:
    X = real.X.copy()
    X[3, 2, 7] = np.inf
    with pytest.raises(InputFileError, match=f"{real.ids[3]}: holds NaN or infinite"):
        audit(AuditData(X, real.ids, real.labels, real.signers, real.folders, real.hashes), params.audit)
    with pytest.raises(SignlangError, match="expected .* 258"):
        audit(AuditData(real.X[..., :200], real.ids, real.labels, real.signers, real.folders, real.hashes),
              params.audit)


def test_help_lists_audit_without_importing_it() -> None:
    script = ("import sys\nfrom signlang.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in sys.modules if m.startswith('signlang.audit.folders')), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert result.stderr.strip() == "[]"
    assert "audit" in result.stdout


def test_command_writes_the_reports(tmp_path: Path, shared_data: Path, capsys, monkeypatch, project_root) -> None:
    from signlang.cli import main

    monkeypatch.chdir(project_root)  # --params defaults to ./params.yaml
    folder = link(tmp_path / "data", [shared_data / MULTISIGNER / f"{s}.npz" for s in ("hirak214", "daita-sur",
                                                                                        "poojanvig")])
    assert main(["audit", "--data", str(folder), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "audit: 269 windows, 3 signers, 6 blocks; 0 flagged" in printed
    assert "0 signer pair(s) like one person" in printed  # 3 signers: too few to tell
    assert (tmp_path / "out" / "blocks.csv").is_file() and (tmp_path / "out" / "audit.html").is_file()
    assert main(["audit", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "x")]) == 1
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'nope'}: not found")
    assert not (tmp_path / "x").exists()


# --------------------------------------------------------------------------- slow: the starter data


@pytest.fixture(scope="module")
def version_one(tmp_path_factory, shared_data: Path) -> list[Path]:
    """Version 1 as first collected: version 2 without its corrected files, plus what it removed."""
    corrected = {"ShivaNagalla.npz", "SoyaChunkz+ToxicShot09.npz"}
    folder = link(tmp_path_factory.mktemp("v1") / "multisigner-258",
                  [p for p in sorted((shared_data / MULTISIGNER).glob("*.npz")) if p.name not in corrected])
    return [folder, shared_data / "keypoints" / "audit-cases", shared_data / "keypoints" / "audit-cases-leak"]


@pytest.mark.slow
def test_every_version_two_correction_is_found_in_version_one(version_one, params, tmp_path: Path) -> None:
    result = audit_folders(version_one, tmp_path, params, log=lambda line: None)
    flags = flags_of(result)
    assert all(flags["yunlisa96", label][0] == "foreign" for label in ("no", "sorry", "yes"))
    shiva = result.blocks[result.blocks.signer == "ShivaNagalla"].set_index("folders")
    assert list(shiva["issues"].map(lambda f: f[0])) == ["swapped"] * 3
    assert shiva.holds.to_dict() == {"please": "thanks", "thankyou": "sorry", "sorry": "please"}  # the README's rotation
    for case in (("G4CiO", "no"), ("F1zzy", "no"), ("AD-Codex", "no"), ("NishitPatel25", "iloveyou")):
        assert flags[case] and flags[case][0] in ("other_sign", "foreign"), case
    assert flags["Murugan-mady", "sorry"][0] == "no_hands"
    same = result.pairs[result.pairs.flag == "same_person"]
    assert same[["signer_a", "signer_b"]].values.tolist() == [["SoyaChunkz", "ToxicShot09"]]


@pytest.mark.slow
def test_version_two_flags_few_clean_blocks(shared_data: Path, params, tmp_path: Path) -> None:
    result = audit_folders([shared_data / MULTISIGNER], tmp_path, params, log=lambda line: None)
    blocks = result.blocks
    flagged = blocks[blocks["issues"].map(len) > 0]
    serious = flagged[flagged["issues"].map(lambda f: f != ["layout"])]
    assert len(blocks) == 79 and len(serious) <= 5, serious[["signer", "label", "issues"]]
    assert not any({"foreign", "swapped", "no_hands", "static"} & set(f) for f in flagged["issues"])
    assert (result.pairs.flag == "same_person").sum() == 0 and (result.pairs.flag == "duplicate").sum() == 0


@pytest.mark.slow
def test_a_signer_of_another_sign_language_is_foreign(shared_data: Path, params, tmp_path: Path) -> None:
    """fatih150's Turkish Sign Language `evet`, `merhaba`, `teşekkürederim` named yes, hello, thanks."""
    turkish = link(tmp_path / "turkish", [shared_data / "keypoints" / "vocab" / "fatih150.npz"])
    aliases = {**params.ingest.label_aliases, "yes": ["evet"], "hello": ["merhaba"],
               "thanks": [*params.ingest.label_aliases["thanks"], "teşekkürederim"]}
    changed = params.model_copy(update={"ingest": params.ingest.model_copy(update={"label_aliases": aliases})})
    result = audit_folders([shared_data / MULTISIGNER, turkish], tmp_path / "out", changed, log=lambda line: None)
    flags = flags_of(result)
    assert all(flags["fatih150", label][0] == "foreign" for label in ("hello", "thanks", "yes"))
