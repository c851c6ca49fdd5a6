"""Pipeline stages, one module each: `python -m stages.<name>` (see dvc.yaml)."""
