"""Suspected forgeries (假冒证件) as cases the regulator follows up: status, outcome, linked certificate or person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..accounts.idnumber import normalise
from ..accounts.models import User
from ..certificates.models import Certificate
from ..errors import NotFound, ValidationError
from .models import CaseOutcome, CaseStatus, ForgeryCase

STATUS_LABELS = {CaseStatus.OPEN: _l("待查处"), CaseStatus.INVESTIGATING: _l("调查中"), CaseStatus.CLOSED: _l("已结案")}
OUTCOME_LABELS = {CaseOutcome.PENDING: _l("未定"), CaseOutcome.FORGED: _l("伪造证件"),
                  CaseOutcome.BORROWED: _l("冒用他人证件"), CaseOutcome.ALTERED: _l("涂改证件"),
                  CaseOutcome.GENUINE: _l("证件真实（排除）"), CaseOutcome.OTHER: _l("其他")}


def listed(regulator_ids: frozenset[int] | None, status: str = ""):
    stmt = select(ForgeryCase).order_by(ForgeryCase.created_at.desc(), ForgeryCase.id.desc())
    if regulator_ids is not None:
        stmt = stmt.where(ForgeryCase.regulator_id.in_(regulator_ids))
    if status in set(CaseStatus):
        stmt = stmt.where(ForgeryCase.status == status)
    return stmt


def get(session: Session, case_id: int) -> ForgeryCase:
    found = session.get(ForgeryCase, case_id)
    if found is None:
        raise NotFound()
    return found


def update(session: Session, case: ForgeryCase, *, actor: Any, status: str, outcome: str, certificate_number: str,
           person_id_number: str, note: str, now: datetime) -> ForgeryCase:
    """Follow-up: a closed case needs an outcome; a linked certificate or person is found by number."""
    if status not in set(CaseStatus):
        raise ValidationError(_l("请选择状态"), field="status")
    if outcome not in set(CaseOutcome):
        raise ValidationError(_l("请选择处理结果"), field="outcome")
    if status == CaseStatus.CLOSED and outcome == CaseOutcome.PENDING:
        raise ValidationError(_l("结案须写明处理结果"), field="outcome")
    before = {"status": case.status, "outcome": case.outcome, "certificate": case.certificate_id,
              "person": case.person_id}
    number = normalise(certificate_number or "")[:40]
    if number:
        cert = session.scalar(select(Certificate).where(Certificate.number == number,
                                                        Certificate.status != "pending")
                              .order_by(Certificate.issued_on.desc()).limit(1))
        if cert is None:
            raise ValidationError(_l("登记簿中没有这个证书编号"), field="certificate_number")
        case.certificate_id = cert.id
    id_number = normalise(person_id_number or "")[:32]
    if id_number:
        person = session.scalar(select(User).where(User.id_number == id_number))
        if person is None:
            raise ValidationError(_l("没有这个证件号码的人员"), field="person_id_number")
        case.person_id = person.id
    case.status, case.outcome, case.updated_at = status, outcome, now
    if note.strip():
        case.note = note.strip()[:4000]
    session.flush()
    audit.record(session, actor=actor, action="forgery_case.update", target=case, before=before,
                 after={"status": status, "outcome": outcome, "certificate": case.certificate_id,
                        "person": case.person_id}, at=now)
    return case
