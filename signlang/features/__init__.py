"""From pixels to model inputs: `holistic` (MediaPipe Holistic, one frame -> one 1662-value
vector), `extract` (clips through Holistic in parallel, cached by content; each manifest row's
window or skip reason), `cluster` (the Dask backend), `keypoints` (layouts and the one
preprocessing path, driven by the `features` section, `signlang.features.spec.FeatureParams`) and
`augment` (training-time changes to raw windows)."""
