"""`signlang serve` for real: uvicorn in a child process on the session's small bundle, over
HTTPS with a self-signed certificate made here (httpx and websockets trusting only it), real
clips; the refusals stated (503 + Retry-After for /predict beyond its queue, an error message and
close code 1013 for a live session beyond serve.max_sessions), one access-log line per request,
the graceful shutdown, and a certificate that cannot be used refused with a clear error."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.realtime.server.helpers import real_jpegs
from tests.realtime.servers import PROJECT_ROOT, RunningServer, self_signed_certificate, start_server, write_params

pytestmark = pytest.mark.slow

CLIP = Path("videos") / "asl-starter" / "hello" / "hello_06.mp4"  # 30 frames, 1280x720
LONG_CLIP = Path("videos") / "asl-starter" / "hello" / "hello_03.mp4"  # 149 frames, 854x480
LIMITS = {"max_sessions": 1, "predict_workers": 1, "predict_queue": 1, "predict_wait_s": 120, "retry_after_s": 3}
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (GET|POST|WS) (/\S*) (\d{3}) \d+\.\dms( close \d{4})?$",
                      re.MULTILINE)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("certificate"))


@pytest.fixture(scope="module")
def https_server(small_bundle: Path, certificate, tmp_path_factory):
    folder = tmp_path_factory.mktemp("https-server")
    server = start_server(small_bundle, write_params(folder / "params.yaml", **LIMITS), folder / "serve.log", certificate)
    yield server
    server.stop()


def post_clip(server: RunningServer, clip: Path, results: list, timeout: float = 180.0) -> None:
    import httpx

    with open(clip, "rb") as handle:
        response = httpx.post(server.url + "/predict", files={"file": (clip.name, handle, "video/mp4")},
                              verify=server.ssl_context or True, timeout=timeout)
    results.append(response)


def health(server: RunningServer) -> dict:
    import httpx

    return httpx.get(server.url + "/health", verify=server.ssl_context or True, timeout=10).json()


def access_lines(server: RunningServer) -> list[tuple[str, str, str]]:
    return [match.group(1, 2, 3) for match in LOG_LINE.finditer(server.log_text())]


def test_https_serves_the_api_and_logs_each_request(https_server: RunningServer) -> None:
    import httpx

    assert https_server.url.startswith("https://")
    assert health(https_server)["status"] == "ok"
    spec = httpx.get(https_server.url + "/openapi.json", verify=https_server.ssl_context).json()
    assert spec["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]["title"] == \
        "PredictFrames"
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(https_server.url + "/health")  # a client that does not trust the certificate
    response = httpx.post(https_server.url + "/predict", json={"frames": [[0.0] * 3]}, verify=https_server.ssl_context)
    assert response.status_code == 422
    time.sleep(0.5)
    lines = access_lines(https_server)
    assert ("GET", "/openapi.json", "200") in lines and ("POST", "/predict", "422") in lines


def test_predict_beyond_its_queue_gets_503_with_retry_after(https_server: RunningServer, shared_data: Path) -> None:
    """One worker and one queue place: of four real clips posted at once two are answered and
    two refused at once, saying why and when to try again; the server then serves as before."""
    results: list = []
    threads = [threading.Thread(target=post_clip, args=(https_server, shared_data / CLIP, results)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(240)
    assert sorted(response.status_code for response in results) == [200, 200, 503, 503], \
        [(response.status_code, response.text) for response in results]
    for response in results:
        if response.status_code == 503:
            assert response.headers["retry-after"] == "3"
            assert response.json()["error"].startswith("busy: 1 requests running and 1 waiting")
        else:
            assert response.json()["frames"] == 30 and len(response.json()["top3"]) == 3
    after: list = []
    post_clip(https_server, shared_data / CLIP, after)
    assert after[0].status_code == 200
    assert (health(https_server)["predict_running"], health(https_server)["predict_waiting"]) == (0, 0)


def test_a_live_session_beyond_the_cap_gets_a_message_and_1013(https_server: RunningServer, shared_data: Path) -> None:
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    jpeg = real_jpegs(shared_data / CLIP, 1)[0]
    with connect(https_server.ws_url, ssl=https_server.ssl_context, open_timeout=30) as first:
        first.send(jpeg)
        assert json.loads(first.recv(timeout=60))["frames"] == 1
        with connect(https_server.ws_url, ssl=https_server.ssl_context, open_timeout=30) as second:
            refusal = json.loads(second.recv(timeout=30))
            with pytest.raises(ConnectionClosed) as closed:
                second.recv(timeout=30)
        assert refusal["status"] == 1013 and "serve.max_sessions" in refusal["error"]
        assert closed.value.rcvd.code == 1013
    with connect(https_server.ws_url, ssl=https_server.ssl_context, open_timeout=30) as again:  # slot given back
        again.send(jpeg)
        assert "hand_visible" in json.loads(again.recv(timeout=60))
    time.sleep(0.5)
    assert re.search(r" WS /ws 101 \d+\.\dms close 1013$", https_server.log_text(), re.MULTILINE)


def test_shutdown_finishes_the_running_request_and_refuses_the_rest(small_bundle: Path, shared_data: Path,
                                                                     tmp_path: Path) -> None:
    """SIGTERM while one clip is being read, one waits and a live session is open: the running
    one is answered, the waiting one gets 503 saying the server is shutting down, the session gets
    its message and close code 1001, and the server exits."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    server = start_server(small_bundle, write_params(tmp_path / "params.yaml", **LIMITS), tmp_path / "serve.log")
    try:
        with connect(server.ws_url, open_timeout=30) as session:
            session.send(real_jpegs(shared_data / CLIP, 1)[0])
            session.recv(timeout=60)
            results: list = []
            running = threading.Thread(target=post_clip, args=(server, shared_data / LONG_CLIP, results))
            running.start()
            deadline = time.monotonic() + 60
            while health(server)["predict_running"] == 0:
                assert time.monotonic() < deadline, "the first clip never started"
                time.sleep(0.1)
            waiting = threading.Thread(target=post_clip, args=(server, shared_data / CLIP, results))
            waiting.start()
            while health(server)["predict_waiting"] == 0:
                assert time.monotonic() < deadline, "the second clip never queued"
                time.sleep(0.1)
            status = server.stop(timeout=90)
            running.join(120)
            waiting.join(120)
            goodbye = json.loads(session.recv(timeout=10))
            with pytest.raises(ConnectionClosed) as closed:
                session.recv(timeout=10)
    finally:
        if server.process.poll() is None:
            server.process.kill()
    by_status = {response.status_code: response for response in results}
    assert sorted(by_status) == [200, 503], [(r.status_code, r.text) for r in results]
    assert by_status[200].json()["frames"] == 149
    assert by_status[503].json() == {"error": "the server is shutting down"}
    assert by_status[503].headers["retry-after"] == "3"
    assert goodbye == {"error": "the server is shutting down", "status": 1001}
    assert closed.value.rcvd.code == 1001
    assert status in (0, -15), server.log_text()[-3000:]
    lines = access_lines(server)
    assert ("POST", "/predict", "200") in lines and ("POST", "/predict", "503") in lines


def run_serve(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "signlang.cli", "serve", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_a_certificate_that_cannot_be_used_is_a_clear_error(certificate, tmp_path: Path) -> None:
    cert, key = certificate
    not_pem = tmp_path / "notes.pem"
    not_pem.write_text("not a certificate\n")
    cases = {
        ("--ssl-certfile", str(cert)): "--ssl-certfile and --ssl-keyfile go together",
        ("--ssl-certfile", str(tmp_path / "missing.pem"), "--ssl-keyfile", str(key)): "missing.pem: --ssl-certfile: file not found",
        ("--ssl-certfile", str(not_pem), "--ssl-keyfile", str(key)): "notes.pem: cannot be used with",
        ("--ssl-certfile", str(cert), "--ssl-keyfile", str(cert)): "cannot be used with",
        ("--max-sessions", "0"): "--max-sessions: must be at least 1",
    }
    for args, message in cases.items():
        completed = run_serve(*args, "--port", "1")
        assert completed.returncode == 1, (args, completed.stdout, completed.stderr)
        assert completed.stderr.startswith("error: ") and message in completed.stderr, (args, completed.stderr)
        assert "Traceback" not in completed.stderr
