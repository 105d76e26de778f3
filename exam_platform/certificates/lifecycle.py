"""After issue: 暂扣 (suspend) and 恢复, 撤销 (revoke, with its legal ground), 注销 (cancel), 补发 (reissue),
violations, and 失效 (expiry at the end of validity or when 复审 is overdue — by the sweep and lazily on read).

Every change is by the issuing authority with a reason, recorded as a CertificateEvent and in the audit trail;
the public page reads the registry, so it shows the change at once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..clock import today_local
from ..errors import Conflict, ValidationError
from . import rules
from . import token as tokens
from .issuance import FORMAT_UPGRADE, add_event, mint
from .models import Certificate, CertificateStatus, RegistrationBan, ReviewApplication, Violation


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("请填写理由"), field="reason")
    if len(reason) > 1000:
        raise ValidationError(_l("理由不超过1000字"), field="reason")
    return reason


def _set_status(session: Session, cert: Certificate, status: str, *, actor: Any, now: datetime, event: str,
                code: str = "", reason: str = "") -> None:
    before = cert.status
    cert.status, cert.status_code, cert.status_reason = status, code, reason
    cert.status_changed_on, cert.updated_at = today_local(now), now
    add_event(session, cert, event, actor=actor, now=now, code=code, reason=reason)
    audit.record(session, actor=actor, action=f"certificate.{event}", target=cert, before={"status": before},
                 after={"status": status, "code": code}, note=reason, at=now)


def suspend(session: Session, cert: Certificate, *, actor: Any, now: datetime, reason: str) -> Certificate:
    if not cert.is_valid:
        raise Conflict(_l("只有有效的证书可以暂扣"), code="not_valid")
    _set_status(session, cert, CertificateStatus.SUSPENDED, actor=actor, now=now, event="suspended", code="suspended",
                reason=_reason(reason))
    return cert


def reinstate(session: Session, cert: Certificate, *, actor: Any, now: datetime, reason: str) -> Certificate:
    if not cert.is_suspended:
        raise Conflict(_l("只有暂扣中的证书可以恢复"), code="not_suspended")
    _set_status(session, cert, CertificateStatus.VALID, actor=actor, now=now, event="reinstated",
                reason=_reason(reason))
    refresh_expiry(session, cert, now=now)  # a suspension does not stop the calendar
    return cert


def revoke(session: Session, cert: Certificate, *, actor: Any, now: datetime, ground: str,
           reason: str) -> Certificate:
    """撤销 on a legal ground; false information and fraud also ban new registrations in the group (3 years)."""
    if ground not in rules.REVOCATION_GROUNDS:
        raise ValidationError(_l("请选择撤销依据"), field="ground")
    if not cert.revocable:
        raise Conflict(_l("该证书当前状态不能撤销"), code="cannot_revoke")
    _set_status(session, cert, CertificateStatus.REVOKED, actor=actor, now=now, event="revoked", code=ground,
                reason=_reason(reason))
    years = rules.REVOCATION_GROUNDS[ground].ban_years
    if years:
        today = today_local(now)
        session.add(RegistrationBan(user_id=cert.holder_id, category_group=cert.category.group,
                                    certificate_id=cert.id, ground=ground, starts_on=today,
                                    until=rules.add_years(today, years), created_at=now,
                                    created_by_id=getattr(actor, "id", None)))
        session.flush()
    return cert


def cancel(session: Session, cert: Certificate, *, actor: Any, now: datetime, ground: str,
           reason: str) -> Certificate:
    """注销: death, the holder's own request, or after 撤销."""
    if ground not in rules.CANCELLATION_GROUNDS:
        raise ValidationError(_l("请选择注销依据"), field="ground")
    if not cert.cancellable(ground):
        raise Conflict(_l("该证书当前状态不能以此依据注销"), code="cannot_cancel")
    _set_status(session, cert, CertificateStatus.CANCELLED, actor=actor, now=now, event="cancelled", code=ground,
                reason=_reason(reason))
    return cert


def reissue(session: Session, cert: Certificate, *, actor: Any, now: datetime, reason: str,
            kind: str = "reissued") -> Certificate:
    """补发 (after loss) or re-signing after a key compromise: same number and dates, a new token version."""
    if not cert.is_valid:
        raise Conflict(_l("只有有效的证书可以补发"), code="not_valid")
    reason = _reason(reason)
    old = cert.token_version
    row = mint(session, cert, reason=kind, now=now)
    add_event(session, cert, kind, actor=actor, now=now, reason=reason, old_version=old, version=row.version)
    audit.record(session, actor=actor, action=f"certificate.{kind}", target=cert,
                 before={"version": old}, after={"version": row.version, "kid": row.kid}, note=reason, at=now)
    return cert


