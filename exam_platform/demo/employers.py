"""Demo roster of 示范化工有限公司 (``employer``): valid and missing certificates, all from the registry.

- 张小明 (the demo trainee), post 电工兼制冷运行: T-1.1 valid, T-4.1 issued under 令30 almost 3 years ago
  (under 令19 no 复审: renewed at expiry);
- 刘伟 and 马建军, post 低压电工: no T-1.2 certificate (无证上岗);
- 黄志强, post 主要负责人 (危化): no PRINCIPAL-HAZCHEM certificate;
- 陈美玲, post 化工操作工: no certificate required.

三级安全教育 (the company is in 危险化学品: 72 学时 before starting, 20 a year after): 陈美玲 has all three levels
(72 学时, signed); 马建军 has the company and workshop levels only (40 学时); 刘伟's company-level record waits for
his signature. One 送培申请 is pending: 马建军 to the demo institution's 低压电工 class.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.idnumber import make_resident_id
from ..catalog.models import Category
from ..clock import today_local
from ..employers import enrollment_requests, records, roster

POSTS = [("电工兼制冷运行", ("T-1.1", "T-4.1")), ("低压电工", ("T-1.2",)), ("主要负责人", ("PRINCIPAL-HAZCHEM",)),
         ("化工操作工", ())]
# (name, demo username or the first 17 digits of a made-up ID number, post)
WORKERS = [("张小明", "trainee", "电工兼制冷运行"), ("刘伟", "trainee3", "低压电工"),
           ("马建军", "36010219900505011", "低压电工"), ("黄志强", "36010219780808012", "主要负责人"),
           ("陈美玲", "trainee2", "化工操作工")]


def seed(session: Session, ctx: Any, *, now: datetime, large: bool = False) -> None:
    employer = ctx.orgs["employer"]
    staff = ctx.users.get("employer")
    codes = {c.code: c.id for c in session.scalars(select(Category))}
    posts = {name: roster.save_post(session, actor=staff, employer_id=employer.id, name=name,
                                    category_ids=[codes[c] for c in needs if c in codes], now=now)
             for name, needs in POSTS}
    for name, who, post in WORKERS:
        user = ctx.users.get(who)
        id_number = user.id_number if user is not None else make_resident_id(who)
        roster.add_worker(session, actor=staff, employer_id=employer.id, real_name=name, id_type="resident_id",
                          id_number=id_number, post_id=posts[post].id, now=now)
    ctx.extra["employer_posts"] = posts
    _education(session, ctx, staff, employer.id, now=now)


# (worker, level, hours, days before today, signed)
EDUCATION = [("陈美玲", "company", 24, 60, True), ("陈美玲", "workshop", 24, 58, True),
             ("陈美玲", "team", 24, 56, True), ("马建军", "company", 24, 30, True),
             ("马建军", "workshop", 16, 28, True), ("刘伟", "company", 24, 3, False)]
CONTENT = {"company": "本单位安全生产情况及基本知识、规章制度和劳动纪律、从业人员权利义务、事故案例、应急预案演练",
           "workshop": "工作环境及危险因素、本工种职业伤害、安全职责与操作技能、自救互救、防护用品使用",
           "team": "岗位安全操作规程、岗位间衔接配合的安全与职业卫生事项、事故案例"}


def _education(session: Session, ctx: Any, staff: Any, employer_id: int, *, now: datetime) -> None:
    records.set_industry(session, actor=staff, employer_id=employer_id, industry="危险化学品", now=now)
    today: date = today_local(now)
    workers = {w.real_name: w for w in roster.workers_of(session, employer_id)}
    for name, level, hours, ago, signed in EDUCATION:
        held = today - timedelta(days=ago)
        records.add_record(session, actor=staff, worker=workers[name], occasion="initial", level=level,
                           held_on=held, hours=hours, content=CONTENT[level], trainer="吴安全",
                           confirmed_on=held if signed else None, now=now)
    for name in ("陈美玲", "马建军", "刘伟"):
        records.set_worker_dates(session, actor=staff, worker=workers[name], started_on=today - timedelta(days=55),
                                 reassigned_on=None, away_since=None, now=now)
    made = ctx.extra.get("training") or {}
    cls = made.get("classes", {}).get("T-1.2")
    if cls is not None:
        enrollment_requests.create_request(session, actor=staff, employer_id=employer_id, class_id=cls.id,
                                worker_ids=[workers["马建军"].id], note="无证上岗，请尽快安排培训", now=now)
