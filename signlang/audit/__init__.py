"""The dataset audit (`signlang audit` and the audit stage). Modules, in the order the data flows:

- `data`: the windows read (AuditData) from the pipeline's dataset; `folders`: from any folders
  ingest reads;
- `views`: body-normalised keypoints, left-dominant windows mirrored; mean forms for pictures;
- `features`: per-window statistics of the sign and of the recording setup, standardised;
- `statistics`: model-free per-window statistics (hands missing, motion, hand slots, layout);
- `model`: the signer-balanced nearest-centroid reader, fitted without the signer it reads;
- `blocks`: one row per signer x class block; `rules`: the flags on blocks and their evidence;
- `pairs`: signers that look like one person, duplicated sequences;
- `scoring`: the two passes that tie these together (`audit()`);
- `report` (blocks.csv, signers.csv, audit.md, audit.html) and `figures` (figures/);
- `settings`: the params.yaml `audit` section.
"""
