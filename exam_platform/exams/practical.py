"""Practical exam (实操): examiners enter per-subject scores (K1–K4 with the rule set's weights) and 否决项.

Only after the theory part passed and within that result's validity window; the pass mark is the rule set's.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..accounts.models import User
from ..catalog.service import rule_in_force
from ..clock import today_local
from ..errors import Conflict, ValidationError
from . import results
from .models import ExamResult, PracticalScore, Registration


def subjects_for(session: Session, registration: Registration) -> list[dict]:
    rule = rule_in_force(session, registration.sitting.category_id, today_local(registration.sitting.starts_at))
    return list(rule.practical_subjects or []) if rule.practical_required else []


def score_of(session: Session, registration_id: int) -> PracticalScore | None:
    return session.scalar(select(PracticalScore).where(PracticalScore.registration_id == registration_id))


def record(session: Session, *, actor: User, registration: Registration, scores: dict[str, float],
           veto_failed: bool, veto_note: str, now: datetime) -> PracticalScore:
    sitting = registration.sitting
    rule = rule_in_force(session, sitting.category_id, today_local(sitting.starts_at))
    if not rule.practical_required:
        raise Conflict(_l("该类别不需要实操考试"), code="no_practical")
    result = session.scalar(select(ExamResult).where(ExamResult.registration_id == registration.id))
    if result is None or not result.theory_passed:
        raise Conflict(_l("理论考试合格后才能录入实操成绩"), code="theory_not_passed")
    if not results.practical_window_open(session, result, today_local(now)):
        raise Conflict(_l("理论成绩已超过有效期，不能再录入实操成绩"), code="result_expired")
    subjects = []
    for subject in rule.practical_subjects:
        code, weight = subject["code"], int(subject["weight"])
        value = scores.get(code)
        if value is None or not 0 <= value <= weight:
            raise ValidationError(_l("%(code)s %(name)s 的得分应在 0–%(w)s 之间", code=code, name=subject["name"],
                                     w=weight), field=code, code="bad_score")
        subjects.append({"code": code, "name": subject["name"], "score": float(value), "max": weight})
    veto_note = veto_note.strip()[:2000]
    if veto_failed and not veto_note:
        raise ValidationError(_l("触犯否决项时请写明情况"), field="veto_note", code="veto_note_required")
    total = round(sum(s["score"] for s in subjects), 2)
    passed = total >= rule.practical_pass_mark and not veto_failed
    row = score_of(session, registration.id)
    before = {"total": row.total, "passed": row.passed, "veto": row.veto_failed} if row else None
    if row is None:
        row = PracticalScore(registration_id=registration.id, examiner_id=actor.id, subjects=subjects,
                             veto_failed=veto_failed, veto_note=veto_note, total=total, passed=passed,
                             recorded_at=now)
        session.add(row)
    else:
        row.examiner_id, row.subjects, row.veto_failed, row.veto_note = actor.id, subjects, veto_failed, veto_note
        row.total, row.passed, row.recorded_at = total, passed, now
    result.practical_score, result.practical_passed = total, passed
    if sitting.results_published_at and result.published_at is None:
        result.published_at = now
    results.decide(session, result, now=now)
    audit.record(session, actor=actor, action="practical.record", target=registration, before=before,
                 after={"total": total, "passed": passed, "veto": veto_failed}, at=now)
    return row
