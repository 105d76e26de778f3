"""On-site inspections (现场检查): open one, record checks, sign the 检查记录 off. Services never commit."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..accounts.models import Organization, RoleGrant, User
from ..certificates import lifecycle, verification
from ..certificates.models import Certificate
from ..errors import Conflict, NotFound, ValidationError
from ..permissions import OrgKind, Role
from .models import (
    CaseOutcome,
    CaseStatus,
    ForgeryCase,
    Inspection,
    InspectionCheck,
    InspectionState,
    Outcome,
    inspection_members,
)

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_NOTE = 2000


def employers(session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).where(Organization.kind == OrgKind.EMPLOYER.value)
                                .order_by(Organization.name)))


def inspectors_of(session: Session, regulator_id: int) -> list[User]:
    return list(session.scalars(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                                .where(RoleGrant.role == Role.INSPECTOR.value,
                                       RoleGrant.organization_id == regulator_id)
                                .order_by(User.id)))


def get(session: Session, inspection_id: int) -> Inspection:
    found = session.get(Inspection, inspection_id)
    if found is None:
        raise NotFound()
    return found


def listed(regulator_ids: frozenset[int] | None):
    """Inspections of these regulators (None: all), newest first."""
    stmt = select(Inspection).order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
    return stmt if regulator_ids is None else stmt.where(Inspection.regulator_id.in_(regulator_ids))


def open_inspection(session: Session, *, actor: Any, regulator_id: int, employer_id: int, inspected_on: date,
                    place: str, inspector_ids: list[int], now: datetime) -> Inspection:
    """The opener is always one of the inspectors; every inspector must inspect for the same regulator."""
    employer = session.get(Organization, employer_id)
    if employer is None or employer.kind != OrgKind.EMPLOYER.value:
        raise ValidationError(_l("请选择被检查的生产经营单位"), field="employer_id")
    if not (place or "").strip():
        raise ValidationError(_l("请填写检查地点"), field="place")
    allowed = {u.id: u for u in inspectors_of(session, regulator_id)}
    chosen = {actor.id, *inspector_ids}
    if not chosen <= allowed.keys():
        raise ValidationError(_l("检查人员须为本部门的执法人员"), field="inspector_ids")
    inspection = Inspection(regulator_id=regulator_id, employer_id=employer_id, inspected_on=inspected_on,
                            place=place.strip()[:200], opened_by_id=actor.id, created_at=now,
                            inspectors=[allowed[i] for i in sorted(chosen)])
    session.add(inspection)
    session.flush()
    audit.record(session, actor=actor, action="inspection.open", target=inspection,
                 after={"employer": employer.name, "on": inspected_on.isoformat(), "inspectors": sorted(chosen)},
                 at=now)
    return inspection


def signatures(session: Session, inspection: Inspection) -> dict[int, datetime | None]:
    """inspector id → when they signed the 检查记录 (None: not yet)."""
    rows = session.execute(select(inspection_members.c.user_id, inspection_members.c.signed_at)
                           .where(inspection_members.c.inspection_id == inspection.id)).all()
    return {user_id: signed for user_id, signed in rows}


def sign_off(session: Session, inspection: Inspection, *, actor: Any, now: datetime) -> bool:
    """The actor signs the 检查记录; when the last inspector has signed, the inspection closes. True if closed."""
    if inspection.closed:
        raise Conflict(_l("检查已结束"), code="inspection_closed")
    signed = signatures(session, inspection)
    if actor.id not in signed:
        raise Conflict(_l("只有本次检查的执法人员可以签字"), code="not_an_inspector")
    if not inspection.checks:
        raise Conflict(_l("尚未查验任何人员，不能签字结束"), code="no_checks")
    if signed[actor.id] is None:
        session.execute(inspection_members.update()
                        .where(inspection_members.c.inspection_id == inspection.id,
                               inspection_members.c.user_id == actor.id).values(signed_at=now))
        signed[actor.id] = now
    closing = all(at is not None for at in signed.values())
    if closing:
        inspection.state, inspection.closed_at = InspectionState.CLOSED.value, now
    session.flush()
    audit.record(session, actor=actor, action="inspection.sign", target=inspection,
                 after={"closed": closing}, at=now)
    return closing


# ---- checks ----------------------------------------------------------------------------------------------

def _clean(text: Any, limit: int) -> str:
    return str(text or "").strip()[:limit]


def _by_token(session: Session, token: str, *, now: datetime) -> tuple[str, str, Certificate | None]:
    # a write request already: a certificate that has just lapsed is recorded 失效 in the same transaction
    outcome = verification.record_lapse(session, verification.read_status(session, token, now=now), now=now)
    if outcome.status == "invalid":
        return Outcome.FORGERY.value, "bad_signature", None
    return outcome.status, "", session.get(Certificate, outcome.certificate.id)


def _by_number(session: Session, number: str, name: str, *, now: datetime) -> tuple[str, str, Certificate | None]:
    found = verification.lookup(session, number=number, name=name)
    if found:
        cert = next((c for c in found if c.status == "valid"), found[0])
        lifecycle.refresh_expiry(session, cert, now=now)
        return cert.status, "", cert
    other = session.scalar(select(Certificate).where(Certificate.number == number,
                                                     Certificate.status != "pending").limit(1))
    if other is not None:  # the number exists, the name on the card does not match it
        return Outcome.FORGERY.value, "mismatch", other
    return Outcome.NOT_FOUND.value, "", None


def record_check(session: Session, inspection: Inspection, *, actor: Any, uuid: str, token: str = "",
                 number: str = "", worker_name: str = "", note: str = "", device_outcome: str = "",
                 offline: bool = False, list_as_of: datetime | None = None, device_at: datetime | None = None,
                 now: datetime) -> tuple[InspectionCheck, bool]:
    """(check, created): the same ``uuid`` sent again answers the stored check (a queue replayed after a lost
    answer stores nothing twice). The outcome is decided here, from the registry, whatever the phone showed."""
    uuid = (uuid or "").strip().lower()
    if not _UUID.match(uuid):
        raise ValidationError(_l("检查编号无效"), field="uuid")
    existing = session.scalar(select(InspectionCheck).where(InspectionCheck.uuid == uuid))
    if existing is not None:
        if existing.inspection_id != inspection.id:
            raise Conflict(_l("该检查编号已用于另一次检查"), code="uuid_taken")
        return existing, False
    if inspection.closed:
        raise Conflict(_l("检查已结束，不能再添加"), code="inspection_closed")
    token, number, name = _clean(token, 400), _clean(number, 40).upper(), _clean(worker_name, 64)
    if token:
        token = verification.tokens.token_from_url(token)[:400]
        outcome, reason, cert = _by_token(session, token, now=now)
        if cert is not None and outcome != Outcome.FORGERY and (
                (name and name != cert.holder.real_name) or (number and number != cert.number)):
            outcome, reason = Outcome.FORGERY.value, "mismatch"
    elif number and name:
        outcome, reason, cert = _by_number(session, number, name, now=now)
    else:
        raise ValidationError(_l("请扫描二维码，或填写证书编号和姓名"), field="number")
    check = InspectionCheck(uuid=uuid, inspection=inspection, checked_by_id=actor.id,
                            method="scan" if token else "typed", token=token, number=number, worker_name=name,
                            certificate_id=cert.id if cert else None, outcome=outcome, reason=reason,
                            device_outcome=device_outcome if device_outcome in set(Outcome) else "",
                            offline=bool(offline), list_as_of=list_as_of, note=_clean(note, MAX_NOTE),
                            checked_at=now, device_at=device_at)
    session.add(check)
    session.flush()
    if outcome == Outcome.FORGERY:
        case = ForgeryCase(check_id=check.id, regulator_id=inspection.regulator_id,
                           certificate_id=cert.id if cert else None, person_id=cert.holder_id if cert else None,
                           status=CaseStatus.OPEN.value, outcome=CaseOutcome.PENDING.value, created_at=now,
                           updated_at=now)
        session.add(case)
        session.flush()
        audit.record(session, actor=actor, action="forgery_case.open", target=case,
                     after={"inspection": inspection.id, "check": check.id, "reason": reason}, at=now)
    audit.record(session, actor=actor, action="inspection.check", target=check,
                 after={"inspection": inspection.id, "outcome": outcome, "offline": bool(offline)}, at=now)
    return check, True


def get_check(session: Session, check_id: int) -> InspectionCheck:
    found = session.get(InspectionCheck, check_id)
    if found is None:
        raise NotFound()
    return found


def attach_photo(session: Session, check: InspectionCheck, *, actor: Any, jpeg: bytes, note: str,
                 now: datetime) -> InspectionCheck:
    """The photo of a suspected forged card (already normalised by ``photos.normalise``) and a note."""
    if check.outcome != Outcome.FORGERY:
        raise Conflict(_l("只有疑似假冒证件需要拍照留存"), code="not_a_forgery")
    check.photo = jpeg
    if note.strip():
        check.note = _clean(note, MAX_NOTE)
    session.flush()
    audit.record(session, actor=actor, action="inspection.photo", target=check, after={"bytes": len(jpeg)}, at=now)
    return check


def summary(inspection: Inspection) -> dict[str, int]:
    """Counts of the record: checked, valid (持证上岗), and each outcome."""
    counts = {o.value: 0 for o in Outcome}
    for check in inspection.checks:
        counts[check.outcome] += 1
    return {"checked": len(inspection.checks), **counts}
