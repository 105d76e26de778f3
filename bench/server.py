"""Start and stop the app under gunicorn with production settings, for benchmarks and fault tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """``with AppServer(database_url, workers=2) as server: server.url``

    Beside gunicorn, ``grading_workers`` processes of ``flask exams worker`` grade the attempts handed in (as a
    deployment runs them: exam_platform/exams/grading.py, docs/deploy.md), at a lower CPU priority
    (``grading_nice``): acknowledgements first, grading with what is left; 0 workers for none."""

    def __init__(self, database_url: str, *, workers: int = 2, threads: int = 4, port: int | None = None,
                 env: dict[str, str] | None = None, log: Path | None = None, extra_args: list[str] | None = None,
                 grading_workers: int = 1, grading_nice: int = 10, cwd: Path | None = None):
        self.database_url = database_url
        # gunicorn puts its working directory first on sys.path: a server of another source tree runs from there
        # (--chdir and PYTHONPATH alone still imported this tree's exam_platform).
        self.cwd = cwd or ROOT
        self.workers, self.threads = workers, threads
        self.grading_workers, self.grading_nice = grading_workers, grading_nice
        self.graders: list[subprocess.Popen] = []
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.extra_args = list(extra_args or [])
        self.log = log or ROOT / "bench" / "results" / f"gunicorn-{self.port}.log.tmp"
        self.process: subprocess.Popen | None = None
        # Rate-limit counters of this server's host (the embedded default, limit_store.py) — not the project's
        # instance/ file, which `make run` and other servers started at the same time would share.
        self.limits_uri = f"sqlite:///{Path(tempfile.mkdtemp(prefix='exam_limits_')) / 'ratelimits.sqlite3'}"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.database_url,
            "BENCH_MODE": "1",
            "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", self.limits_uri),
            "SECRET_KEY": env.get("SECRET_KEY", "bench-secret-key-not-for-production"),
            "RATELIMIT_LOGIN_ACCOUNT": "100000 per minute",
            "RATELIMIT_LOGIN_IP": "100000 per minute",
            "RATELIMIT_VERIFY_IP": "1000000 per minute",
        })
        env.update(self.extra_env)
        return env

    def start(self) -> AppServer:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        self.process = subprocess.Popen(
            [GUNICORN, "--config", str(ROOT / "bench" / "gunicorn_probe.py"), "--workers", str(self.workers),
             "--threads", str(self.threads), "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5",
             *self.extra_args, "exam_platform:create_app()"],
            cwd=self.cwd, env=self.environment(), stdout=out, stderr=out, start_new_session=True)
        self.wait_ready()
        self.start_graders(out)
        return self

    def start_graders(self, out) -> None:
        for _ in range(self.grading_workers):
            self.graders.append(subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "exam_platform", "exams", "worker", "--poll", "0.2",
                 "--nice", str(self.grading_nice)],
                cwd=self.cwd, env=self.environment(), stdout=out, stderr=out, start_new_session=True))

    def stop_graders(self) -> None:
        for p in self.graders:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)  # finishes its batch, then exits
        for p in self.graders:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.graders = []

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the app did not become ready")

    def worker_pids(self) -> list[int]:
        if not self.process:
            return []
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def stop(self) -> None:
        self.stop_graders()
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
