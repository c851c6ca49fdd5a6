"""Auditing folders as ingest reads them: bad folders are one error naming the file; on the
starter data (slow) every version 2 correction is found in version 1, few version 2 blocks are
flagged without a reason the data README gives, one person under two names whose classes differ
is found among all of version 2, and a signer of another sign language is foreign."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from signlang.audit.folders import audit_folders, load_folders
from signlang.audit.report import block_rows
from signlang.audit.scoring import audit
from signlang.errors import InputFileError, SignlangError
from tests.signlang.audit.helpers import CORRECTED, MULTISIGNER, README_NOTED, flags_of, link, subset, version_files


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


# --------------------------------------------------------------------------- slow: the starter data


@pytest.fixture(scope="module")
def version_one(tmp_path_factory, shared_data: Path) -> list[Path]:
    """Version 1 as first collected: version 2 without its corrected files, plus what it removed."""
    folder = link(tmp_path_factory.mktemp("v1") / "multisigner-258", version_files(shared_data, CORRECTED))
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
def test_version_two_flags_few_blocks_without_a_reason(shared_data: Path, params, tmp_path: Path) -> None:
    folder = link(tmp_path / "v2" / "multisigner-258", version_files(shared_data))
    result = audit_folders([folder], tmp_path / "out", params, log=lambda line: None)
    blocks = block_rows(result)
    flagged = blocks[blocks.flag != ""]
    assert len(blocks) == 79 and not any({"foreign", "swapped", "no_hands", "static"} & set(f.split(";"))
                                         for f in flagged.flag)
    # SoyaChunkz+ToxicShot09's pose slots hold face points: its 6 blocks are layout, and only layout.
    layout = flagged[flagged.flag == "layout"]
    assert set(layout.signer) == {"SoyaChunkz+ToxicShot09"} and len(layout) == 6
    serious = flagged[flagged.flag != "layout"]
    noted = [(s, label) in README_NOTED for s, label in zip(serious.signer, serious.label)]
    assert serious[~np.array(noted, bool)].severity.eq("review").all()  # high and medium: README-noted
    assert (~np.array(noted, bool)).sum() / len(blocks) <= 0.10, serious[["signer", "label", "flag"]]
    assert (result.pairs.flag == "same_person").sum() == 0 and (result.pairs.flag == "duplicate").sum() == 0


@pytest.mark.slow
def test_one_person_under_two_names_with_other_classes_among_version_two(shared_data: Path, params,
                                                                          tmp_path: Path) -> None:
    """SoyaChunkz's hello and thanks, ToxicShot09's help, no and yes (one person's two repositories)
    among every other version 2 signer: paired, and no one else."""
    folder = link(tmp_path / "multisigner-258", version_files(shared_data, ("SoyaChunkz+ToxicShot09.npz",)))
    data = load_folders([folder, shared_data / "keypoints" / "audit-cases-leak"], params.ingest, params.features,
                        params.extract, log=lambda line: None)
    greetings = np.isin(data.labels, ["hello", "thanks"])
    data = subset(data, ~(((data.signers == "SoyaChunkz") & ~greetings) | ((data.signers == "ToxicShot09") & greetings)))
    pairs = audit(data, params.audit).pairs
    assert pairs[pairs.flag == "same_person"][["signer_a", "signer_b"]].values.tolist() == [["SoyaChunkz",
                                                                                              "ToxicShot09"]]
    others = pairs[(pairs.kind == "same_person") & (pairs.flag == "")]
    assert (others.score < params.audit.same_person_neighbours).all()


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
