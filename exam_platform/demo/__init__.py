"""Demo data: organisations, one account per role, and each area's sample data.

Each area's sample data is a module here (``demo/<area>.py``, run in area order by ``seed``) with
``seed(session, ctx, *, now, large)``; ``ctx`` carries the
organisations and users made here (see ``DemoContext``) and areas may add to it for later areas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..accounts import identity
from ..accounts import service as accounts
from ..accounts.idnumber import make_resident_id
from ..catalog.service import load_catalog

# (username, password, real name, ID first 17 digits, role, organisation key, label)
DEMO_ACCOUNTS = [
    ("admin", "Demo-Regulator-2026", "王建国", "36010219750312001", "regulator", "regulator", "监管部门 regulator"),
    ("author", "Demo-Author-2026", "李文华", "36010219800521002", "question_author", "authority",
     "题库管理员 question author"),
    ("centre", "Demo-Centre-2026", "赵国强", "36010219820817003", "centre_staff", "centre", "考点考务 exam centre"),
    ("proctor", "Demo-Proctor-2026", "钱晓燕", "36010219850101004", "proctor", "centre", "监考员 proctor"),
    ("examiner", "Demo-Examiner-2026", "孙志刚", "36010219790606005", "examiner", "centre", "考评员 examiner"),
    ("trainer", "Demo-Trainer-2026", "周丽娟", "36010219880909006", "institution_staff", "institution",
     "培训机构 training institution"),
    ("employer", "Demo-Employer-2026", "吴安全", "36010219830214010", "employer", "employer",
     "生产经营单位 employer"),
    ("inspector", "Demo-Inspector-2026", "郑执法", "36010219810707011", "inspector", "regulator",
     "执法人员 inspector"),
    ("trainee", "Demo-Trainee-2026", "张小明", "36010219950315007", "candidate", None, "学员/考生 candidate"),
    ("trainee2", "Demo-Trainee-2026", "陈美玲", "36010219960420008", "candidate", None, "学员/考生 candidate"),
    ("trainee3", "Demo-Trainee-2026", "刘伟", "36010219970723009", "candidate", None, "学员/考生 candidate"),
]
DEMO_USERNAMES = [a[0] for a in DEMO_ACCOUNTS]

DEMO_ORGS = {
    "regulator": ("示范省应急管理厅", "regulator", "360000"),
    "authority": ("示范省安全生产考试中心", "exam_authority", "360000"),
    "centre": ("示范市第一安全生产考点", "exam_centre", "360100"),
    "institution": ("示范市安培职业培训学校", "training_institution", "360100"),
    "employer": ("示范化工有限公司", "employer", "360100"),
}


@dataclass
class DemoContext:
    orgs: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def seed(session: Session, *, now: datetime, large: bool = False) -> list[tuple[str, str, str]]:
    load_catalog(session, now=now)
    ctx = DemoContext()
    for key, (name, kind, region) in DEMO_ORGS.items():
        ctx.orgs[key] = accounts.create_organization(session, actor=None, name=name, kind=kind,
                                                     region_code=region, now=now)
    for username, password, name, id17, role, org_key, _label in DEMO_ACCOUNTS:
        user = accounts.create_user(session, actor=None, username=username, real_name=name, id_type="resident_id",
                                    id_number=make_resident_id(id17), password=password, phone="13800000000",
                                    employer_id=ctx.orgs["employer"].id if role == "candidate" else None, now=now)
        accounts.grant_role(session, actor=None, user=user, role=role,
                            organization_id=ctx.orgs[org_key].id if org_key else None, now=now)
        identity.mark_demo(user, now=now)  # recorded as demo data, not as a document check
        ctx.users[username] = user
    from . import banks, certificates, employers, exams, inspectors, reports, training

    # each area's sample data, in area order
    for module in (banks, training, exams, certificates, employers, inspectors, reports):
        module.seed(session, ctx, now=now, large=large)
    return demo_logins()


def demo_logins() -> list[tuple[str, str, str]]:
    return [(u, p, label) for u, p, *_rest, label in DEMO_ACCOUNTS]
