"""The access log (realtime/server/middleware.py): one line per request, in the app over the
session's small real bundle."""

from __future__ import annotations

import logging
import re

import pytest

ACCESS_LINE = re.compile(r"^(GET|POST|WS) (/\S*) (\d{3}) (\d+\.\d)ms( close \d{4})?$")


@pytest.mark.slow
def test_one_access_log_line_per_request(client, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="signlang.access"):
        client.get("/health")
        client.post("/predict", json={"frames": [[0.0] * 7]})
        client.post("/predict", content=b"x", headers={"content-type": "text/plain"})
        client.get("/missing")
    lines = [record.getMessage() for record in caplog.records if record.name == "signlang.access"]
    assert [ACCESS_LINE.match(line).group(1, 2, 3) for line in lines] == [
        ("GET", "/health", "200"), ("POST", "/predict", "422"), ("POST", "/predict", "415"), ("GET", "/missing", "404")]
