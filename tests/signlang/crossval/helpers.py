"""Shared by the crossval tests: params for tiny, fast cross-validations and real signers' files."""

from __future__ import annotations

from pathlib import Path

import yaml

from signlang.params import Params, parse_params

SIGNERS = ("AD-Codex", "AdrLfv", "JefferyJiang-YF", "hirak214")


def make_params(project_root: Path, **crossval_changes) -> Params:
    raw = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    raw["train"].update({"batch_size": 32, "early_stopping_patience": 0})
    raw["crossval"].update({"val_signers": 1, "nested_folds": 0, **crossval_changes})
    return parse_params(raw)


def link_signers(folder: Path, shared_data: Path, names: dict[str, str]) -> Path:
    """`folder` with links to real signers' files, {file stem: signer file in multisigner-258}."""
    folder.mkdir(parents=True, exist_ok=True)
    for stem, signer in names.items():
        (folder / f"{stem}.npz").symlink_to(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz")
    return folder
