"""Where samples come from and how they are split: `ingest` (every source layout ->
data/manifest.csv), `dataset` (data/dataset.npz + data/split.csv read back together, checked),
`split` (train/val/test by signer) and `versions` (`signlang import`: a team's data into
data/raw, versioned by DVC)."""
