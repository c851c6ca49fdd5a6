"""`signlang audit`: find wrong labels, foreign signs, missing hands and duplicated people in
any folders ingest reads, before training on them.

    signlang audit --data ../shared/data/keypoints/multisigner-258 --out reports/audit-v2

Every signer x class block is read by a model that never saw its signer; blocks read whole
as another class, signers whose folders hold each other's signs, signers unlike everyone,
blocks without hands or without motion, hand slots not following handedness, blocks read as
their own class in under half their windows (for review), signer pairs that look like one
person (also when their classes differ) and duplicated sequences are written to OUT (see
signlang.audit.report). Nothing is changed: acting on it is a person's decision, made in
params.yaml (`ingest.exclude`, `ingest.relabel`) and versioned in git. The folders are read
with params.yaml's label_aliases, signer_pattern and decisions; videos go through Holistic
with its extract settings. The pipeline's own dataset is audited by the `audit` DVC stage.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from signlang.audit.data import PARTS, AuditData
from signlang.data.settings import IngestParams, SourceParams
from signlang.errors import InputFileError, SignlangError
from signlang.features.settings import ExtractParams
from signlang.features.spec import FeatureParams

if TYPE_CHECKING:
    import pandas as pd

    from signlang.audit.scoring import AuditResult
    from signlang.params import Params

Log = Callable[[str], None]
# Files ingest does not recognise (a README beside the data) are named, not fatal.
_IGNORED = "unknown file type"


def folder_manifest(folders: Sequence[Path], decisions: IngestParams, log: Log = print) -> pd.DataFrame:
    """The manifest of `folders` (every class kept), read with the label spellings, signer pattern
    and decisions of `decisions`; an unusable file stops with its name."""
    from signlang.data.ingest import build_manifest

    for folder in folders:
        if not Path(folder).is_dir():
            raise InputFileError(folder, "not found or not a folder (give the folder that holds the samples)")
    ingest = IngestParams(sources=[SourceParams(path=str(folder)) for folder in folders],
                          signer_pattern=decisions.signer_pattern, label_aliases=decisions.label_aliases,
                          exclude=decisions.exclude, relabel=decisions.relabel, min_samples_per_class=1)
    skipped: list[dict] = []
    try:
        table = build_manifest(ingest, skipped)
    except SignlangError:
        _refuse_unusable(skipped, log)  # a folder whose every file is unusable: name the file
        raise
    _refuse_unusable(skipped, log)
    return table


def _refuse_unusable(skipped: list[dict], log: Log) -> None:
    """Name the files ingest did not recognise; stop at the first unusable one."""
    problems = [entry for entry in skipped if not entry["reason"].startswith(_IGNORED)]
    for entry in skipped:
        if entry not in problems:
            log(f"audit: ignored {entry['path']}: {entry['reason']}")
    if problems:
        more = f" ({len(problems)} unusable files in all)" if len(problems) > 1 else ""
        raise InputFileError(problems[0]["path"], problems[0]["reason"] + more)


def load_folders(folders: Sequence[Path], decisions: IngestParams, features: FeatureParams, extract: ExtractParams,
                 log: Log = print) -> AuditData:
    """Raw windows (pose + both hands) of every sample in `folders`, as the extract stage makes
    them with `extract` (Holistic) and `features`: idle frames trimmed, resampled to
    features.sequence_length."""
    from signlang.data.ingest import load_keypoint_sample
    from signlang.features.keypoints import clip_to_window
    table = folder_manifest(folders, decisions, log)
    spec = FeatureParams.raw(PARTS, sequence_length=features.sequence_length, resample=features.resample,
                             trim_no_hand_frames=features.trim_no_hand_frames)
    videos = int((table.kind == "video").sum())
    if videos:
        log(f"audit: running Holistic on {videos} video(s); this takes a while")
    windows = []
    for row in table.to_dict("records"):
        frames = _video_frames(row, extract) if row["kind"] == "video" else load_keypoint_sample(row)
        windows.append(clip_to_window(frames, spec, row["path"]))
    return AuditData(X=np.stack(windows), ids=table.id.to_numpy(str), labels=table.label.to_numpy(str),
                     signers=table.signer.to_numpy(str), folders=table.raw_label.to_numpy(str),
                     hashes=table.content_hash.to_numpy(str), sources=tuple(str(folder) for folder in folders))


def _video_frames(row: dict, extract: ExtractParams) -> np.ndarray:
    from signlang.features.holistic import HolisticSettings, extract_video

    frames, _ = extract_video(row["path"], HolisticSettings.from_params(extract))
    return frames


def audit_folders(folders: Sequence[Path], out: Path, params: Params, log: Log = print) -> AuditResult:
    """Audit `folders` together and write the reports to `out`; the AuditResult."""
    from signlang.audit.report import summary_line, write_audit
    from signlang.audit.scoring import audit

    started = time.perf_counter()
    data = load_folders(folders, params.ingest, params.features, params.extract, log)
    result = audit(data, params.audit)
    write_audit(result, out)
    log(f"{summary_line(result)}; {time.perf_counter() - started:.1f} s")
    log(f"audit: wrote {out}/blocks.csv, signers.csv, audit.md, audit.html")
    return result
