"""From pixels to model inputs: `holistic` (MediaPipe Holistic, one frame -> one 1662-value
vector), `extract` (the extract stage's body: clips in parallel, cached by content), `cluster`
(the Dask backend), `keypoints` (layouts and the one preprocessing path, driven by the
`features` section, `signlang.params.FeatureParams`) and `augment` (training-time changes to raw
windows)."""
