"""`signlang cv`: leave-signers-out cross-validation of training configurations on the same folds."""
