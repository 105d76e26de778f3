"""Demo roster of 示范化工有限公司 (``employer``): valid, due and missing certificates, all from the registry.

- 张小明 (the demo trainee), post 电工兼制冷运行: T-1.1 valid, T-4.1 in its 复审 window (due within 60 days);
- 刘伟 and 马建军, post 低压电工: no T-1.2 certificate (无证上岗);
- 黄志强, post 主要负责人 (危化): no PRINCIPAL-HAZCHEM certificate;
- 陈美玲, post 化工操作工: no certificate required.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.idnumber import make_resident_id
from ..catalog.models import Category
from . import roster

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
