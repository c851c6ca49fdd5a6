"""`signlang cv`: leave-signers-out cross-validation of training configurations on the same folds.

`data` (the pipeline's own samples, read with ingest's rules; signers with too few windows only
train), `folds` (by signer, seeded), `configs` (a preset or `<preset>:raw` trained on one fold),
`scoring` (every configuration on every fold, the nested selection, the summaries), `report` (the
files a run writes), `tracking` (the run in MLflow: a parent run, a child per fold) and `runs`
(all of it, for the command).
"""
