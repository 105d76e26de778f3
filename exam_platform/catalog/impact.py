"""The impact of a proposed rule-set version before it is published: certificates whose next action changes,
candidates who become eligible or ineligible for another attempt, sittings on or after the effective date.

Reads the areas to the right (certificates, exams) lazily, as a preview only: nothing is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import RuleSet
from .publishing import Proposal


@dataclass
class Impact:
    certificates: int = 0
    certificate_moves: Counter = field(default_factory=Counter)  # (before kind, after kind) → count
    became_eligible: int = 0
    became_ineligible: int = 0
    sittings: list = field(default_factory=list)


def _regimes_with(session: Session, p: Proposal):
    from ..certificates import rules as cert_rules

    out = {}
    for category_id, values in p.values.items():
        sets = [r for r in session.scalars(select(RuleSet).where(RuleSet.category_id == category_id))
                if r.effective_from != p.effective_from]
        regimes = [cert_rules.Regime(r.effective_from, r.renewal_model, r.review_interval_years, r.renewal_transition)
                   for r in sets]
        regimes.append(cert_rules.Regime(p.effective_from, values["renewal_model"], values["review_interval_years"],
                                         values["renewal_transition"]))
        out[category_id] = regimes
    return out


def preview(session: Session, p: Proposal, *, today: date) -> Impact:
    from ..catalog.service import rule_in_force
    from ..certificates import schedule
    from ..exams import retakes
    from ..exams.models import ExamResult, Registration, Sitting
    from ..training.models import TrainingCompletion

    impact = Impact()
    ids = list(p.values)
    moved = schedule.changes(session, today=today, category_ids=ids, override=_regimes_with(session, p))
    impact.certificates = len(moved)
    impact.certificate_moves = Counter(c.kinds() for c in moved)
    on = max(today, p.effective_from)
    history: dict[tuple[int, int, int], list[str]] = {}
    rows = session.execute(
        select(Registration.candidate_id, Registration.completion_id, Sitting.category_id, Registration.status,
               ExamResult.passed, ExamResult.theory_passed)
        .join(Sitting, Sitting.id == Registration.sitting_id)
        .join(TrainingCompletion, TrainingCompletion.id == Registration.completion_id)
        .outerjoin(ExamResult, ExamResult.registration_id == Registration.id)
        .where(Sitting.category_id.in_(ids), Registration.status != "cancelled",
               TrainingCompletion.valid_until >= on))
    for candidate_id, completion_id, category_id, status, passed, theory_passed in rows:
        part = retakes.failed_part(status, passed, theory_passed)
        history.setdefault((candidate_id, completion_id, category_id), [])
        if part:
            history[(candidate_id, completion_id, category_id)].append(part)
        if passed:
            history[(candidate_id, completion_id, category_id)].append("passed")
    for (_c, _t, category_id), parts in history.items():
        if "passed" in parts or not parts:
            continue
        old = rule_in_force(session, category_id, on)
        new = p.values[category_id]
        before = retakes.refusal(parts, retakes.Policy(old.theory_attempts, old.practical_attempts,
                                                       old.after_last_failure))
        after = retakes.refusal(parts, retakes.Policy(new["theory_attempts"], new["practical_attempts"],
                                                      new["after_last_failure"]))
        impact.became_eligible += bool(before) and not after
        impact.became_ineligible += bool(after) and not before
    impact.sittings = list(session.scalars(select(Sitting).where(
        Sitting.category_id.in_(ids), Sitting.status == "published").order_by(Sitting.starts_at)))
    impact.sittings = [s for s in impact.sittings if s.starts_at.date() >= p.effective_from]
    return impact
