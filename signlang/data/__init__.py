"""Where samples come from and how they are split: `ingest` (every source layout ->
data/manifest.csv; a package, one concern per module), `dataset` (data/dataset.npz +
data/split.csv read back together, checked), `split` (train/val/test by signer, or by sequence
when params say so), `preview` (a dataset as ingest will read it, for `signlang import`) and
`versions` (`signlang import`: a team's data into data/raw, versioned by DVC)."""
