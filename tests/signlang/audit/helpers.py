"""Real windows for the audit's tests, and the problems they plant in them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from signlang.audit.data import AuditData

MULTISIGNER = Path("keypoints") / "multisigner-258"
# Real version 2 signers the fast tests plant problems in (every class here has 2+ signers).
SIGNERS = ("AdrLfv", "F1zzy", "Jeet10", "JefferyJiang-YF", "Omar-AlQashlan", "daita-sur", "electronicaddict",
           "hirak214", "poojanvig", "tamtridung")
LEFT, RIGHT = slice(132, 195), slice(195, 258)
# The blocks `planted` changes; every other block of SIGNERS is as recorded.
PLANTED = {("electronicaddict", "hello"), ("electronicaddict", "yes"), ("tamtridung", "thanks"),
           ("poojanvig", "hello"), ("Jeet10", "thanks"), ("daita-sur", "yes")}


def link(folder: Path, files: list[Path]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        (folder / file.name).symlink_to(file)
    return folder


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


def flags_of(result) -> dict[tuple[str, str], list[str]]:
    blocks = result.blocks
    return {(signer, label): list(f) for signer, label, f in zip(blocks.signer, blocks.label, blocks["issues"])}
