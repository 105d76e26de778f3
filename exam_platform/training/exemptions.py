"""免于培训: a 职业技能等级证书 exempts its holder from a category's training where the rule set in force says so.

The training institution checks the original certificate, records it (number, 职业, level, issuer, date) and — if
the rule set in force today for the category has ``training_exemption: skill_certificate`` — a training completion
of kind ``exemption`` is issued on it, with the validity the rule set gives completions. Exam registration then
treats it as any completion (``training.service.valid_completion``): no rule of exemption lives in exams.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from .. import audit
from ..accounts.models import User
from ..catalog.models import Category
from ..catalog.service import rule_in_force
from ..clock import today_local
from ..errors import Conflict, ValidationError
from .completions import add_months, new_number
from .models import SkillCertificate, TrainingCompletion
from .service import valid_completion

LEVEL_LABELS = {1: _l("一级（高级技师）"), 2: _l("二级（技师）"), 3: _l("三级（高级工）"), 4: _l("四级（中级工）"),
                5: _l("五级（初级工）")}


def exempts(rule) -> bool:
    """Does this rule set let a recorded 职业技能等级证书 stand for the training?"""
    return rule.training_exemption == "skill_certificate"


def allowed(session: Session, category_id: int, on: date) -> bool:
    return exempts(rule_in_force(session, category_id, on))


def record(session: Session, *, actor: User, institution_id: int, trainee: User, category: Category, number: str,
           occupation: str, level: int, issuer: str, issued_on: date, document_checked: bool,
           now: datetime) -> TrainingCompletion:
    """Record the certificate and issue the exemption completion on it (audited). Raises ValidationError."""
    today = today_local(now)
    number, occupation, issuer = number.strip(), occupation.strip(), issuer.strip()
    rule = rule_in_force(session, category.id, today)
    if not exempts(rule):
        raise ValidationError(_l("按现行规则，%(c)s 不能以职业技能等级证书免于培训", c=category.label),
                              field="category_id")
    if not document_checked:
        raise ValidationError(_l("请先核对职业技能等级证书原件"), field="document_checked")
    if level not in LEVEL_LABELS:
        raise ValidationError(_l("请选择证书等级"), field="level")
    if issued_on > today:
        raise ValidationError(_l("发证日期不能晚于今天"), field="issued_on")
    for value, field in ((number, "number"), (occupation, "occupation"), (issuer, "issuer")):
        if not value:
            raise ValidationError(_l("此项必填"), field=field)
    if valid_completion(session, trainee_id=trainee.id, category_id=category.id, on=today):
        raise Conflict(_l("该人员已有本类别有效的培训合格证明，无需免培"), code="already_completed")
    completion = TrainingCompletion(
        number=new_number(today), trainee_id=trainee.id, institution_id=institution_id, category_id=category.id,
        kind="exemption", hours=0, issued_on=today, valid_until=add_months(today, rule.completion_valid_months),
        issued_by_id=actor.id, created_at=now)
    session.add(completion)
    session.flush()
    cert = SkillCertificate(trainee_id=trainee.id, institution_id=institution_id, category_id=category.id,
                            number=number, occupation=occupation, level=level, issuer=issuer, issued_on=issued_on,
                            completion_id=completion.id, checked_by_id=actor.id, checked_at=now)
    session.add(cert)
    audit.record(session, actor=actor, action="training.exemption.record", target=completion,
                 after={"category": category.code, "level": level, "issuer": issuer,
                        "valid_until": str(completion.valid_until)}, at=now)
    return completion
