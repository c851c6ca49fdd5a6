"""bench/serve_load.py on a short real run: the real server on the session's small bundle, a few
clients posting a real clip with no queue place, so both answers and refusals come; the report's
structure and what it says of them. No timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.serve_load import measure, rows
from tests.realtime.servers import write_params

ROW_KEYS = {"figure", "project", "baseline", "unit", "ratio", "ratio_means", "target", "met", "available", "note", "raw"}


@pytest.mark.slow
def test_a_short_load_run_reports_answers_refusals_and_memory(small_bundle: Path, shared_data: Path,
                                                             tmp_path: Path) -> None:
    params = write_params(tmp_path / "params.yaml", predict_workers=1, predict_queue=0, retry_after_s=1)
    clip = shared_data / "videos" / "asl-starter" / "hello" / "hello_06.mp4"
    load = measure(small_bundle, params, clip, clients=3, seconds=4, log=lambda line: None)
    assert load["warm_up"]["status"] == 200
    assert load["statuses"].get("200", 0) >= 1 and load["statuses"].get("503", 0) >= 1, load["statuses"]
    assert set(load["statuses"]) == {"200", "503"} and load["connection_errors"] == {}
    assert load["refusals_stated"] and set(load["refusal_reasons"]) == {"queue full"}
    assert load["alive_after"] and load["access_lines_match"]
    assert load["answered"]["calls"] == load["statuses"]["200"] and load["peak_rss_mib"] > 100
    table = [row.to_dict() for row in rows(load)]
    assert all(set(row) == ROW_KEYS for row in table) and table[0]["met"] is True
    assert [row["unit"] for row in table] == ["req/s", "ms", "ms", "MiB"]
    json.dumps(table)
