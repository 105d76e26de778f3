"""The next action of a certificate (复审 due date, 换证 at expiry, or none), read from the rule sets.

Every call reads the rule sets from the database, so a newly published version governs the next decision without
a restart. The arithmetic is the pure core in ``rules`` (``planned_due``, ``transition``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .. import audit
from ..catalog.models import RuleSet
from ..clock import today_local
from . import rules
from .models import Certificate, CertificateStatus, ReviewApplication


def regimes(session: Session, category_id: int) -> list[rules.Regime]:
    return [rules.Regime(r.effective_from, r.renewal_model, r.review_interval_years, r.renewal_transition)
            for r in session.scalars(select(RuleSet).where(RuleSet.category_id == category_id)
                                     .order_by(RuleSet.effective_from))]


def due_for_new(session: Session, *, category_id: int, issued_on: date, valid_until: date) -> date:
    """The next action's date of a certificate issued (or renewed) on ``issued_on``."""
    return rules.planned_due(issued_on, valid_until, regimes(session, category_id))


def after_review(session: Session, cert: Certificate, due: date) -> date:
    """The next due after an approved 复审 (``due`` counted by the interval), with any later set's transition."""
    return rules.transition(due, cert.valid_until, regimes(session, cert.category_id))


def _reviewed_due(session: Session, cert: Certificate) -> date | None:
    """The due date set by the last approved 复审 of the current validity, if any."""
    row = session.scalar(select(ReviewApplication).where(
        ReviewApplication.certificate_id == cert.id, ReviewApplication.status == "approved",
        ReviewApplication.kind == "review").order_by(ReviewApplication.decided_at.desc()).limit(1))
    if row is None or row.new_due is None or row.decided_at is None or today_local(row.decided_at) < cert.issued_on:
        return None
    return row.new_due


def recomputed_due(session: Session, cert: Certificate, *,
                   override: dict[int, list[rules.Regime]] | None = None) -> date | None:
    """What ``next_review_due`` should be under the rule sets as they stand now (or, for an impact preview, as
    ``override`` would make them for its categories)."""
    if cert.issued_on is None or cert.valid_until is None:
        return cert.next_review_due
    sets = (override or {}).get(cert.category_id)
    return rules.planned_due(cert.issued_on, cert.valid_until,
                             sets if sets is not None else regimes(session, cert.category_id),
                             reviewed_due=_reviewed_due(session, cert))


@dataclass
class Change:
    """One certificate whose next action the rule sets change (``restored``: it had lapsed for a 复审 that the rule
    sets no longer hold, and is valid again)."""

    certificate: Certificate
    before: date | None
    after: date | None
    restored: bool = False

    def kinds(self) -> tuple[str, str]:
        status = CertificateStatus.VALID
        before = rules.next_action(status, self.before, self.certificate.valid_until)
        after = rules.next_action(status, self.after, self.certificate.valid_until)
        return (before.kind if before else "none", after.kind if after else "none")


def changes(session: Session, *, today: date, category_ids: list[int] | None = None,
            override: dict[int, list[rules.Regime]] | None = None) -> list[Change]:
    """Certificates (valid, suspended, or lapsed for a 复审 no longer held) whose next action would change."""
    stmt = select(Certificate).where(
        Certificate.issued_on.is_not(None),
        or_(Certificate.status.in_((CertificateStatus.VALID, CertificateStatus.SUSPENDED)),
            and_(Certificate.status == CertificateStatus.EXPIRED, Certificate.status_code == "review_overdue",
                 Certificate.valid_until >= today))).order_by(Certificate.id)
    if category_ids is not None:
        stmt = stmt.where(Certificate.category_id.in_(category_ids))
    found = []
    for cert in session.scalars(stmt):
        after = recomputed_due(session, cert, override=override)
        if cert.status == CertificateStatus.EXPIRED:
            if after is not None and after >= today:  # the 复审 it lapsed for is no longer held
                found.append(Change(cert, cert.next_review_due, after, restored=True))
        elif after != cert.next_review_due:
            found.append(Change(cert, cert.next_review_due, after))
    return found


def apply_rules(session: Session, *, actor: Any, now: datetime) -> list[Change]:
    """Move every certificate to the rule sets in force: next actions recomputed, certificates that lapsed for a
    复审 no longer held made valid again; nothing deleted, every change an event and an audit record."""
    from .issuance import add_event

    found = changes(session, today=today_local(now))
    for change in found:
        cert = change.certificate
        before = {"next_review_due": _iso(change.before), "status": cert.status}
        cert.next_review_due, cert.updated_at = change.after, now
        if change.restored:
            cert.status, cert.status_code, cert.status_reason = CertificateStatus.VALID, "", ""
            cert.status_changed_on = today_local(now)
        add_event(session, cert, "rules_applied", actor=actor, now=now, before=_iso(change.before),
                  after=_iso(change.after), restored=change.restored)
        audit.record(session, actor=actor, action="certificate.rules_applied", target=cert, before=before,
                     after={"next_review_due": _iso(change.after), "status": cert.status}, at=now)
    session.flush()
    return found


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _regimes_with(session: Session, proposal: Any) -> dict[int, list[rules.Regime]]:
    """Each category's regimes as they would be with the proposed version in place of one of the same date."""
    out = {}
    for category_id, values in proposal.values.items():
        sets = [r for r in session.scalars(select(RuleSet).where(RuleSet.category_id == category_id))
                if r.effective_from != proposal.effective_from]
        regimes = [rules.Regime(r.effective_from, r.renewal_model, r.review_interval_years, r.renewal_transition)
                   for r in sets]
        regimes.append(rules.Regime(proposal.effective_from, values["renewal_model"],
                                    values["review_interval_years"], values["renewal_transition"]))
        out[category_id] = regimes
    return out


def impact_on_certificates(session: Session, proposal: Any, *, today: date, impact: Any) -> None:
    """The catalog's impact preview, certificates' part: whose next action the proposed version would change."""
    moved = changes(session, today=today, category_ids=list(proposal.values),
                    override=_regimes_with(session, proposal))
    impact.certificates = len(moved)
    impact.certificate_moves.update(c.kinds() for c in moved)
