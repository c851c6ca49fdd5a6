"""The audit's reader: a signer-balanced nearest-centroid model (one centroid per class, the
mean of its signers' block means; one shared shrunk covariance), fitted once per group of
signers on everyone else, so each window is read by a model that never saw its signer. No
network is trained."""

from __future__ import annotations

import numpy as np


def equal_block_weights(labels: np.ndarray, signers: np.ndarray) -> np.ndarray:
    """Per window 1 / (windows of its block x blocks of its class): every signer of a class
    weighs the same, whatever they recorded. Unlike training's signer balance (signlang.models.train,
    capped at the class's median block) no cap: the centroids read whole blocks."""
    _, block, size = np.unique(np.char.add(np.char.add(labels.astype(str), "\x00"), signers.astype(str)),
                               return_inverse=True, return_counts=True)
    classes, label_index = np.unique(labels, return_inverse=True)
    first = np.unique(block, return_index=True)[1]  # one window per block
    per_class = np.bincount(label_index[first], minlength=len(classes))
    return 1.0 / (size[block] * per_class[label_index])


def fit_centroids(Z: np.ndarray, labels: np.ndarray, signers: np.ndarray, classes: list[str],
                  shrinkage: float) -> tuple[np.ndarray, np.ndarray]:
    """(A, b) of the linear scores Z @ A.T + b: class centroids = mean of the class's signers'
    block means, one covariance of windows around their centroid (signer-balanced), shrunk
    towards its mean variance by `shrinkage`."""
    weights = equal_block_weights(labels, signers)
    index = np.searchsorted(classes, labels)
    members = np.zeros((len(classes), len(Z)))
    members[index, np.arange(len(Z))] = weights
    centroids = (members @ Z) / members.sum(axis=1, keepdims=True)
    residual = Z - centroids[index]
    covariance = (residual * weights[:, None]).T @ residual / weights.sum()
    scale = np.trace(covariance) / len(covariance)
    covariance = (1 - shrinkage) * covariance + shrinkage * scale * np.eye(len(covariance))
    A = np.linalg.solve(covariance, centroids.T).T
    return A, -0.5 * np.einsum("ij,ij->i", A, centroids)


def leave_groups_out(Z: np.ndarray, labels: np.ndarray, signers: np.ndarray, groups: np.ndarray,
                     trusted: np.ndarray, classes: list[str], shrinkage: float) -> np.ndarray:
    """(n,) index into `classes` of each window's reading by a model fitted on the trusted
    windows of every other group; -1 where fewer than 2 classes remain to learn from."""
    readings = np.full(len(Z), -1)
    for group in sorted(set(groups)):
        held = groups == group
        train = trusted & ~held
        known = sorted(set(labels[train]))
        if len(known) < 2:
            continue
        A, b = fit_centroids(Z[train], labels[train], signers[train], known, shrinkage)
        picked = np.argmax(Z[held] @ A.T + b, axis=1)
        readings[held] = np.searchsorted(classes, np.asarray(known)[picked])
    return readings
