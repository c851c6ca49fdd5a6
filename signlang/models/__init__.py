"""The networks and their fitting: `networks` (one builder per preset, compiled), `train` (the
train stage's body: deterministic fitting, early stopping, curves) and `crossval` (`signlang
cv`: leave-signers-out cross-validation and nested selection)."""
