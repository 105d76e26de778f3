"""Demo data for the statistics: annual targets (the seed's other targets too, with a few 村(居)安全员 and one
乡镇分管领导 recorded) and a workforce declaration, and with ``large`` a generated
data set (``generator``: classes, completions, sittings, attempts, answers, results, certificates) big enough to
measure the dashboards and the item analysis."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog.models import Category
from ..clock import today_local
from ..reports import officials, targets
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
    _other_targets(session, admin, now=now)
    if large:
        generate(session, candidates=LARGE_CANDIDATES, now=now,
                 centre=ctx.orgs.get("centre"), institution=ctx.orgs.get("institution"))


# (kind, name, place, trained days ago or None)
OFFICIALS = [("village_officer", "李安民", "东湖村", 40), ("village_officer", "王秀英", "西山村", 12),
             ("village_officer", "赵德胜", "南岗社区", None), ("township_leader", "孙立新", "城关镇", None)]


def _other_targets(session: Session, admin: Any, *, now: datetime) -> None:
    today = today_local(now)
    for kind, name, place, ago in OFFICIALS:
        trained = None if ago is None else max(today - timedelta(days=ago), today.replace(month=1, day=1))
        officials.add_official(session, actor=admin, kind=kind, name=name, place=place, trained_on=trained,
                               hours=8 if trained else None, training="县应急管理局安全生产培训" if trained else "",
                               now=now)
    for metric, value, note in (("other_workers_trained", 350000, "其它从业人员培训35万人以上"),
                                ("village_officer_rate", 80, "村(居)安全员培训率80%以上"),
                                ("township_leader_rate", 100, "乡镇分管领导轮训全覆盖")):
        targets.set_target(session, actor=admin, now=now, year=now.year, metric=metric, value=value, note=note)
