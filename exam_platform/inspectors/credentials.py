"""执法证: the inspectors' own enforcement credentials, and 执法人员持证率 (target 100 %)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..accounts.models import User
from ..errors import ValidationError
from .inspections import inspectors_of
from .models import InspectorCredential

TARGET_RATE = 100.0  # 安监系统执法人员持证率 100 %


@dataclass
class Holding:
    inspector: User
    credential: InspectorCredential | None  # the newest valid one, else the newest

    def valid_on(self, day: date) -> bool:
        return self.credential is not None and self.credential.valid_on(day)


@dataclass
class CredentialRate:
    holdings: list[Holding]
    today: date

    @property
    def total(self) -> int:
        return len(self.holdings)

    @property
    def held(self) -> int:
        return sum(1 for h in self.holdings if h.valid_on(self.today))

    @property
    def rate(self) -> float | None:
        return round(100.0 * self.held / self.total, 1) if self.total else None

    @property
    def target(self) -> float:
        return TARGET_RATE


def record(session: Session, *, actor: Any, regulator_id: int, user_id: int, number: str, issued_on: date,
           valid_until: date, now: datetime) -> InspectorCredential:
    if user_id not in {u.id for u in inspectors_of(session, regulator_id)}:
        raise ValidationError(_l("请选择本部门的执法人员"), field="user_id")
    number = (number or "").strip()[:40]
    if not number:
        raise ValidationError(_l("请填写执法证号"), field="number")
    if valid_until < issued_on:
        raise ValidationError(_l("有效期至不能早于发证日期"), field="valid_until")
    if session.scalar(select(InspectorCredential.id).where(InspectorCredential.number == number)):
        raise ValidationError(_l("该执法证号已登记"), field="number")
    row = InspectorCredential(user_id=user_id, regulator_id=regulator_id, number=number, issued_on=issued_on,
                              valid_until=valid_until, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="inspector_credential.record", target=row,
                 after={"user": user_id, "number": number, "valid_until": valid_until.isoformat()}, at=now)
    return row


def credential_rate(session: Session, regulator_id: int, *, today: date) -> CredentialRate:
    inspectors = inspectors_of(session, regulator_id)
    rows = list(session.scalars(select(InspectorCredential).where(InspectorCredential.regulator_id == regulator_id)
                                .order_by(InspectorCredential.valid_until.desc())))
    holdings = []
    for person in inspectors:
        own = [r for r in rows if r.user_id == person.id]
        best = next((r for r in own if r.valid_on(today)), own[0] if own else None)
        holdings.append(Holding(person, best))
    return CredentialRate(holdings, today)
