"""What a model is worth, as files people read: `evaluation` (what stages/evaluate.py
writes: metrics.json, per-class and per-signer figures, confusion matrices, curves), `score_folder`
(`signlang evaluate`: a bundle scored on any folder) and `report` (`signlang report`: the
pull-request Markdown)."""
