"""`signlang serve` under load: the real server (uvicorn, in a child process) on an exported bundle,
N concurrent clients each posting a real clip to /predict for S seconds.

    python -m bench.serve_load [--clients 16] [--seconds 40] [--clip hello/hello_06.mp4]
                               [--bundle models/bundle] [--params params.yaml] [--out reports/bench_serve.json]

Each client has its own connection and posts the clip again as soon as it has its answer; after a
503 it waits the Retry-After the server stated (as a well-behaved client does; --ignore-retry-after
posts again at once). One warm-up request (MediaPipe's first load) comes first and is not counted.
Printed and written: the answers by status, connection errors, p50/p95 latency and throughput of
the answered (200) requests, whether every refusal was a 503 with Retry-After, whether the server
still answered /health afterwards and logged one access line per request, and the server's peak
resident memory (sampled every 50 ms, and its VmHWM). Nothing is asserted: it is a benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench.common import PROJECT_ROOT, SHARED_DATA, STARTER_VIDEOS, Row, machine, percentiles

DEFAULT_OUT = Path("reports/bench_serve.json")
DEFAULT_CLIP = "hello/hello_06.mp4"  # 30 frames at 1280x720, 151 KB: one real sign
SAMPLE_S = 0.05
START_TIMEOUT_S = 180.0


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MemorySampler(threading.Thread):
    """The peak resident memory of a process and its children, sampled every SAMPLE_S seconds."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        import psutil

        self.process = psutil.Process(pid)
        self.peak_bytes = 0
        self.vm_hwm_kib = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stopped.is_set():
            try:
                members = [self.process, *self.process.children(recursive=True)]
                self.peak_bytes = max(self.peak_bytes, sum(member.memory_info().rss for member in members))
                with open(f"/proc/{self.process.pid}/status", encoding="ascii") as handle:
                    for line in handle:
                        if line.startswith("VmHWM:"):
                            self.vm_hwm_kib = max(self.vm_hwm_kib, int(line.split()[1]))
            except (psutil.Error, OSError):
                pass
            time.sleep(SAMPLE_S)


