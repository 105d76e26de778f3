"""文化程度: a person's recorded education, checked by staff against the diploma, and the one ordering of levels.

Rule sets require a minimum per 操作项目 ("" none, ``junior_middle`` 初中及以上, ``senior_middle`` 高中及以上; see
``catalog.shapes.EDUCATION``); exam registration compares the candidate's recorded level with it on the exam date's
rule set (``meets``). A level counts only once staff have seen the document: who and when are recorded with it.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from .. import audit
from ..errors import ValidationError
from .models import User


class Level(enum.StrEnum):
    PRIMARY = "primary"              # 小学
    JUNIOR_MIDDLE = "junior_middle"  # 初中
    SENIOR_MIDDLE = "senior_middle"  # 高中、中专、技校
    COLLEGE = "college"              # 大专及以上


#: Lowest first: a level meets every requirement at or below it.
ORDER = (Level.PRIMARY, Level.JUNIOR_MIDDLE, Level.SENIOR_MIDDLE, Level.COLLEGE)
LABELS = {
    Level.PRIMARY: _l("小学"),
    Level.JUNIOR_MIDDLE: _l("初中"),
    Level.SENIOR_MIDDLE: _l("高中、中专或技校"),
    Level.COLLEGE: _l("大专及以上"),
}
#: What a rule requires, as a person would say it.
REQUIREMENT_LABELS = {"": _l("不限"), "junior_middle": _l("初中及以上"), "senior_middle": _l("高中及以上")}


def meets(recorded: str, required: str) -> bool:
    """Does a recorded level ("" = none recorded) satisfy a rule's minimum ("" = none)?"""
    if not required:
        return True
    if recorded not in ORDER:
        return False
    return ORDER.index(Level(recorded)) >= ORDER.index(Level(required))


def label(recorded: str) -> str:
    return str(LABELS[Level(recorded)]) if recorded in ORDER else str(_l("未登记"))


def refusal(recorded: str, required: str) -> str | None:
    """The registration refusal for a candidate whose recorded education is below ``required`` (None: it meets it)."""
    if meets(recorded, required):
        return None
    if recorded not in ORDER:
        return str(_l("该操作项目要求文化程度%(req)s：考生尚未登记文化程度，"
                      "请培训机构或考点核对学历证书后在“实名核验”页登记",
                      req=REQUIREMENT_LABELS.get(required, required)))
    return str(_l("该操作项目要求文化程度%(req)s，考生登记的文化程度为%(has)s",
                  req=REQUIREMENT_LABELS.get(required, required), has=label(recorded)))


def record(session: Session, *, actor: User, user: User, level: str, document_checked: bool,
           now: datetime) -> User:
    """Staff record ``user``'s education after seeing the diploma (audited; recording the same level again changes
    nothing)."""
    if level not in ORDER:
        raise ValidationError(_l("请选择文化程度"), field="education")
    if not document_checked:
        raise ValidationError(_l("请先核对学历证书原件"), field="education_checked")
    if user.education == level:
        return user
    before = {"education": user.education}
    user.education, user.education_checked_at, user.education_checked_by_id = level, now, actor.id
    audit.record(session, actor=actor, action="identity.education", target=user, before=before,
                 after={"education": level}, at=now)
    return user
