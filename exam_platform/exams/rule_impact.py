"""The catalog's impact preview, exams' part: candidates whose next attempt a proposed rule-set version would allow
or refuse, and the sittings on or after its effective date. Reads only. Registered by ``exams.hooks.install()``."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog.service import rule_in_force
from ..training.models import TrainingCompletion
from . import retakes
from .models import ExamResult, Registration, RegistrationStatus, Sitting, SittingStatus


def impact_on_candidates(session: Session, proposal: Any, *, today: date, impact: Any) -> None:
    ids = list(proposal.values)
    on = max(today, proposal.effective_from)
    history: dict[tuple[int, int, int], list[str]] = {}
    rows = session.execute(
        select(Registration.candidate_id, Registration.completion_id, Sitting.category_id, Registration.status,
               ExamResult.passed, ExamResult.theory_passed)
        .join(Sitting, Sitting.id == Registration.sitting_id)
        .join(TrainingCompletion, TrainingCompletion.id == Registration.completion_id)
        .outerjoin(ExamResult, ExamResult.registration_id == Registration.id)
        .where(Sitting.category_id.in_(ids), Registration.status != RegistrationStatus.CANCELLED,
               TrainingCompletion.valid_until >= on))
    for candidate_id, completion_id, category_id, status, passed, theory_passed in rows:
        parts = history.setdefault((candidate_id, completion_id, category_id), [])
        part = retakes.failed_part(status, passed, theory_passed)
        if part:
            parts.append(part)
        if passed:
            parts.append("passed")
    for (_candidate, _completion, category_id), parts in history.items():
        if "passed" in parts or not parts:
            continue
        old, new = rule_in_force(session, category_id, on), proposal.values[category_id]
        before = retakes.refusal(parts, retakes.Policy(old.theory_attempts, old.practical_attempts,
                                                       old.after_last_failure))
        after = retakes.refusal(parts, retakes.Policy(new["theory_attempts"], new["practical_attempts"],
                                                      new["after_last_failure"]))
        impact.became_eligible += bool(before) and not after
        impact.became_ineligible += bool(after) and not before
    sittings = session.scalars(select(Sitting).where(
        Sitting.category_id.in_(ids), Sitting.status == SittingStatus.PUBLISHED).order_by(Sitting.starts_at))
    impact.sittings = [s for s in sittings if s.starts_at.date() >= proposal.effective_from]
