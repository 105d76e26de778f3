"""Proctoring (监考): the live console of a sitting and the proctors' actions, each with a reason and audited.

Actions: extend time (one candidate or the whole room), unlock a device binding, force submit, void for
misconduct (a second staff member witnesses it), incident notes. All of them go into the 考场记录.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session, joinedload

from .. import audit
from ..accounts import photos
from ..accounts.models import RoleGrant, User
from ..errors import Conflict, NotFound, ValidationError
from ..permissions import Role
from . import attempts, results
from .models import Answer, Attempt, AttemptState, ProctorEvent, Registration, RegistrationStatus, Sitting

MAX_EXTEND_MINUTES = 180


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("请填写原因"), field="reason", code="reason_required")
    return reason[:2000]


def _event(session: Session, *, sitting: Sitting, actor: User, kind: str, reason: str, now: datetime,
           attempt: Attempt | None = None, seconds: int = 0, witness_id: int | None = None) -> ProctorEvent:
    event = ProctorEvent(sitting_id=sitting.id, attempt_id=attempt.id if attempt else None, actor_id=actor.id,
                         witness_id=witness_id, kind=kind, seconds=seconds, reason=reason, at=now)
    session.add(event)
    audit.record(session, actor=actor, action=f"proctor.{kind}", target=attempt or sitting,
                 after={"sitting": sitting.id, "seconds": seconds, "witness": witness_id} if seconds or witness_id
                 else {"sitting": sitting.id}, note=reason, at=now)
    return event


def attempt_in_sitting(session: Session, *, sitting: Sitting, attempt_id: int) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.registration is None or attempt.registration.sitting_id != sitting.id:
        raise NotFound()
    return attempt


def extend(session: Session, *, actor: User, sitting: Sitting, minutes: int, reason: str, now: datetime,
           attempt: Attempt | None = None) -> int:
    """Add time to one running attempt, or to every running attempt of the room (e.g. after a power cut)."""
    reason = _reason(reason)
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_EXTEND_MINUTES:
        raise ValidationError(_l("延长时间应为 1–%(n)s 分钟", n=MAX_EXTEND_MINUTES), field="minutes")
    seconds = minutes * 60
    targets = [attempt] if attempt is not None else list(session.scalars(
        select(Attempt).join(Registration, Registration.id == Attempt.registration_id)
        .where(Registration.sitting_id == sitting.id, Attempt.state == AttemptState.IN_PROGRESS)))
    if not targets or any(not a.in_progress for a in targets):
        raise Conflict(_l("没有正在作答的考生可以延时"), code="nothing_running")
    for target in targets:
        target.deadline += timedelta(seconds=seconds)
        target.extra_seconds += seconds
    _event(session, sitting=sitting, actor=actor, kind="extend", reason=reason, now=now, attempt=attempt,
           seconds=seconds)
    return len(targets)


def unlock(session: Session, *, actor: User, sitting: Sitting, attempt: Attempt, reason: str,
           now: datetime) -> None:
    """Release the device binding: the next device the candidate opens the exam on takes it over."""
    reason = _reason(reason)
    if not attempt.in_progress:
        raise Conflict(_l("该考生已交卷"), code="attempt_finished")
    attempt.device_hash = ""
    _event(session, sitting=sitting, actor=actor, kind="unlock", reason=reason, now=now, attempt=attempt)


def force_submit(session: Session, *, actor: User, sitting: Sitting, attempt: Attempt, reason: str,
                 now: datetime) -> None:
    reason = _reason(reason)
    if not attempts.finish(session, attempt=attempt, now=now, by="proctor"):
        raise Conflict(_l("该考生已交卷"), code="attempt_finished")
    _event(session, sitting=sitting, actor=actor, kind="force_submit", reason=reason, now=now, attempt=attempt)


def witnesses(session: Session, sitting: Sitting, actor: User) -> list[User]:
    """Staff of the centre who can witness a void (anyone of the centre but the actor)."""
    return list(session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.organization_id == sitting.centre_id,
               RoleGrant.role.in_([Role.CENTRE_STAFF.value, Role.PROCTOR.value, Role.EXAMINER.value]),
               User.id != actor.id, User.active.is_(True)).distinct().order_by(User.id)))


def void(session: Session, *, actor: User, sitting: Sitting, attempt: Attempt, witness_id: int | None,
         reason: str, now: datetime) -> None:
    """Void an attempt for misconduct: its score is cancelled and the result is a fail; a witness is recorded."""
    reason = _reason(reason)
    if not witness_id or witness_id not in {u.id for u in witnesses(session, sitting, actor)}:
        raise ValidationError(_l("作废须由另一名本考点工作人员见证，请选择见证人"), field="witness_id",
                              code="witness_required")
    if attempt.voided:
        raise Conflict(_l("该作答已作废"), code="attempt_voided")
    attempt.state, attempt.score, attempt.passed = AttemptState.VOIDED, None, False
    attempt.finished_at, attempt.finished_by = attempt.finished_at or now, attempt.finished_by or "proctor"
    attempt.void_reason = reason
    session.flush()
    result = results.result_for(session, attempt.registration)
    result.theory_score, result.theory_passed = None, False
    results.decide(session, result, now=now)
    _event(session, sitting=sitting, actor=actor, kind="void", reason=reason, now=now, attempt=attempt,
           witness_id=witness_id)


def incident(session: Session, *, actor: User, sitting: Sitting, reason: str, now: datetime) -> ProctorEvent:
    return _event(session, sitting=sitting, actor=actor, kind="incident", reason=_reason(reason), now=now)


def console(session: Session, *, sitting: Sitting, now: datetime, grace: int,
            photo_url: Callable[[int], str] | None = None) -> list[dict]:
    """One row per registration: seat, full name and photo (the proctor must tell candidates apart; the console is
    the staff of the sitting's centre only), state, answered count, last save, remaining time, device, IP.

    Overdue attempts are finalised on the way (lazy finalisation)."""
    rows = list(session.execute(
        select(Registration, Attempt).outerjoin(Attempt, Attempt.registration_id == Registration.id)
        .where(Registration.sitting_id == sitting.id, Registration.status != RegistrationStatus.CANCELLED)
        .options(joinedload(Registration.candidate)).order_by(Registration.seat, Registration.id)))
    for _reg, attempt in rows:
        if attempt is not None:
            attempts.finalise_if_overdue(session, attempt, now=now, grace=grace)
    ids = [a.id for _r, a in rows if a is not None]
    answered = dict(session.execute(
        select(Answer.attempt_id, func.count(Answer.id))
        .where(Answer.attempt_id.in_(ids), cast(Answer.response, String) != "null")
        .group_by(Answer.attempt_id)).all()) if ids else {}
    with_photo = photos.has_photo(session, [reg.candidate_id for reg, _a in rows])
    out = []
    for reg, attempt in rows:
        state = attempt.state if attempt else reg.status
        out.append({
            "registration_id": reg.id, "attempt_id": attempt.id if attempt else None,
            "seat": reg.seat, "name": reg.candidate.real_name, "candidate_id": reg.candidate_id,
            "photo_url": photo_url(reg.candidate_id) if photo_url and reg.candidate_id in with_photo else None,
            "ticket_no": reg.ticket_no,
            "state": state,
            "answered": answered.get(attempt.id, 0) if attempt else 0,
            "question_count": attempt.question_count if attempt else 0,
            "last_saved_at": attempt.last_saved_at.isoformat() if attempt and attempt.last_saved_at else None,
            "remaining_seconds": attempts.remaining_seconds(attempt.deadline, now)
            if attempt and attempt.in_progress else None,
            "extra_minutes": (attempt.extra_seconds // 60) if attempt else 0,
            "device": attempt.device_label if attempt else "",
            "device_bound": bool(attempt and attempt.device_hash),
            "ip": attempt.ip if attempt else "",
            "score": attempt.score if attempt and attempt.state == AttemptState.SUBMITTED else None,
        })
    return out


def events(session: Session, sitting_id: int) -> list[ProctorEvent]:
    return list(session.scalars(select(ProctorEvent).where(ProctorEvent.sitting_id == sitting_id)
                                .options(joinedload(ProctorEvent.actor), joinedload(ProctorEvent.witness))
                                .order_by(ProctorEvent.at, ProctorEvent.id)))


def room_summary(rows: list[dict]) -> dict[str, int]:
    summary = {"total": len(rows)}
    for row in rows:
        summary[row["state"]] = summary.get(row["state"], 0) + 1
    return summary
