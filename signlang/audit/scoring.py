"""The dataset audit's scoring: every signer x class block and every pair of signers.

Each window is summarised by a few statistics of its body-normalised keypoints
(signlang.audit.features over signlang.audit.views), standardised over the audited data. A
signer-balanced nearest-centroid model (signlang.audit.model) is fitted once per signer on
everyone else, so each block's `read_as` comes from a model that never saw that signer (nor any
signer that looks like the same person, signlang.audit.pairs). No network is trained.

Two passes: the first finds the blocks no model should learn from (no hands, frozen hands,
swapped or foreign signers: signlang.audit.rules.UNTRUSTED); the second refits without them and
gives the readings reported. Model-free rules read signlang.audit.statistics alone. Pairs of
signers whose windows are each other's nearest neighbours (sign and camera framing alike) and
duplicated sequences across signers or classes are listed apart (`pairs`). Thresholds are
params.yaml's `audit:` section; outputs are written by signlang.audit.report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from signlang.audit.blocks import block_table
from signlang.audit.data import AuditData, check_data
from signlang.audit.features import setup_features, standardise, window_features
from signlang.audit.model import leave_groups_out
from signlang.audit.pairs import PAIR_COLUMNS, duplicate_rows, nearest_windows, person_groups, same_person_rows
from signlang.audit.rules import UNTRUSTED, flag_blocks
from signlang.audit.settings import AuditParams
from signlang.audit.statistics import window_statistics
from signlang.audit.views import BodyViews, body_views, typical_forms


@dataclass
class AuditResult:
    """What the audit found: one row per block, the signer pairs, the pictures' inputs."""

    blocks: pd.DataFrame
    pairs: pd.DataFrame
    data: AuditData
    views: BodyViews
    params: AuditParams
    typical: dict = field(default_factory=dict)  # class -> mean trajectory of trusted blocks


def audit(data: AuditData, params: AuditParams) -> AuditResult:
    """Score every block and pair of signers of `data` (see the module docstring)."""
    check_data(data)
    views = body_views(data.X)
    stats = window_statistics(views)
    Z = standardise(window_features(views))
    setup = standardise(setup_features(views))
    both = np.concatenate([Z, setup * np.sqrt(Z.shape[1] / setup.shape[1])], axis=1)
    nearest, nearest_block = nearest_windows(both, data.signers, data.labels)
    nearest_setup, _ = nearest_windows(setup, data.signers, data.labels)
    pairs = same_person_rows(data.signers, nearest, nearest_setup, params)
    pairs += duplicate_rows(data, nearest_block, params)
    groups = person_groups(data.signers, pairs)
    classes = sorted(set(data.labels))
    trusted = np.ones(len(Z), bool)
    for _ in range(2):  # pass 2 learns only from the blocks pass 1 trusts
        readings = leave_groups_out(Z, data.labels, data.signers, groups, trusted, classes, params.shrinkage)
        blocks = flag_blocks(block_table(data, stats, readings, classes, groups, trusted), params, classes)
        distrusted = blocks[blocks["issues"].map(lambda flags: any(f in UNTRUSTED for f in flags))]
        keys = set(zip(distrusted.signer, distrusted.label))
        still = np.array([key not in keys for key in zip(data.signers, data.labels)], dtype=bool)
        if np.array_equal(still, trusted):
            break
        trusted = still
    table = pd.DataFrame(pairs, columns=PAIR_COLUMNS).sort_values(
        ["flag", "kind", "score", "signer_a", "signer_b", "label_a", "label_b"], ascending=[False, True, False, True,
                                                                                           True, True, True])
    return AuditResult(blocks=blocks, pairs=table.reset_index(drop=True), data=data, views=views, params=params,
                       typical=typical_forms(views, data.labels, data.signers, trusted))
