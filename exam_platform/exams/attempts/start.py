"""Starting (and resuming) an attempt: an exam on a registration, a mock on a practice blueprint (DESIGN.md §5).

- start is idempotent (one attempt per registration; a racing second start gets the first attempt);
- an exam attempt is bound to the device that started it (a random token in a cookie of its own, stored hashed);
  a mock exam is self-study with no proctor to unbind it, so it is not: it follows the device that opened it last.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...accounts.models import User
from ...banks.models import PaperRule
from ...errors import NotFound
from .. import drawing
from ..models import Attempt, AttemptState, Paper, Registration
from .base import DEVICE_MESSAGE, check_ip, refuse
from .finish import finalise_if_overdue


def _bind_device(attempt: Attempt, *, device: str, ip: str, label: str) -> None:
    if not device:
        raise refuse("no_device", _l("浏览器未保存考试设备标识，请允许 Cookie 后刷新页面"), 400)
    if attempt.device_hash and attempt.device_hash != device and attempt.kind != "mock":
        raise refuse("device_mismatch", DEVICE_MESSAGE, 403)
    attempt.device_hash = device  # a mock (self-study, no proctor) follows the device that opened it last
    attempt.ip, attempt.device_label = ip[:64], label[:120]


def start_exam(session: Session, *, candidate: User, registration: Registration, device: str, ip: str,
               label: str, now: datetime, grace: int) -> Attempt:
    """Start (or resume) the theory exam of a registration. Idempotent."""
    if registration.candidate_id != candidate.id:
        raise NotFound()
    sitting = registration.sitting
    existing = session.scalar(select(Attempt).where(Attempt.registration_id == registration.id))
    if existing is not None:
        return resume(session, attempt=existing, device=device, ip=ip, label=label, now=now, grace=grace)
    if not sitting.is_published:
        raise refuse("sitting_not_open", _l("该场次未发布或已取消"))
    if not registration.checked_in:
        raise refuse("not_checked_in", _l("请先到考场签到（核验身份）后再开始考试"))
    if now < sitting.starts_at:
        raise refuse("not_started", _l("考试尚未开始，请在开考时间后进入"))
    if now >= sitting.ends_at:
        raise refuse("sitting_closed", _l("本场考试已结束"))
    check_ip(sitting.allowed_subnets, ip)
    paper = session.scalar(select(Paper).where(Paper.registration_id == registration.id))
    if paper is None:  # papers are drawn at registration; this is only a safety net
        paper = drawing.draw_paper(session, blueprint=session.get(PaperRule, sitting.blueprint_id), now=now,
                                   registration_id=registration.id)
        session.flush()
    layout = drawing.layout(paper)
    attempt = Attempt(registration_id=registration.id, paper_id=paper.id, candidate_id=candidate.id, kind="exam",
                      state=AttemptState.IN_PROGRESS, started_at=now, deadline=now + timedelta(minutes=sitting.minutes),
                      layout=layout, question_count=len(layout.split()), pass_mark=sitting.pass_mark,
                      allowed_subnets=sitting.allowed_subnets)
    _bind_device(attempt, device=device, ip=ip, label=label)
    try:
        with session.begin_nested():
            session.add(attempt)
            session.flush()
    except IntegrityError:  # a simultaneous start won: use its attempt
        existing = session.scalar(select(Attempt).where(Attempt.registration_id == registration.id))
        return resume(session, attempt=existing, device=device, ip=ip, label=label, now=now, grace=grace)
    attempt.created_now = True
    return attempt


def start_mock(session: Session, *, candidate: User, blueprint: PaperRule, device: str, ip: str, label: str,
               now: datetime, grace: int) -> Attempt:
    """模拟考试: an attempt over a practice bank's mock blueprint; resumes the one still running."""
    if blueprint.purpose != "mock" or not blueprint.active or blueprint.bank.purpose != "practice":
        raise NotFound()
    running = running_mock(session, candidate=candidate, blueprint_id=blueprint.id)
    if running is not None:
        finalise_if_overdue(session, running, now=now, grace=grace)
        if running.in_progress:
            return resume(session, attempt=running, device=device, ip=ip, label=label, now=now, grace=grace)
    paper = drawing.draw_paper(session, blueprint=blueprint, now=now)
    session.flush()
    layout = drawing.layout(paper)
    attempt = Attempt(registration_id=None, paper_id=paper.id, candidate_id=candidate.id, kind="mock",
                      state=AttemptState.IN_PROGRESS, started_at=now,
                      deadline=now + timedelta(minutes=blueprint.minutes), layout=layout,
                      question_count=len(layout.split()), pass_mark=blueprint.pass_mark)
    _bind_device(attempt, device=device, ip=ip, label=label)
    session.add(attempt)
    session.flush()
    attempt.created_now = True
    return attempt


def running_mock(session: Session, *, candidate: User, blueprint_id: int) -> Attempt | None:
    """The candidate's mock attempt of this blueprint still in progress, if any."""
    return session.scalar(select(Attempt).join(Paper, Paper.id == Attempt.paper_id).where(
        Attempt.candidate_id == candidate.id, Attempt.kind == "mock", Attempt.state == AttemptState.IN_PROGRESS,
        Paper.blueprint_id == blueprint_id).order_by(Attempt.id.desc()).limit(1))


ABANDONED = _l("考生放弃了这次模拟考试")


def abandon_mock(session: Session, *, attempt: Attempt, candidate: User, now: datetime) -> bool:
    """The candidate gives up a mock exam (self-study: no proctor to ask): it ends ungraded, as voided, and the next
    opening of the mock draws a new paper. True when this call ended it; a real exam can never be abandoned."""
    if attempt.candidate_id != candidate.id or attempt.kind != "mock":
        raise NotFound()
    changed = session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.state == AttemptState.IN_PROGRESS)
        .values(state=AttemptState.VOIDED, finished_at=now, finished_by="candidate", void_reason=str(ABANDONED))
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(attempt)
    return changed == 1


def resume_writes(attempt: Attempt, *, device: str, ip: str, label: str, now: datetime, grace: int) -> bool:
    """Whether ``resume`` would change the attempt (finalise it, bind it, record a new address or browser)."""
    if not attempt.in_progress:
        return False
    return (attempt.overdue(now, grace) or attempt.device_hash != device
            or attempt.ip != ip[:64] or attempt.device_label != label[:120])


def resume(session: Session, *, attempt: Attempt, device: str, ip: str, label: str, now: datetime,
           grace: int) -> Attempt:
    """Open an existing attempt on this device: finalised if overdue, refused on another device."""
    finalise_if_overdue(session, attempt, now=now, grace=grace)
    if not attempt.in_progress:
        return attempt
    check_ip(attempt.allowed_subnets, ip)
    _bind_device(attempt, device=device, ip=ip, label=label)
    return attempt
