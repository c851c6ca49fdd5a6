"""Helpers for the training tests: a dataset and split written from real recordings as the extract
and split stages write them, and params with train values changed. Not a test module."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from signlang.features import keypoints
from signlang.params import Params, parse_params

SIGNERS = {"AD-Codex": "train", "AdrLfv": "train", "F1zzy": "train", "JefferyJiang-YF": "val", "hirak214": "test"}


T = 30


def write_dataset(shared_data: Path, folder: Path, subsets: dict[str, str] = SIGNERS) -> tuple[Path, Path]:
    """data/dataset.npz and data/split.csv as extract and split write them, from real recordings."""
    windows, ids, labels, signers, rows = [], [], [], [], []
    for signer, subset in subsets.items():
        with np.load(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz") as data:
            for index, (frames, label) in enumerate(zip(data["X"], data["label"])):
                windows.append(keypoints.resample(frames.astype(np.float32), T))
                ids.append(f"multisigner-258/{signer}.npz#{index:03d}")
                labels.append(str(label))
                signers.append(signer)
                rows.append((ids[-1], labels[-1], signer, subset))
    folder.mkdir(parents=True, exist_ok=True)
    dataset, split = folder / "dataset.npz", folder / "split.csv"
    np.savez(
        dataset,
        X=np.stack(windows),
        ids=np.array(ids),
        labels=np.array(labels),
        signers=np.array(signers),
        classes=np.array(sorted(set(labels))),
    )
    table = pd.DataFrame(rows, columns=["id", "label", "signer", "subset"]).sort_values("id")
    table.to_csv(split, index=False)
    return dataset, split


def make_params(project_root: Path, **train) -> Params:
    raw = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    raw["train"].update({"epochs": 3, "batch_size": 32, **train})
    return parse_params(raw)
