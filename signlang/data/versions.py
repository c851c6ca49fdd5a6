"""Dataset versions: bring a team's data into the raw-data folder and version it with DVC.

    signlang import SRC [--raw-dir data/raw] [--link] [--name NAME]

SRC (any layout ingest reads: <label>/<clip> videos, MP_Data, PSL .h5, multi-signer .npz)
is copied to <raw-dir>/<NAME>, replacing an earlier import of the same name, and the whole
raw-data folder is `dvc add`ed: <raw-dir>.dvc (small, committed to git) names the exact
content, the files go to the DVC cache. Commit the .dvc file and every commit pins one
dataset version; `git checkout REV <raw-dir>.dvc && dvc checkout` brings it back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from signlang import paths
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
    """Copy (or hard-link) the tree `source` to `target`, replacing what is there."""
    if target.exists() or target.is_symlink():
        shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, copy_function=_link_or_copy if link else shutil.copy2, symlinks=False)


def dvc(*args: str) -> str:
    """Run the dvc of this environment in the working directory; SignlangError on failure."""
    executable = Path(sys.executable).with_name("dvc")
    command = [str(executable) if executable.is_file() else "dvc", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise SignlangError(f"`dvc {' '.join(args)}` failed: {(result.stderr or result.stdout).strip()[-2000:]}")
    return result.stdout


def import_dataset(source: str | Path, raw_dir: str | Path = paths.RAW_DIR, name: str | None = None,
                   link: bool = False) -> Path:
    """Place `source` at <raw_dir>/<name> and `dvc add` raw_dir; returns the .dvc file."""
    source, raw_dir = Path(source), Path(raw_dir)
    if not source.is_dir():
        raise SignlangError(f"{source}: not a folder (give the dataset's top folder)")
    if not Path(".dvc").is_dir():
        raise SignlangError(f"{Path.cwd()}: not a DVC project root (no .dvc folder); run from the project root")
    if not data_files(source):
        raise SignlangError(
            f"{source}: no videos, .npy, .h5 or .npz files found; expected a layout ingest reads "
            "(<label>/<clip> videos, MP_Data, PSL .h5 or multi-signer .npz)"
        )
    name = name or source.resolve().name
    if not name or "/" in name or name.startswith("."):
        raise SignlangError(f"--name: {name!r} is not a plain folder name")
    target = raw_dir / name
    if target.resolve() == source.resolve() or source.resolve() in target.resolve().parents:
        raise SignlangError(f"{source}: is already inside {raw_dir}; run `dvc add {raw_dir}` instead")
    place(source, target, link)
    dvc("add", "--quiet", str(raw_dir))
    return raw_dir.with_name(raw_dir.name + ".dvc")
