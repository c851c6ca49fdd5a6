"""The dataset audit (`signlang audit` and the audit stage): `folders` (read any folders ingest
reads), `scoring` (every signer x class block read by a signer-balanced nearest-centroid model
that never saw that signer) and `report` (blocks.csv, signers.csv, audit.md, audit.html,
figures)."""
