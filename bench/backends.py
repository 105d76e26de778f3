"""Scratch databases for the bench (SQLite file, PostgreSQL ``exam_bench``), migrated to head, and the app."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DB = "exam_bench"
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36 exam-bench"


def sqlite_url(workdir: Path) -> str:
    path = workdir / "exam_bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def postgres_url(name: str = PG_DB) -> str:
    """Drop and create ``name`` (trust auth on 127.0.0.1:5432, user postgres)."""
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def postgres_available() -> bool:
    if not shutil.which("pg_isready"):
        return False
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0


def make_app(url: str):
    """The app on ``url`` with the bench's environment (same SECRET_KEY and key directory as the servers)."""
    from exam_platform import create_app

    return create_app({"DATABASE_URL": url})


def migrate(app) -> None:
    from exam_platform.db import get_db
    from exam_platform.migrate import upgrade

    with app.app_context():
        upgrade(get_db().engine)


def versions(url: str) -> dict[str, str]:
    out = {"sqlite": sqlite3.sqlite_version}
    if url.startswith("postgresql"):
        import psycopg

        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn) as conn:
            out["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    return out


def set_environment(workdir: Path) -> dict[str, str]:
    """Environment shared by the in-process app (seeding, sessions) and every gunicorn it starts."""
    env = {
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "bench-secret-key-not-for-production-0123456789"),
        "CERT_KEY_DIR": str(workdir / "keys"),
        "BENCH_MODE": "1",
        "PUBLIC_BASE_URL": "https://cert.example.invalid",
    }
    os.environ.update(env)
    return env
