"""What ``make bench`` needs from the machine: wrk, nginx, Redis and PostgreSQL (Debian packages, installed
when missing), PostgreSQL and Redis running on 127.0.0.1 (started when they are not), and locust in the venv."""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path


def _apt_install(packages: list[str]) -> None:
    if not packages:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"  missing {', '.join(packages)}: install them (apt-get install -y ...) and run again")
        return
    print(f"  installing {' '.join(packages)} (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env, stdout=subprocess.DEVNULL)


def ensure_tools(*, postgres: bool, scaleout: bool) -> None:
    need = []
    if not shutil.which("wrk"):
        need.append("wrk")
    if scaleout and not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        need.append("nginx-light")
    if scaleout and not shutil.which("redis-server"):
        need.append("redis-server")
    if postgres and not shutil.which("pg_isready"):
        need += ["postgresql", "postgresql-client"]
    try:
        _apt_install(need)
    except subprocess.CalledProcessError:
        if "nginx-light" in need:  # newer Debian has no nginx-light: plain nginx is the same binary
            _apt_install(["nginx" if p == "nginx-light" else p for p in need])
        else:
            raise
    if importlib.util.find_spec("locust") is None:
        print("  installing the bench extra (locust) into the venv")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", ".[bench]"], check=True,
                       cwd=Path(__file__).resolve().parent.parent)


def ensure_postgres() -> bool:
    from .backends import postgres_available

    if postgres_available():
        return True
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    if not versions or not shutil.which("pg_ctlcluster"):
        return False
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].name, "main", "start"],
                   check=False)
    for _ in range(30):
        if postgres_available():
            return True
        subprocess.run(["sleep", "1"])
    return False


def redis_running() -> bool:
    if not shutil.which("redis-cli"):
        return False
    out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "ping"], capture_output=True, text=True)
    return out.stdout.strip() == "PONG"


def start_redis(workdir: Path) -> subprocess.Popen | None:
    """Start a Redis on 127.0.0.1:6379 when none answers; returns the process to stop (None: already running)."""
    if redis_running():
        return None
    proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", "6379", "--save", "",
                             "--appendonly", "no", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(50):
        if redis_running():
            return proc
        subprocess.run(["sleep", "0.1"])
    proc.terminate()
    raise RuntimeError("redis-server did not start")


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True) if shutil.which("wrk") else None
    return {"cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)), "cpu_model": model,
            "memory": mem, "kernel": platform.release(), "python": platform.python_version(),
            "wrk": (wrk.stdout or wrk.stderr).split("[")[0].strip() if wrk else None}
