"""Demo data of the banks area: the shipped banks and their default blueprints.

Puts into ``ctx.extra``:
- ``banks``: Bank by bank code (e.g. ``"T-1.2-exam"``);
- ``blueprints``: the default **exam** Blueprint by category code (e.g. ``"T-1.2"``);
- ``mock_blueprints``: the mock-exam Blueprint (over the practice bank) by category code.
With ``large`` a generated 10,000-question exam bank (``LARGE-T-1.2-exam``) is added for paging and drawing
benchmarks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..banks.importer import import_paths, shipped_files
from ..banks.models import Bank
from ..banks.paper_rules import load_default_blueprints


def seed(session: Session, ctx: Any, *, now: datetime, large: bool = False) -> None:
    author = ctx.users.get("author")
    import_paths(session, actor=author, paths=shipped_files(), now=now)
    made = load_default_blueprints(session, actor=author, now=now)
    ctx.extra["banks"] = {b.code: b for b in session.scalars(select(Bank))}
    ctx.extra["blueprints"] = {bp.category.code: bp for bp in made.values() if bp.purpose == "exam"}
    ctx.extra["mock_blueprints"] = {bp.category.code: bp for bp in made.values() if bp.purpose == "mock"}
    if large:
        from ..banks.generate import generated_bank

        bank = generated_bank(session, actor=author, code="LARGE-T-1.2-exam", category="T-1.2", size=10_000, now=now)
        ctx.extra["banks"][bank.code] = bank
