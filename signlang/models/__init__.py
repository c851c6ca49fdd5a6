"""The networks and their fitting: `networks` (one builder per preset, compiled), `train`
(deterministic fitting, early stopping, ensembles, the epoch history) and `crossval`
(`signlang cv`: leave-signers-out cross-validation and nested selection)."""
