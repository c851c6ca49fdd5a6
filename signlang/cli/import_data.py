"""`signlang import`: check a dataset as ingest will read it, copy or link it into data/raw and
track it with DVC (a new dataset version); prints the ingest.sources lines that read it."""

from __future__ import annotations

import argparse
from pathlib import Path

from signlang import paths
from signlang.errors import SignlangError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, metavar="SRC",
                        help="dataset folder in any layout ingest reads, or one .npz/.h5 file")
    parser.add_argument("--raw-dir", type=Path, default=paths.RAW_DIR,
                        help=f"DVC-tracked raw-data folder (default {paths.RAW_DIR})")
    parser.add_argument("--name", default=None,
                        help="sub-folder of the raw-data folder (default: SRC's folder name or file stem)")
    parser.add_argument("--link", action="store_true",
                        help="hard-link files instead of copying them (same filesystem only; DVC then makes "
                             "the shared files read-only)")
    parser.add_argument("--dry-run", action="store_true",
                        help="only scan SRC and print what ingest would read; copy nothing")
    parser.add_argument("--params", type=Path, default=paths.PARAMS_FILE,
                        help="params.yaml whose label_aliases and class filters the scan applies (default ./params.yaml)")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--signer", metavar="NAME", help="every sample is this person's (signer: NAME)")
    who.add_argument("--signer-folder", type=int, metavar="N",
                     help="the folder N levels below SRC names the signer: 1 for <signer>/<label>/...")
    who.add_argument("--signer-pattern", metavar="REGEX",
                     help="regex with (?P<signer>...) over the file stem or sequence folder name")
    who.add_argument("--signer-path-pattern", metavar="REGEX",
                     help="regex with (?P<signer>...) over the path inside SRC (without extension)")
    parser.add_argument("--metadata", type=Path, metavar="CSV",
                        help="CSV inside SRC with columns file,signer (paths relative to the CSV)")


def _source(args: argparse.Namespace, path: Path, metadata: Path | None):
    from signlang.data.settings import SourceParams

    return SourceParams(path=path.as_posix(), metadata=None if metadata is None else metadata.as_posix(),
                        signer=args.signer, signer_folder=args.signer_folder, signer_pattern=args.signer_pattern,
                        signer_path_pattern=args.signer_path_pattern)


def _project_ingest(params_path: Path):
    """params.yaml's ingest section (label_aliases, class filters, sources), or None without one."""
    from signlang.data.settings import IngestParams
    from signlang.settings import load_section

    return load_section("ingest", IngestParams, params_path) if params_path.is_file() else None


def run(args: argparse.Namespace) -> int:
    import pydantic

    from signlang.data.preview import describe, preview, signers_template, source_lines
    from signlang.data.versions import dvc_file_of, import_dataset, import_target, next_steps, require_dvc_project
    from signlang.io import atomic_path

    source = args.source
    target = import_target(source, args.raw_dir, args.name)
    if args.metadata is not None and source.resolve() not in args.metadata.resolve().parents:
        raise SignlangError(f"--metadata {args.metadata}: keep the signers CSV inside {source} so it is versioned "
                            "with the data (its file column relative to the CSV)")
    if not args.dry_run:
        require_dvc_project()
    ingest = _project_ingest(args.params)
    print(f"import: scanning {source} as ingest will read it", flush=True)
    try:
        scanned = preview(_source(args, source, args.metadata), ingest)
    except pydantic.ValidationError as exc:
        raise SignlangError(f"import: {exc.errors()[0]['msg']}") from None
    except SignlangError as exc:  # said of SRC, not of a params.yaml entry it is not yet
        raise SignlangError(str(exc).replace("ingest.sources[0].path: ", "import: ", 1)) from None
    for line in describe(scanned):
        print(f"  {line}")

    # Where the copy will be: the sources entry reads it there.
    metadata = None if args.metadata is None else target / args.metadata.resolve().relative_to(source.resolve())
    unnamed = bool((scanned.table["signer"] == "").any())
    listed = _already_listed(ingest, target)
    # The template sits beside the copy, outside the folder ingest reads (inside, it would be a
    # file ingest cannot use).
    template = target.with_name(f"{target.name}.signers.csv") if unnamed and metadata is None and not listed else None
    entry = _source(args, target, metadata)
    if args.dry_run:
        print("dry run: nothing copied")
        return 0

    def write_template(copied: Path) -> None:
        if template is None:
            return
        with atomic_path(template) as temporary:
            signers_template(scanned, template.parent, copied).to_csv(temporary, index=False, lineterminator="\n")

    dvc_file = import_dataset(source, args.raw_dir, args.name, args.link, before_add=write_template)
    count = sum(1 for _ in target.rglob("*") if _.is_file())
    print(f"import: {target} holds {count} file(s); {args.raw_dir} is tracked by {dvc_file}")
    if template is not None:
        print(f"import: {template}: one row per sample file or sequence, signer as found (empty where unknown); "
              f"fill in the signer column and add `metadata: {template.as_posix()}` to the entry below")
    if listed is not None:
        print(f"import: ingest.sources already reads {listed} (and so {target}); to give {target} its own signer "
              "rule, list it as its own entry instead")
    else:
        print("add to params.yaml under ingest.sources:")
        for line in source_lines(entry):
            print(line)
        if template is not None:
            print(f"      # metadata: {template.as_posix()}    (once its signer column is filled in)")
    print("next:")
    changed = [dvc_file_of(args.raw_dir).parent / ".gitignore"] + ([] if listed else [Path(paths.PARAMS_FILE)])
    for number, step in enumerate(next_steps(dvc_file, changed), start=1):
        print(f"  {number}. {step}")
    return 0


def _already_listed(ingest, target: Path) -> str | None:
    """The ingest.sources path that already reads `target` (it or a folder above), if any."""
    if ingest is None:
        return None
    resolved = target.resolve()
    for source in ingest.sources:
        path = Path(source.path).resolve()
        if path == resolved or path in resolved.parents:
            return source.path
    return None
