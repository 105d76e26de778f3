"""Issuance (发证): a certificate for a passed result, approval by the issuing authority, numbering, signing.

A passed result (theory, and practical where the category needs it, within the result's validity) creates a
*pending* certificate in the authority's approval queue, or issues it at once when the rule set says
``issuance: immediate`` and the result is published. Whether and how it is issued follows the rule set in force
on the exam date; validity and the next action (复审, or 换证 at expiry) the rule sets in force on the issue date
(``schedule``).
Issuing gives the number, signs the token with the active key and stores the QR image — once.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit, printing
from ..accounts.models import Organization, User
from ..catalog.service import rule_in_force
from ..clock import today_local
from ..errors import Conflict, NotFound, ValidationError
from ..exams.models import ExamResult
from ..permissions import OrgKind, Role
from ..training.models import TrainingCompletion
from . import keys, links, numbering, rules, schedule
from .models import LIVE_STATUSES, Certificate, CertificateEvent, CertificateStatus, CertificateToken

log = logging.getLogger(__name__)


# ---- lookups ---------------------------------------------------------------------------------------

def get_certificate(session: Session, certificate_id: int) -> Certificate:
    cert = session.get(Certificate, certificate_id)
    if cert is None:
        raise NotFound()
    return cert


def live_certificate(session: Session, *, holder_id: int, category_id: int) -> Certificate | None:
    return session.scalar(select(Certificate).where(
        Certificate.holder_id == holder_id, Certificate.category_id == category_id,
        Certificate.status.in_(LIVE_STATUSES)).limit(1))


def add_event(session: Session, cert: Certificate, kind: str, *, actor: Any, now: datetime, code: str = "",
              reason: str = "", **details: Any) -> CertificateEvent:
    event = CertificateEvent(certificate_id=cert.id, kind=kind, at=now, actor_id=getattr(actor, "id", None),
                             code=code, reason=reason, details=details)
    session.add(event)
    return event


def _published(result: ExamResult | None, now: datetime) -> bool:
    return result is None or (result.published_at is not None and result.published_at <= now)


def issuing_authority(session: Session, *, actor: Any, region_code: str) -> Organization | None:
    """The regulator organisation that issues: the approver's own, else the one of the holder's province."""
    for grant in getattr(actor, "grants", ()) or ():
        if grant.role == Role.REGULATOR and grant.organization_id:
            return session.get(Organization, grant.organization_id)
    regulators = list(session.scalars(select(Organization).where(
        Organization.kind == OrgKind.REGULATOR, Organization.active.is_(True)).order_by(Organization.id)))
    same_province = [o for o in regulators if region_code and o.region_code[:2] == region_code[:2]]
    return (same_province or regulators or [None])[0]


# ---- creation on a passed result ----------------------------------------------------------------------

def create_for_result(session: Session, *, result: ExamResult, now: datetime, actor: Any = None) -> Certificate:
    """The certificate of a passed result (idempotent): pending, or issued at once per the rule set."""
    existing = session.scalar(select(Certificate).where(Certificate.result_id == result.id))
    if existing is not None:
        return existing
    rule = rule_in_force(session, result.category_id, result.exam_date)
    if not (result.passed and result.theory_passed is not False
            and (not rule.practical_required or result.practical_passed)):
        raise ValidationError(_l("该考试结果未全部合格，不能发证"), code="result_not_passed")
    if result.valid_until is not None and result.valid_until < today_local(now):
        raise ValidationError(_l("考试合格成绩已超过有效期"), code="result_expired")
    if live_certificate(session, holder_id=result.candidate_id, category_id=result.category_id):
        raise Conflict(_l("持证人已持有该类别的证书"), code="already_certified")
    holder = session.get(User, result.candidate_id)
    centre = session.get(Organization, result.centre_id)
    institution_id = session.scalar(
        select(TrainingCompletion.institution_id).where(TrainingCompletion.id == result.registration.completion_id)
    ) if result.registration and result.registration.completion_id else None
    employer = holder.employer
    cert = Certificate(holder_id=holder.id, category_id=result.category_id, rule_set_id=rule.id,
                       result_id=result.id, status=CertificateStatus.PENDING, centre_id=result.centre_id,
                       institution_id=institution_id, employer_id=holder.employer_id,
                       region_code=(employer.region_code if employer else "") or (centre.region_code if centre else ""),
                       created_at=now, updated_at=now)
    session.add(cert)
    session.flush()
    add_event(session, cert, "created", actor=actor, now=now, result_id=result.id)
    audit.record(session, actor=actor, action="certificate.create", target=cert,
                 after={"result": result.id, "category": result.category_id, "issuance": rule.issuance}, at=now)
    if rule.issuance == "immediate" and _published(result, now):
        issue(session, cert, actor=actor, now=now, kind="issued")
    return cert


def withdraw_for_result(session: Session, *, result: ExamResult, now: datetime) -> Certificate | None:
    """The result became "not passed" after all (a voided attempt, a corrected practical score): a pending
    certificate is withdrawn; an issued one is left to the authority (its file records the change)."""
    cert = session.scalar(select(Certificate).where(Certificate.result_id == result.id))
    if cert is None:
        return None
    if cert.is_pending:
        cert.status, cert.status_code, cert.status_reason = CertificateStatus.CANCELLED, "result_withdrawn", ""
        cert.status_changed_on, cert.updated_at = today_local(now), now
        add_event(session, cert, "withdrawn", actor=None, now=now, code="result_withdrawn", result_id=result.id)
        audit.record(session, actor=None, action="certificate.withdraw", target=cert,
                     after={"result": result.id}, at=now)
    else:
        add_event(session, cert, "result_changed", actor=None, now=now, result_id=result.id)
        audit.record(session, actor=None, action="certificate.result_changed", target=cert,
                     after={"result": result.id, "status": cert.status}, at=now)
        log.warning("result %s of issued certificate %s is no longer passed", result.id, cert.id)
    return cert


# ---- issuing -----------------------------------------------------------------------------------------

def next_token_version(session: Session, *, number: str, category_id: int) -> int:
    last = session.scalar(select(func.max(CertificateToken.version)).where(
        CertificateToken.number == number, CertificateToken.category_id == category_id))
    return (last or 0) + 1


#: Token reason of a new token *format* for the same card (``lifecycle.upgrade_token``): the older token is not
#: superseded — the card in the holder's wallet stays good — but its page says that a newer token exists.
FORMAT_UPGRADE = "upgraded"


def mint(session: Session, cert: Certificate, *, reason: str, now: datetime, number: str | None = None,
         issued_on: date | None = None, valid_until: date | None = None) -> CertificateToken:
    """A new token version for ``cert`` (signed by the active key, naming ``cert.reference``) and its QR image;
    older tokens are superseded (except by a format upgrade, see ``FORMAT_UPGRADE``).

    New number/dates are given here rather than set on ``cert`` first: the certificate only ever reaches the
    database with its number, dates and token together (a CHECK constraint says so)."""
    number, issued_on, valid_until = number or cert.number, issued_on or cert.issued_on, valid_until or cert.valid_until
    version = next_token_version(session, number=number, category_id=cert.category_id)
    token, kid = keys.sign(session, {"reference": cert.reference, "category": cert.category.code,
                                     "issued_on": issued_on, "valid_until": valid_until, "version": version}, now=now)
    if reason != FORMAT_UPGRADE:
        for old in session.scalars(select(CertificateToken).where(CertificateToken.certificate_id == cert.id,
                                                                  CertificateToken.superseded_at.is_(None))):
            old.superseded_at = now
    row = CertificateToken(certificate_id=cert.id, number=number, category_id=cert.category_id,
                           version=version, kid=kid, issued_on=issued_on, valid_until=valid_until,
                           reason=reason, created_at=now)
    session.add(row)
    cert.number, cert.issued_on, cert.valid_until = number, issued_on, valid_until
    cert.token, cert.kid, cert.token_version = token, kid, version
    cert.qr_png = printing.qr_png(links.verify_url(token))  # made once here; verification never draws a QR
    cert.reissue_required = False
    cert.updated_at = now
    session.flush()
    return row


def issue(session: Session, cert: Certificate, *, actor: Any, now: datetime, kind: str = "approved") -> Certificate:
    """Give a pending certificate its number, dates, token and QR (审批发证, or at once for immediate categories)."""
    # Lock the row and read it again: two approvers at the same moment must not both issue it (on PostgreSQL the
    # second waits here and then sees "valid"; SQLite's write transactions are serial already).
    session.execute(select(Certificate.id).where(Certificate.id == cert.id).with_for_update())
    session.refresh(cert)
    if not cert.is_pending:
        raise Conflict(_l("该证书不在待发证状态"), code="not_pending")
    if not _published(cert.result, now):
        raise Conflict(_l("考试成绩尚未公布，暂不能发证"), code="result_unpublished")
    today = today_local(now)
    rule = cert.rule_set
    # Validity and the next action by the rule set in force on the issue date.
    in_force = rule_in_force(session, cert.category_id, today)
    dates = rules.initial_dates(today, validity_years=in_force.validity_years, review_interval_years=None)
    due = schedule.due_for_new(session, category_id=cert.category_id, issued_on=today, valid_until=dates.valid_until)
    number = numbering.certificate_number(session, numbering=rule.numbering, prefix=rule.number_prefix or "",
                                          id_number=cert.holder.id_number, year=today.year)
    authority = issuing_authority(session, actor=actor, region_code=cert.region_code)
    mint(session, cert, reason="issued", now=now, number=number, issued_on=dates.issued_on,
         valid_until=dates.valid_until)
    cert.next_review_due, cert.first_issued_on = due, today
    cert.issuing_org_id = authority.id if authority else None
    cert.status, cert.status_code, cert.status_reason, cert.status_changed_on = CertificateStatus.VALID, "", "", today
    add_event(session, cert, kind, actor=actor, now=now, number=cert.number)
    audit.record(session, actor=actor, action=f"certificate.{kind}", target=cert,
                 after={"valid_until": dates.valid_until.isoformat()}, at=now)
    return cert


def issue_if_ready(session: Session, cert: Certificate, *, now: datetime) -> bool:
    """Immediate categories: a pending certificate is issued as soon as its result is published — lazily when
    it is read (the ``issue-pending`` sweep does the rest). Exams sends no signal on publication."""
    if not cert.is_pending or cert.rule_set.issuance != "immediate" or not _published(cert.result, now):
        return False
    try:
        with session.begin_nested():
            issue(session, cert, actor=None, now=now, kind="issued")
    except (Conflict, ValidationError):
        return False
    return True


def pending_queue(session: Session):
    return (select(Certificate).where(Certificate.status == CertificateStatus.PENDING)
            .order_by(Certificate.created_at, Certificate.id))


def approve_many(session: Session, *, ids: list[int], actor: Any, now: datetime) -> tuple[int, list[str]]:
    """Batch approval (one action): each certificate in its own savepoint; returns (issued, problems)."""
    issued, problems = 0, []
    for cert in session.scalars(select(Certificate).where(Certificate.id.in_(ids)).order_by(Certificate.id)):
        try:
            with session.begin_nested():
                issue(session, cert, actor=actor, now=now, kind="approved")
            issued += 1
        except (Conflict, ValidationError) as err:
            problems.append(f"#{cert.id} {cert.holder.real_name}: {err.message}")
    return issued, problems


def refuse(session: Session, cert: Certificate, *, actor: Any, now: datetime, reason: str) -> Certificate:
    """不予发证: a pending certificate is closed with the reason (shown to the holder)."""
    if not cert.is_pending:
        raise Conflict(_l("该证书不在待发证状态"), code="not_pending")
    if not reason.strip():
        raise ValidationError(_l("请填写不予发证的理由"), field="reason")
    cert.status, cert.status_code, cert.status_reason = CertificateStatus.CANCELLED, "refused", reason.strip()
    cert.status_changed_on, cert.updated_at = today_local(now), now
    add_event(session, cert, "refused", actor=actor, now=now, reason=reason.strip())
    audit.record(session, actor=actor, action="certificate.refuse", target=cert, note=reason.strip(), at=now)
    return cert


# ---- sweep ---------------------------------------------------------------------------------------------

def issue_pending(session: Session, *, now: datetime) -> dict[str, int]:
    """Idempotent sweep: certificates for passed, published results that have none; immediate categories issued."""
    counts = {"created": 0, "issued": 0, "skipped": 0}
    today = today_local(now)
    missing = session.scalars(
        select(ExamResult).outerjoin(Certificate, Certificate.result_id == ExamResult.id)
        .where(ExamResult.passed.is_(True), ExamResult.published_at.is_not(None), ExamResult.published_at <= now,
               Certificate.id.is_(None))
        .where((ExamResult.valid_until.is_(None)) | (ExamResult.valid_until >= today))
        .order_by(ExamResult.id))
    for result in list(missing):
        try:
            with session.begin_nested():
                cert = create_for_result(session, result=result, now=now)
            counts["created"] += 1
            counts["issued"] += cert.is_valid
        except (Conflict, ValidationError, NotFound):
            counts["skipped"] += 1
    for cert in list(session.scalars(pending_queue(session))):
        if cert.rule_set.issuance != "immediate" or not _published(cert.result, now):
            continue
        try:
            with session.begin_nested():
                issue(session, cert, actor=None, now=now, kind="issued")
            counts["issued"] += 1
        except (Conflict, ValidationError):
            counts["skipped"] += 1
    return counts
