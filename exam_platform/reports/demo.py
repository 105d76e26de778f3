"""Demo data for the statistics: annual targets and a workforce declaration, and with ``large`` a generated
data set (``generator``: classes, completions, sittings, attempts, answers, results, certificates) big enough to
measure the dashboards and the item analysis."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog.models import Category
from . import targets
from .generator import generate

LARGE_CANDIDATES = 2_000


def seed(session: Session, ctx: Any, *, now: datetime, large: bool) -> None:
    admin = ctx.users.get("admin")
    special = session.scalar(select(Category).where(Category.code == "T-1.2"))
    principal = session.scalar(select(Category).where(Category.code == "PRINCIPAL-HAZCHEM"))
    year = now.year
    if principal is not None:
        targets.set_target(session, actor=admin, now=now, year=year, metric="trainees", value=4000,
                           group="principal", note="主要负责人培训4000人以上")
    if special is not None:
        targets.set_target(session, actor=admin, now=now, year=year, metric="first_pass_rate", value=80,
                           group="special", note="特种作业首考合格率不低于80%")
        targets.set_target(session, actor=admin, now=now, year=year, metric="certificates_issued", value=3000,
                           group="special", note="特种作业发证3000本")
        employer = ctx.orgs.get("employer")
        if employer is not None:
            targets.set_workforce(session, actor=admin, now=now, employer_id=employer.id, category_id=special.id,
                                  workers=40, declared_on=now.date(), note="示范数据")
    if large:
        generate(session, candidates=LARGE_CANDIDATES, now=now,
                 centre=ctx.orgs.get("centre"), institution=ctx.orgs.get("institution"))
