"""A real PostgreSQL cluster and `mlflow server` for tests, on 127.0.0.1 only.

PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user
(`runuser`) in a folder it owns; otherwise as the current user. Where no PostgreSQL server
binaries exist the MLflow server falls back to SQLite and says so (`backend`).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bindir() -> Path | None:
    """Debian's /usr/lib/postgresql/<version>/bin (newest), else the folder of `initdb` on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    initdb = found[-1] if found else shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresCluster:
    """A throwaway cluster: initdb into a temporary folder, pg_ctl start on 127.0.0.1:port."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="signlang-pg-"))
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")

    def _pg(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}")

    def start(self, database: str = "mlflow") -> str:
        """Start the cluster and create `database`; returns its SQLAlchemy URI."""
        data = self.folder / "data"
        self._pg("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        self._pg("pg_ctl", "-D", str(data), "-l", str(self.folder / "log"), "-o", options, "-w", "start")
        self._pg("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", database)
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if (self.folder / "data" / "postmaster.pid").is_file():
            self._pg("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


class TrackingServer:
    """`mlflow server` with a PostgreSQL (or, without PostgreSQL, SQLite) backend store and
    proxied artifacts in a local folder. start() returns at once; wait() blocks until healthy."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.artifacts = folder / "artifacts"
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.postgres: PostgresCluster | None = None
        self.process: subprocess.Popen | None = None
        self.backend = ""

    def start(self) -> None:
        bindir = postgres_bindir()
        if bindir is not None:
            self.postgres = PostgresCluster(bindir)
            store = self.postgres.start()
            self.backend = "postgresql"
        else:
            store = f"sqlite:///{self.folder / 'mlflow.db'}"
            self.backend = "sqlite (no PostgreSQL server binaries found)"
            print(f"tracking server: {self.backend}", file=sys.stderr)
        self.artifacts.mkdir(parents=True, exist_ok=True)
        mlflow = Path(sys.executable).with_name("mlflow")
        self.log = open(self.folder / "server.log", "w")
        self.process = subprocess.Popen(
            [str(mlflow), "server", "--backend-store-uri", store, "--artifacts-destination", str(self.artifacts),
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.folder, start_new_session=True,
        )

    def wait(self, timeout: float = 300.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mlflow server exited: {(self.folder / 'server.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.uri}/health", timeout=5) as response:
                    if response.status == 200:
                        return self.uri
            except OSError:
                time.sleep(1)
        raise RuntimeError(f"mlflow server not healthy after {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is not None:
            # The server's own process group: `mlflow server` and the uvicorn it starts.
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
            self.log.close()
        if self.postgres is not None:
            self.postgres.stop()
