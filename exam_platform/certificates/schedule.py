"""The next action of a certificate (复审 due date, 换证 at expiry, or none), read from the rule sets.

Every call reads the rule sets from the database, so a newly published version governs the next decision without
a restart. The arithmetic is the pure core in ``rules`` (``planned_due``, ``transition``).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog.models import RuleSet
from ..clock import today_local
from . import rules
from .models import Certificate, ReviewApplication


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


def recomputed_due(session: Session, cert: Certificate) -> date | None:
    """What ``next_review_due`` should be under the rule sets as they stand now (None for a certificate not issued)."""
    if cert.issued_on is None or cert.valid_until is None:
        return cert.next_review_due
    return rules.planned_due(cert.issued_on, cert.valid_until, regimes(session, cert.category_id),
                             reviewed_due=_reviewed_due(session, cert))