def start_server(bundle: Path, params: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """`signlang serve` on a free loopback port, once /health answers."""
    import httpx

    port = _free_port()
    command = [sys.executable, "-m", "signlang.cli", "serve", "--bundle", str(bundle), "--host", "127.0.0.1",
               "--port", str(port), "--params", str(params)]
    with open(log, "w", encoding="utf-8") as handle:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=handle, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"signlang serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"signlang serve did not answer /health within {START_TIMEOUT_S:.0f} s")


async def _client(url: str, clip: bytes, name: str, deadline: float, honour_retry_after: bool, results: list) -> None:
    import httpx

    async with httpx.AsyncClient(timeout=300.0) as client:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                response = await client.post(url + "/predict", files={"file": (name, clip, "video/mp4")})
            except httpx.TransportError as exc:
                results.append({"status": None, "error": type(exc).__name__, "s": time.perf_counter() - started})
                await asyncio.sleep(0.5)
                continue
            results.append({"status": response.status_code, "s": time.perf_counter() - started,
                            "retry_after": response.headers.get("retry-after"),
                            "error": response.json().get("error") if response.status_code != 200 else None})
            if response.status_code == 503 and honour_retry_after:
                wait = float(response.headers.get("retry-after") or 1)
                await asyncio.sleep(max(0.0, min(wait, deadline - time.monotonic())))


async def drive(url: str, clip: Path, clients: int, seconds: float, honour_retry_after: bool) -> tuple[list, float]:
    """`clients` clients posting `clip` for `seconds`; every request and the time until the last ended."""
    content = clip.read_bytes()
    results: list = []
    started = time.monotonic()
    await asyncio.gather(*(_client(url, content, clip.name, started + seconds, honour_retry_after, results)
                           for _ in range(clients)))
    return results, time.monotonic() - started


def _reason(error: str) -> str:
    """A refusal's kind, from the server's message (realtime/server/work_queue.py)."""
    for words, kind in (("waiting, the limits", "queue full"), ("waited", "waited too long"),
                        ("shutting down", "shutting down")):
        if words in error:
            return kind
    return error


def summarise(results: list, elapsed: float, seconds: float) -> dict:
    answered = [result["s"] for result in results if result["status"] == 200]
    refused = [result for result in results if result["status"] not in (200, None)]
    statuses = Counter(str(result["status"]) for result in results if result["status"] is not None)
    errors = Counter(result["error"] for result in results if result["status"] is None)
    stated = all(result["status"] == 503 and result["retry_after"] and result["error"] for result in refused)
    return {
        "requests": len(results), "statuses": dict(sorted(statuses.items())), "connection_errors": dict(errors),
        "refusals_stated": stated, "refusal_reasons": dict(Counter(_reason(str(result["error"])) for result in refused)),
        "answered": percentiles(answered) if answered else None,
        "refused": percentiles([result["s"] for result in refused]) if refused else None,
        "throughput_per_s": len(answered) / elapsed, "elapsed_s": elapsed,
    }


def measure(bundle: Path, params: Path, clip: Path, clients: int, seconds: float, honour_retry_after: bool = True,
            log=print) -> dict:
    """Start the server, warm it up, drive the load, check it is alive, stop it; the report."""
    import httpx

    from realtime.server.config import load_server_settings

    serve = load_server_settings(params).serve
    with tempfile.TemporaryDirectory(prefix="signlang-bench-serve-") as scratch:
        server_log = Path(scratch) / "serve.log"
        process, url = start_server(bundle, params, server_log)
        sampler = MemorySampler(process.pid)
        sampler.start()
        try:
            warm_started = time.perf_counter()
            with open(clip, "rb") as handle:
                warm = httpx.post(url + "/predict", files={"file": (clip.name, handle, "video/mp4")}, timeout=300)
            warm_s = time.perf_counter() - warm_started
            log(f"serve_load: warm-up {warm.status_code} in {warm_s:.1f} s; {clients} clients for {seconds:g} s")
            results, elapsed = asyncio.run(drive(url, clip, clients, seconds, honour_retry_after))
            alive = process.poll() is None and httpx.get(url + "/health", timeout=10).json()["status"] == "ok"
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                exit_status = process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                exit_status = process.wait()
            sampler.stopped.set()
            sampler.join()
        logged = sum(1 for line in server_log.read_text(encoding="utf-8", errors="replace").splitlines()
                     if " POST /predict " in line)
    summary = summarise(results, elapsed, seconds)
    return {
        **summary, "alive_after": alive, "exit_status": exit_status, "warm_up": {"status": warm.status_code, "s": warm_s},
        "access_lines_for_predict": logged, "access_lines_match": logged == len(results) + 1,
        "peak_rss_mib": sampler.peak_bytes / 2**20, "peak_vm_hwm_mib": sampler.vm_hwm_kib / 1024,
        "clients": clients, "seconds": seconds, "clip": str(clip), "bundle": str(bundle),
        "honour_retry_after": honour_retry_after,
        "serve": {key: getattr(serve, key) for key in ("max_sessions", "predict_workers", "predict_queue",
                                                      "predict_wait_s", "retry_after_s")},
    }


def rows(load: dict) -> list[Row]:
    """The bench table's rows (no baseline: the source projects have no server)."""
    answered = load["answered"] or {}
    clean = (not load["connection_errors"] and load["refusals_stated"] and load["alive_after"]
             and set(load["statuses"]) <= {"200", "503"})
    label = f"serve: /predict, {load['clients']} clients x {load['seconds']:g} s"
    note = (f"statuses {load['statuses']}, connection errors {load['connection_errors'] or 0}, "
            f"refusals stated {load['refusals_stated']}, alive after {load['alive_after']}; serve: {load['serve']}")
    return [
        Row(f"{label}: throughput", load["throughput_per_s"], None, "req/s", None,
            target="only 200 and 503+Retry-After, no connection errors, alive after", met=clean, note=note, raw=load),
        Row(f"{label}: p50 latency (200)", answered.get("p50_ms"), None, "ms", None),
        Row(f"{label}: p95 latency (200)", answered.get("p95_ms"), None, "ms", None),
        Row(f"{label}: server peak RSS", load["peak_rss_mib"], None, "MiB", None),
    ]


def main(argv: list[str] | None = None) -> int:
    from bench.cli import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--clip", default=DEFAULT_CLIP, help=f"a clip under {STARTER_VIDEOS} (default {DEFAULT_CLIP})")
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help=f"the shared data folder (default {SHARED_DATA})")
    parser.add_argument("--bundle", type=Path, default=PROJECT_ROOT / "models" / "bundle")
    parser.add_argument("--params", type=Path, default=PROJECT_ROOT / "params.yaml")
    parser.add_argument("--ignore-retry-after", action="store_true", help="post again at once after a 503")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    clip = args.data / STARTER_VIDEOS / args.clip
    if not clip.is_file():
        parser.error(f"--clip: {clip} not found")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    started = time.perf_counter()
    load = measure(args.bundle, args.params, clip, args.clients, args.seconds, not args.ignore_retry_after)
    report = {"mode": "serve-load", "machine": machine(), "seconds": {"total": round(time.perf_counter() - started, 1)},
              "figures": [row.to_dict() for row in rows(load)]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(report))
    print(json.dumps({key: load[key] for key in ("statuses", "connection_errors", "refusal_reasons", "answered",
                                                  "alive_after", "exit_status", "access_lines_match",
                                                  "peak_rss_mib", "peak_vm_hwm_mib")}, indent=1))
    print(f"serve_load: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
