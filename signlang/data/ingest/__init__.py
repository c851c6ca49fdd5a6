"""Ingest: find every sample in the `ingest.sources` folders and list it in data/manifest.csv.

A source folder may hold, side by side (found by walking it and recognising the layout):
- videos in `<label>/<clip>` folders (mp4, avi, mov, webm, mkv), kind `video`;
- MP_Data keypoints, `<action>/<sequence>/<frame>.npy`, one sample per sequence, kind `mp_data`;
- PSL-style pandas HDF5 files (columns sample, frame, keypoints), label = file stem, kind `psl_h5`;
- multi-signer `.npz` files (X, label, source_action, ...), signer = file stem, kind `npz`.
A file that cannot be read is listed in reports/ingest_skipped.csv with the reason, never a crash.
The manifest columns and id rules are the data contract in docs/design.md.

One concern per module: labels (spellings -> classes), readers (cached sample readers), skips,
sources (one ingest.sources entry), scan (every layout), manifest (the CSV contract), decisions
(relabel, exclude, class filters), build (the whole table) and report (ingest.json). The names
below are the package's public interface.
"""

from signlang.data.ingest.build import build_manifest
from signlang.data.ingest.decisions import apply_decisions, dropped_samples, filter_classes
from signlang.data.ingest.labels import alias_table, canonical_label, class_of, fold_label, merge_spellings
from signlang.data.ingest.manifest import COLUMNS, read_manifest, sample_location, write_manifest
from signlang.data.ingest.readers import KINDS, load_keypoint_sample, mp_data_frame_files, read_h5_samples, read_npz
from signlang.data.ingest.report import ingest_report, summary_line
from signlang.data.ingest.scan import scan_source, scan_sources
from signlang.data.ingest.skips import SkipList, StrictStop
from signlang.data.ingest.sources import check_sources_exist

__all__ = [
    "COLUMNS", "KINDS", "SkipList", "StrictStop", "alias_table", "apply_decisions", "build_manifest",
    "canonical_label", "check_sources_exist", "class_of", "dropped_samples", "filter_classes", "fold_label",
    "ingest_report", "load_keypoint_sample", "merge_spellings", "mp_data_frame_files", "read_h5_samples",
    "read_manifest", "read_npz", "sample_location", "scan_source", "scan_sources", "summary_line",
    "write_manifest",
]