def reissue_flagged(session: Session, *, actor: Any, now: datetime) -> int:
    """Re-sign with the active key every valid certificate flagged after a key compromise."""
    flagged = list(session.scalars(select(Certificate).where(Certificate.reissue_required.is_(True),
                                                             Certificate.status == CertificateStatus.VALID)))
    for cert in flagged:
        reissue(session, cert, actor=actor, now=now, reason="签名密钥停用，重新签发", kind="rekeyed")
    return len(flagged)


def upgrade_token(session: Session, cert: Certificate, *, actor: Any, now: datetime) -> bool:
    """A CT1-era certificate gets a token of the current format (naming its reference, not its number) and a new
    QR image — whatever its status, so no stored QR, print or link carries the number any more. Same number and
    dates; the old token is not superseded (the card is the same) but shows that a newer one exists.

    Locks the row and reads it again first (a 补发 at the same moment must not race it); False when the current
    token is already of the current format (so running the upgrade twice changes nothing)."""
    session.execute(select(Certificate.id).where(Certificate.id == cert.id).with_for_update())
    session.refresh(cert)
    if not cert.token or cert.token.startswith(tokens.format_prefix(tokens.FORMAT)):
        return False
    old = cert.token_version
    row = mint(session, cert, reason=FORMAT_UPGRADE, now=now)
    add_event(session, cert, FORMAT_UPGRADE, actor=actor, now=now, old_version=old, version=row.version)
    audit.record(session, actor=actor, action="certificate.token_upgraded", target=cert,
                 before={"version": old, "format": tokens.LEGACY_FORMAT},
                 after={"version": row.version, "format": tokens.FORMAT, "kid": row.kid}, at=now)
    return True


def legacy_token_ids(session: Session, *, after_id: int = 0, limit: int = 200) -> list[int]:
    """Ids of certificates whose current token is of an older format, in id order after ``after_id``."""
    return list(session.scalars(
        select(Certificate.id).where(Certificate.token.is_not(None), Certificate.id > after_id,
                                     ~Certificate.token.startswith(tokens.format_prefix(tokens.FORMAT)))
        .order_by(Certificate.id).limit(limit)))


def record_violation(session: Session, cert: Certificate, *, actor: Any, now: datetime, occurred_on: date,
                     serious: bool, description: str) -> Violation:
    if cert.is_pending:
        raise Conflict(_l("证书尚未发放"), code="not_issued")
    description = _reason(description)
    if occurred_on > today_local(now):
        raise ValidationError(_l("违章日期不能晚于今天"), field="occurred_on")
    row = Violation(certificate_id=cert.id, occurred_on=occurred_on, serious=serious, description=description,
                    recorded_by_id=getattr(actor, "id", None), recorded_at=now)
    session.add(row)
    add_event(session, cert, "violation", actor=actor, now=now, reason=description, serious=serious,
              occurred_on=occurred_on.isoformat())
    audit.record(session, actor=actor, action="certificate.violation", target=cert,
                 after={"serious": serious, "occurred_on": occurred_on.isoformat()}, at=now)
    session.flush()
    return row


# ---- 失效 ------------------------------------------------------------------------------------------------

def _applied_in_time(session: Session, cert: Certificate) -> bool:
    """A 复审 application submitted for the current due date and still undecided keeps the certificate alive."""
    return bool(session.scalar(select(func.count(ReviewApplication.id)).where(
        ReviewApplication.certificate_id == cert.id, ReviewApplication.status == "submitted",
        ReviewApplication.due_date == cert.next_review_due)))


def expiry_reason(session: Session, cert: Certificate, today: date) -> str | None:
    if not cert.is_valid:
        return None
    if cert.valid_until and cert.valid_until < today and not _applied_in_time(session, cert):
        return "validity_ended"
    if cert.next_review_due and cert.next_review_due < today and not _applied_in_time(session, cert):
        return "review_overdue"
    return None


def refresh_expiry(session: Session, cert: Certificate, *, now: datetime) -> bool:
    """Make a lapsed certificate 失效 now (the sweep does it in bulk; every read does it for what it reads)."""
    reason = expiry_reason(session, cert, today_local(now))
    if reason is None:
        return False
    # The reason is kept as a code (shown in the reader's language), not as text.
    _set_status(session, cert, CertificateStatus.EXPIRED, actor=None, now=now, event="expired", code=reason)
    return True


def expire_sweep(session: Session, *, now: datetime) -> int:
    today = today_local(now)
    due = session.scalars(select(Certificate).where(
        Certificate.status == CertificateStatus.VALID,
        (Certificate.valid_until < today) | (Certificate.next_review_due < today)).order_by(Certificate.id))
    return sum(refresh_expiry(session, cert, now=now) for cert in list(due))
