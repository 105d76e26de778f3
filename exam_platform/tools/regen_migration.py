"""Rewrite migrations/versions/0001_initial.py from the models (before the first release only)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from exam_platform.migrate import alembic_config
from exam_platform.paths import ROOT


def main() -> None:
    versions = ROOT / "migrations" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    for old in versions.glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = alembic_config(f"sqlite:///{Path(tmp) / 'empty.sqlite3'}")
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
    for made in versions.glob("0001_*.py"):
        made.rename(versions / "0001_initial.py")
    print("wrote migrations/versions/0001_initial.py")


if __name__ == "__main__":
    main()
