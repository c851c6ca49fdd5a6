"""Model-free window statistics on real windows: a frozen window does not move, a window
without hands counts its frames, exchanged hand slots sit at the other arm's wrist."""

from __future__ import annotations

import numpy as np

from signlang.audit.statistics import window_statistics
from signlang.audit.views import body_views
from tests.signlang.audit.helpers import LEFT, RIGHT, block


def test_statistics_of_changed_real_windows(real) -> None:
    X = real.X[block(real, "Jeet10", "thanks")]
    frozen = X[:, 15:16].repeat(X.shape[1], axis=1)
    handless = X.copy()
    handless[:, :-6, 132:] = 0.0
    exchanged = X.copy()
    exchanged[..., LEFT], exchanged[..., RIGHT] = X[..., RIGHT], X[..., LEFT]
    as_recorded, still, lost, slots = (window_statistics(body_views(x)) for x in (X, frozen, handless, exchanged))
    assert still.motion.max() == 0.0 and as_recorded.motion.median() > 0.01
    np.testing.assert_allclose(lost.no_hand, 24 / 30)
    recorded_share = as_recorded.slot_wrong.sum() / as_recorded.slot_frames.sum()
    exchanged_share = slots.slot_wrong.sum() / slots.slot_frames.sum()
    assert recorded_share < 0.05 and exchanged_share > 0.5
    assert (as_recorded.implausible == 0).all()
