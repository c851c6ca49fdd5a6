"""Stage: data/dataset.npz + data/manifest.csv -> reports/audit/ (blocks.csv, signers.csv,
audit.md, audit.html, figures/): the dataset's suspicious blocks and signer pairs. Nothing is
changed; a person acts on it through params.yaml's ingest.exclude / ingest.relabel."""

from stages._entry import quiet_console, run_stage


def audit(params) -> None:
    from signlang import paths
    from signlang.io import require_inputs

    require_inputs("audit", {paths.DATASET: "extract", paths.MANIFEST: "ingest"})
    from signlang.audit.data import load_dataset
    from signlang.audit.report import summary_line, write_audit
    from signlang.audit.scoring import audit as score

    result = score(load_dataset(paths.DATASET, paths.MANIFEST, params.features.parts), params.audit)
    write_audit(result, params.audit.out)
    print(summary_line(result))


def stage_params():
    """The params.yaml sections this stage reads, validated (no others)."""
    from signlang.audit.settings import AuditParams
    from signlang.features.spec import FeatureParams
    from signlang.settings import load_sections

    return load_sections(audit=AuditParams, features=FeatureParams)


def main() -> None:
    run_stage(audit, stage_params)


if __name__ == "__main__":
    quiet_console()
    main()
