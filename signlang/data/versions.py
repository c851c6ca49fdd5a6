"""Dataset versions: bring a team's data into the raw-data folder and version it with DVC.

    signlang import SRC [--raw-dir data/raw] [--link] [--name NAME] [signer options] [--dry-run]

SRC (a folder in any layout ingest reads: <label>/<clip> videos, MP_Data, PSL .h5, multi-signer
.npz; or one .npz/.h5 file) is first scanned as ingest will read it (signlang/data/preview.py),
then copied to <raw-dir>/<NAME> (a single file into that folder), replacing an earlier import of
the same name, and the whole raw-data folder is `dvc add`ed: <raw-dir>.dvc (small, committed to
git) names the exact content, the files go to the DVC cache. Commit the .dvc file and every
commit pins one dataset version; `git checkout REV <raw-dir>.dvc && dvc checkout` brings it back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from signlang import paths
from signlang.data.ingest.sources import SINGLE_FILE_EXTENSIONS
from signlang.errors import SignlangError

DATA_EXTENSIONS = frozenset({".mp4", ".avi", ".mov", ".webm", ".mkv", ".h5", ".hdf5", ".npz", ".npy"})


def data_files(folder: Path) -> list[Path]:
    """Files under `folder` that ingest can read (by extension), hidden ones left out."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [name for name in dirnames if not name.startswith(".")]
        found += [Path(dirpath) / name for name in filenames
                  if not name.startswith(".") and Path(name).suffix.lower() in DATA_EXTENSIONS]
    return found


def _link_or_copy(source: str, target: str) -> None:
    """A hard link where source and target share a filesystem, else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def place(source: Path, target: Path, link: bool) -> None:
    """Copy (or hard-link) the tree `source`, or the one file `source` into the folder `target`,
    replacing what is at `target`."""
    if target.exists() or target.is_symlink():
        shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    copy = _link_or_copy if link else shutil.copy2
    if source.is_file():
        target.mkdir()
        copy(str(source), str(target / source.name))
    else:
        shutil.copytree(source, target, copy_function=copy, symlinks=False)


def dvc(*args: str) -> str:
    """Run the dvc of this environment in the working directory; SignlangError on failure."""
    executable = Path(sys.executable).with_name("dvc")
    command = [str(executable) if executable.is_file() else "dvc", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise SignlangError(f"`dvc {' '.join(args)}` failed: {(result.stderr or result.stdout).strip()[-2000:]}")
    return result.stdout


def import_target(source: str | Path, raw_dir: str | Path = paths.RAW_DIR, name: str | None = None) -> Path:
    """Where `source` (a dataset folder or one .npz/.h5 file) goes: <raw_dir>/<name>, name
    defaulting to the folder's name or the file's stem. Refuses what ingest could not read as a
    source before anything is copied."""
    source, raw_dir = Path(source), Path(raw_dir)
    if source.is_file():
        if source.suffix.lower() not in SINGLE_FILE_EXTENSIONS:
            raise SignlangError(f"{source}: a {source.suffix or 'extension-less'} file; give a dataset folder or one "
                                f"{'/'.join(SINGLE_FILE_EXTENSIONS)} file (one that holds its own labels)")
    elif not source.is_dir():
        raise SignlangError(f"{source}: no such folder or file")
    elif not data_files(source):
        raise SignlangError(
            f"{source}: no videos, .npy, .h5 or .npz files found; expected a layout ingest reads "
            "(<label>/<clip> videos, MP_Data, PSL .h5 or multi-signer .npz)"
        )
    name = name or (source.stem if source.is_file() else source.resolve().name)
    if not name or "/" in name or name.startswith("."):
        raise SignlangError(f"--name: {name!r} is not a plain folder name")
    target = raw_dir / name
    if target.resolve() == source.resolve() or source.resolve() in target.resolve().parents \
            or target.resolve() in source.resolve().parents:
        raise SignlangError(f"{source}: is already inside {raw_dir}; run `dvc add {raw_dir}` instead")
    return target


def import_dataset(source: str | Path, raw_dir: str | Path = paths.RAW_DIR, name: str | None = None,
                   link: bool = False, before_add: Callable[[Path], None] | None = None) -> Path:
    """Place `source` at <raw_dir>/<name> and `dvc add` raw_dir; returns the .dvc file.
    `before_add(target)` runs after the copy, before `dvc add` (to add files beside it)."""
    raw_dir = Path(raw_dir)
    target = import_target(source, raw_dir, name)
    require_dvc_project()
    place(Path(source), target, link)
    if before_add is not None:
        before_add(target)
    dvc("add", "--quiet", str(raw_dir))
    return dvc_file_of(raw_dir)


def dvc_file_of(raw_dir: Path) -> Path:
    return raw_dir.with_name(raw_dir.name + ".dvc")


def require_dvc_project() -> None:
    if not Path(".dvc").is_dir():
        raise SignlangError(f"{Path.cwd()}: not a DVC project root (no .dvc folder); run from the project root")


def dvc_remotes() -> list[str]:
    """The DVC remotes this repository knows (`dvc remote list`), by name."""
    return [line.split()[0] for line in dvc("remote", "list").splitlines() if line.strip()]


def next_steps(dvc_file: Path, changed: list[Path]) -> list[str]:
    """What to run after an import, for this repository as it is: commit, repro, and how the data
    reaches teammates (`dvc push` only where a remote exists; else how to add one)."""
    steps = [f"git add {' '.join(str(path) for path in [dvc_file, *changed])} && git commit -m 'data: ...'",
             "dvc repro"]
    remotes = dvc_remotes()
    if remotes:
        steps.append(f"dvc push    (to the remote {remotes[0]!r}; teammates then run dvc pull)")
    else:
        steps.append("to share the data: this repository has no DVC remote yet; add one once, e.g. a folder "
                     "`dvc remote add -d storage /srv/dvc-storage` (or s3://bucket/path, ssh://host/path), "
                     "commit .dvc/config, then `dvc push`")
    return steps
