"""Attempts (作答): the exam protocol of DESIGN.md §5 — the server is the only clock and the only grader.

- start is idempotent (one attempt per registration; a racing second start gets the first attempt);
- the deadline is ``started_at + minutes + extra``; answers are accepted until deadline + grace;
- an exam attempt is bound to the device that started it (a random token in a cookie of its own, stored hashed);
  a mock exam is self-study with no proctor to unbind it, so it is not: it follows the device that opened it last;
- submit is a conditional state change, so however many submits race, the attempt is graded once;
- overdue attempts are finalised with their saved answers by the sweeper, and lazily whenever touched.

The save path (``save_answer``) is a constant handful of statements: one conditional UPDATE of the attempt that
returns what the check needs, and one upsert of the answer that keeps the highest ``seq``.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, lazyload

from ..accounts.models import User
from ..banks import pool
from ..banks.models import Blueprint, QuestionVersion
from ..errors import Conflict, DomainError, NotFound, ValidationError
from ..training import practice
from . import client_paper, drawing, results, scoring
from .models import Answer, Attempt, Paper, Registration, Sitting
from .sittings import ip_allowed


class AttemptRefused(DomainError):
    """A refusal on the exam protocol: each has its own stable ``code`` for the client.

    ``finalised``: the attempt was found overdue and finalised on the way to this refusal (``time_up``). The
    finalisation is the protocol's, not the refused request's: the caller commits it before answering
    (docs/exam-protocol.md §4, §6) — rolling back would leave an attempt the answer calls finished in progress.
    """

    status = 409
    finalised = False


def device_hash(token: str | None) -> str:
    return hashlib.sha256(token.encode()).hexdigest() if token else ""


def remaining_seconds(attempt_deadline: datetime, now: datetime) -> int:
    return max(0, math.ceil((attempt_deadline - now).total_seconds()))


def _refuse(code: str, message, status: int = 409) -> AttemptRefused:
    err = AttemptRefused(message, code=code)
    err.status = status
    return err


DEVICE_MESSAGE = _l("本场考试已在另一台设备上开始。如需更换设备，请联系监考员解除设备绑定。")


# ---- start ----------------------------------------------------------------------------------------------------

def _bind_device(attempt: Attempt, *, device: str, ip: str, label: str) -> None:
    if not device:
        raise _refuse("no_device", _l("浏览器未保存考试设备标识，请允许 Cookie 后刷新页面"), 400)
    if attempt.device_hash and attempt.device_hash != device and attempt.kind != "mock":
        raise _refuse("device_mismatch", DEVICE_MESSAGE, 403)
    attempt.device_hash = device  # a mock (self-study, no proctor) follows the device that opened it last
    attempt.ip, attempt.device_label = ip[:64], label[:120]


def _check_ip(subnets: str, ip: str) -> None:
    if not ip_allowed(subnets, ip):
        raise _refuse("ip_not_allowed", _l("请在考场内的考试机上作答（本机网络地址不在本场次允许的范围内）"), 403)


def registration_with_sitting(session: Session, registration_id: int) -> Registration | None:
    """The registration with its sitting in one query — not the candidate, centre and category (with their
    grants and rule sets) that loading a registration joins by default: starting and grading need none of them."""
    return session.scalar(select(Registration).where(Registration.id == registration_id).options(
        lazyload(Registration.candidate),
        joinedload(Registration.sitting).options(lazyload(Sitting.centre), lazyload(Sitting.category))))


def start_exam(session: Session, *, candidate: User, registration: Registration, device: str, ip: str,
               label: str, now: datetime, grace: int) -> Attempt:
    """Start (or resume) the theory exam of a registration. Idempotent."""
    if registration.candidate_id != candidate.id:
        raise NotFound()
    sitting = registration.sitting
    existing = session.scalar(select(Attempt).where(Attempt.registration_id == registration.id))
    if existing is not None:
        return resume(session, attempt=existing, device=device, ip=ip, label=label, now=now, grace=grace)
    if sitting.status != "published":
        raise _refuse("sitting_not_open", _l("该场次未发布或已取消"))
    if registration.status != "checked_in":
        raise _refuse("not_checked_in", _l("请先到考场签到（核验身份）后再开始考试"))
    if now < sitting.starts_at:
        raise _refuse("not_started", _l("考试尚未开始，请在开考时间后进入"))
    if now >= sitting.ends_at:
        raise _refuse("sitting_closed", _l("本场考试已结束"))
    _check_ip(sitting.allowed_subnets, ip)
    paper = session.scalar(select(Paper).where(Paper.registration_id == registration.id))
    if paper is None:  # papers are drawn at registration; this is only a safety net
        paper = drawing.draw_paper(session, blueprint=session.get(Blueprint, sitting.blueprint_id), now=now,
                                   registration_id=registration.id)
        session.flush()
    layout = drawing.layout(paper)
    attempt = Attempt(registration_id=registration.id, paper_id=paper.id, candidate_id=candidate.id, kind="exam",
                      state="in_progress", started_at=now, deadline=now + timedelta(minutes=sitting.minutes),
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
    return attempt


def start_mock(session: Session, *, candidate: User, blueprint: Blueprint, device: str, ip: str, label: str,
               now: datetime, grace: int) -> Attempt:
    """模拟考试: an attempt over a practice bank's mock blueprint; resumes the one still running."""
    if blueprint.purpose != "mock" or not blueprint.active or blueprint.bank.purpose != "practice":
        raise NotFound()
    running = running_mock(session, candidate=candidate, blueprint_id=blueprint.id)
    if running is not None:
        finalise_if_overdue(session, running, now=now, grace=grace)
        if running.state == "in_progress":
            return resume(session, attempt=running, device=device, ip=ip, label=label, now=now, grace=grace)
    paper = drawing.draw_paper(session, blueprint=blueprint, now=now)
    session.flush()
    layout = drawing.layout(paper)
    attempt = Attempt(registration_id=None, paper_id=paper.id, candidate_id=candidate.id, kind="mock",
                      state="in_progress", started_at=now, deadline=now + timedelta(minutes=blueprint.minutes),
                      layout=layout, question_count=len(layout.split()), pass_mark=blueprint.pass_mark)
    _bind_device(attempt, device=device, ip=ip, label=label)
    session.add(attempt)
    session.flush()
    return attempt


def running_mock(session: Session, *, candidate: User, blueprint_id: int) -> Attempt | None:
    """The candidate's mock attempt of this blueprint still in progress, if any."""
    return session.scalar(select(Attempt).join(Paper, Paper.id == Attempt.paper_id).where(
        Attempt.candidate_id == candidate.id, Attempt.kind == "mock", Attempt.state == "in_progress",
        Paper.blueprint_id == blueprint_id).order_by(Attempt.id.desc()).limit(1))


ABANDONED = _l("考生放弃了这次模拟考试")


def abandon_mock(session: Session, *, attempt: Attempt, candidate: User, now: datetime) -> bool:
    """The candidate gives up a mock exam (self-study: no proctor to ask): it ends ungraded, as voided, and the next
    opening of the mock draws a new paper. True when this call ended it; a real exam can never be abandoned."""
    if attempt.candidate_id != candidate.id or attempt.kind != "mock":
        raise NotFound()
    changed = session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.state == "in_progress")
        .values(state="voided", finished_at=now, finished_by="candidate", void_reason=str(ABANDONED))
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(attempt)
    return changed == 1


def resume_writes(attempt: Attempt, *, device: str, ip: str, label: str, now: datetime, grace: int) -> bool:
    """Whether ``resume`` would change the attempt (finalise it, bind it, record a new address or browser)."""
    if attempt.state != "in_progress":
        return False
    return (attempt.deadline < now - timedelta(seconds=grace) or attempt.device_hash != device
            or attempt.ip != ip[:64] or attempt.device_label != label[:120])


def resume(session: Session, *, attempt: Attempt, device: str, ip: str, label: str, now: datetime,
           grace: int) -> Attempt:
    """Open an existing attempt on this device: finalised if overdue, refused on another device."""
    finalise_if_overdue(session, attempt, now=now, grace=grace)
    if attempt.state != "in_progress":
        return attempt
    _check_ip(attempt.allowed_subnets, ip)
    _bind_device(attempt, device=device, ip=ip, label=label)
    return attempt


# ---- reading --------------------------------------------------------------------------------------------------

def get_own_attempt(session: Session, *, attempt_id: int, candidate: User) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.candidate_id != candidate.id:
        raise NotFound()
    return attempt


def answers_of(session: Session, attempt_id: int) -> dict[int, tuple[Any, int]]:
    return {pos: (resp, seq) for pos, resp, seq in session.execute(
        select(Answer.position, Answer.response, Answer.seq).where(Answer.attempt_id == attempt_id))}


def _answer_keys(session: Session, paper: Paper) -> dict[int, Any]:
    ids = [int(i["version_id"]) for i in paper.items]
    rows = session.execute(select(QuestionVersion.id, QuestionVersion.answer).where(QuestionVersion.id.in_(ids)))
    return {version_id: answer for version_id, answer in rows}


def title_of(session: Session, attempt: Attempt) -> str:
    """The sitting's title (an exam) or the mock blueprint's name, read without loading either."""
    if attempt.registration_id is not None:
        return session.scalar(select(Sitting.title).join(Registration, Registration.sitting_id == Sitting.id)
                              .where(Registration.id == attempt.registration_id))
    return session.scalar(select(Blueprint.name).join(Paper, Paper.blueprint_id == Blueprint.id)
                          .where(Paper.id == attempt.paper_id))


def state_of(session: Session, attempt: Attempt, *, now: datetime,
             answers: dict[int, tuple[Any, int]] | None = None) -> dict:
    """``answers``: the attempt's saved answers when the caller has read them already (``answers_of``)."""
    if answers is None:
        answers = answers_of(session, attempt.id)
    answered = sum(1 for resp, _seq in answers.values() if resp is not None)
    return {"attempt_id": attempt.id, "kind": attempt.kind, "state": attempt.state,
            "remaining_seconds": remaining_seconds(attempt.deadline, now) if attempt.state == "in_progress" else 0,
            "question_count": attempt.question_count, "answered": answered}


# ---- saving -----------------------------------------------------------------------------------------------------

_UPSERTS: dict[str, Any] = {}


def _upsert_statement(dialect: str):
    """The answer upsert, built once per dialect with bound parameters: a dialect upsert built per call is
    compiled again on every save (its cache key differs each time), which costs more than the save itself."""
    stmt = _UPSERTS.get(dialect)
    if stmt is None:
        cols = Answer.__table__.c
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert(Answer.__table__).values({c: bindparam(c.name, type_=c.type) for c in (
            cols.attempt_id, cols.position, cols.response, cols.seq, cols.saved_at)})
        stmt = _UPSERTS[dialect] = stmt.on_conflict_do_update(
            index_elements=[cols.attempt_id, cols.position],
            set_={"response": stmt.excluded.response, "seq": stmt.excluded.seq, "saved_at": stmt.excluded.saved_at},
            where=cols.seq < stmt.excluded.seq,
        ).returning(cols.seq)
    return stmt


def _upsert(session: Session, *, attempt_id: int, position: int, response: Any, seq: int, now: datetime):
    stmt = _upsert_statement(session.get_bind().dialect.name)
    return session.execute(stmt, {"attempt_id": attempt_id, "position": position, "response": response, "seq": seq,
                                  "saved_at": now}).scalar()


# The save's one conditional UPDATE, built once on the table (Core: the session still autoflushes, but the ORM's
# bulk-update layer is skipped): ownership, state, clock and device in the WHERE clause.
_ATTEMPTS = Attempt.__table__.c
_SAVE_CHECK = (
    update(Attempt.__table__)
    .where(_ATTEMPTS.id == bindparam("b_attempt"), _ATTEMPTS.candidate_id == bindparam("b_candidate"),
           _ATTEMPTS.state == "in_progress",
           _ATTEMPTS.deadline >= bindparam("b_not_before", type_=_ATTEMPTS.deadline.type),
           or_(_ATTEMPTS.device_hash == bindparam("b_device"), _ATTEMPTS.kind == "mock"))
    .values(last_saved_at=bindparam("b_now", type_=_ATTEMPTS.last_saved_at.type))
    .returning(_ATTEMPTS.deadline, _ATTEMPTS.layout, _ATTEMPTS.allowed_subnets))

MAX_SEQ = 2**31 - 1  # answers.seq is an INTEGER column: a larger seq is a bad request, not a database error


def _whole(value: Any) -> Any:
    """JSON does not tell 3 from 3.0: a whole float is that integer (any other value is left for the check)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def save_answer(session: Session, *, attempt_id: int, candidate_id: int, device: str, ip: str, position: Any,
                response: Any, seq: Any, now: datetime, grace: int) -> dict:
    """Save one answer; returns ``{"seq": highest seq stored for that position, "remaining_seconds": …}``."""
    position, seq = _whole(position), _whole(seq)
    if not isinstance(position, int) or isinstance(position, bool) or not isinstance(seq, int) \
            or isinstance(seq, bool) or seq < 1 or seq > MAX_SEQ:
        raise _refuse("bad_save", _l("请求格式不正确"), 400)
    if not device:  # an unbound (unlocked) attempt must be re-bound by opening it, never by a bare save
        raise _refuse("no_device", _l("浏览器未保存考试设备标识，请允许 Cookie 后刷新页面"), 400)
    # One conditional UPDATE checks ownership, state, clock and device, and takes the row lock that orders a save
    # against a concurrent submit (a save either lands before grading or is refused).
    row = session.execute(_SAVE_CHECK, {"b_attempt": attempt_id, "b_candidate": candidate_id, "b_device": device,
                                        "b_now": now, "b_not_before": now - timedelta(seconds=grace)}).first()
    if row is None:
        raise _why_not_saved(session, attempt_id=attempt_id, candidate_id=candidate_id, device=device, now=now,
                             grace=grace)
    deadline, layout, subnets = row
    _check_ip(subnets, ip)
    tokens = layout.split()
    if not 1 <= position <= len(tokens):
        raise _refuse("bad_position", _l("题号不存在"), 400)
    try:
        value = scoring.normalise_response(tokens[position - 1], response)
    except scoring.BadResponse:
        raise _refuse("bad_response", _l("答案格式与题型不符"), 400) from None
    stored = _upsert(session, attempt_id=attempt_id, position=position, response=value, seq=seq, now=now)
    if stored is None:  # an equal or newer seq is already stored: keep it, report it
        stored = session.scalar(select(Answer.seq).where(Answer.attempt_id == attempt_id,
                                                         Answer.position == position))
    return {"seq": stored, "remaining_seconds": remaining_seconds(deadline, now)}


def _why_not_saved(session: Session, *, attempt_id: int, candidate_id: int, device: str, now: datetime,
                   grace: int) -> DomainError:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.candidate_id != candidate_id:
        return _refuse("not_your_attempt", _l("找不到该场考试，或它不属于您"), 404)
    if attempt.state == "voided":
        return _refuse("attempt_voided", _l("本场考试已被监考员作废"))
    if attempt.state != "in_progress":
        return _refuse("attempt_finished", _l("试卷已交卷，不能再修改答案"))
    if attempt.deadline < now - timedelta(seconds=grace):
        finalise_if_overdue(session, attempt, now=now, grace=grace)
        late = _refuse("time_up", _l("考试时间已到，答案未能保存"))
        late.finalised = True
        return late
    return _refuse("device_mismatch", DEVICE_MESSAGE, 403)


# ---- submitting, finalising, grading ------------------------------------------------------------------------------

def finish(session: Session, *, attempt: Attempt, now: datetime, by: str) -> bool:
    """Close and grade an attempt once: True for the one caller whose conditional update changed the state."""
    changed = session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.state == "in_progress")
        .values(state="submitted", finished_at=now, finished_by=by)
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(attempt)
    if changed != 1:
        return False
    grade(session, attempt, now=now)
    return True


def grade(session: Session, attempt: Attempt, *, now: datetime) -> scoring.Grade:
    paper = attempt.paper
    partial_credit = session.scalar(select(Blueprint.partial_credit).where(Blueprint.id == paper.blueprint_id))
    keys = _answer_keys(session, paper)
    responses = {pos: resp for pos, (resp, _seq) in answers_of(session, attempt.id).items()}
    graded = scoring.grade(paper.items, keys, responses, partial_credit=partial_credit)
    attempt.score = graded.score
    attempt.passed = graded.score >= attempt.pass_mark
    if attempt.kind == "exam":
        results.record_theory(session, registration=registration_with_sitting(session, attempt.registration_id),
                              score=graded.score, passed=attempt.passed, now=now)
    else:  # a mock is self-study over a practice bank: its answered questions go to the 错题本 as practice does
        _to_wrong_book(session, attempt, paper, keys, responses, now=now)
    session.flush()
    return graded


def _to_wrong_book(session: Session, attempt: Attempt, paper: Paper, keys: dict[int, Any], responses: dict,
                   *, now: datetime) -> None:
    outcomes = {}
    for pos, item in enumerate(paper.items, start=1):
        response = responses.get(pos)
        if response is None:
            continue  # not attempted: nothing learnt about it
        order = item.get("order") or []
        version_id = int(item["version_id"])
        if item.get("part") is not None:
            continue  # the 错题本 keeps whole questions; a case's parts are reviewed with the case
        ok, _earned = scoring.grade_item(item["type"], int(item["points"]), order, keys[version_id], response, False)
        own = scoring.to_original(response, order) if item["type"] != "true_false" else response
        outcomes[version_id] = (sorted(own) if isinstance(own, list) else own, ok)
    bank_id = session.scalar(select(Blueprint.bank_id).where(Blueprint.id == paper.blueprint_id))
    practice.record_outcomes(session, trainee_id=attempt.candidate_id, bank_id=bank_id, outcomes=outcomes, now=now)


def submit(session: Session, *, attempt: Attempt, candidate: User, device: str, now: datetime,
           grace: int) -> Attempt:
    """The candidate hands in. Idempotent: a second submit returns the same, already graded attempt."""
    if attempt.candidate_id != candidate.id:
        raise NotFound()
    # Overdue: finalised with its saved answers whichever device asks (as on any access), and nothing refused after.
    finalise_if_overdue(session, attempt, now=now, grace=grace)
    if attempt.state == "in_progress" and attempt.device_hash != device and attempt.kind != "mock":
        raise _refuse("device_mismatch", DEVICE_MESSAGE, 403)
    if attempt.state == "in_progress":
        finish(session, attempt=attempt, now=now, by="candidate")
    return attempt


def finalise_if_overdue(session: Session, attempt: Attempt, *, now: datetime, grace: int,
                        by: str = "timeout") -> bool:
    if attempt.state == "in_progress" and attempt.deadline < now - timedelta(seconds=grace):
        return finish(session, attempt=attempt, now=now, by=by)
    return False


def sweep(session: Session, *, now: datetime, grace: int, limit: int = 500) -> int:
    """Finalise every overdue attempt with its saved answers (safe to run every minute, and twice in a row)."""
    ids = list(session.scalars(select(Attempt.id).where(
        Attempt.state == "in_progress", Attempt.deadline < now - timedelta(seconds=grace))
        .order_by(Attempt.deadline).limit(limit)))
    done = 0
    for attempt_id in ids:
        attempt = session.get(Attempt, attempt_id)
        if attempt is not None and finish(session, attempt=attempt, now=now, by="sweeper"):
            done += 1
    return done


# ---- after submission -------------------------------------------------------------------------------------------

def outcome(session: Session, attempt: Attempt) -> dict:
    """What the candidate sees after handing in, per the blueprint's review policy (default: score, pass/fail)."""
    if attempt.state == "in_progress":
        raise Conflict(_l("尚未交卷"), code="not_finished")
    body: dict[str, Any] = {"attempt_id": attempt.id, "kind": attempt.kind, "state": attempt.state,
                            "finished_by": attempt.finished_by, "score": None, "passed": None,
                            "pass_mark": attempt.pass_mark, "review": None}
    if attempt.state == "voided":
        return body
    body["score"], body["passed"] = attempt.score, attempt.passed
    review_policy = session.scalar(select(Blueprint.review_policy).join(Paper, Paper.blueprint_id == Blueprint.id)
                                   .where(Paper.id == attempt.paper_id))
    if review_policy == "wrong_answers":
        body["review"] = wrong_answers(session, attempt)
    return body


def wrong_answers(session: Session, attempt: Attempt) -> list[dict]:
    paper = attempt.paper
    versions = pool.versions_by_id(session, [int(i["version_id"]) for i in paper.items])
    responses = answers_of(session, attempt.id)
    true_false = client_paper.translated_true_false()
    out = []
    for pos, item in enumerate(paper.items, start=1):
        v = versions[int(item["version_id"])]
        order = item.get("order") or []
        response = responses.get(pos, (None, 0))[0]
        key = scoring.key_of(item, {v.id: v.answer})
        ok, _earned = scoring.grade_item(item["type"], int(item["points"]), order, key, response, False)
        if ok:
            continue
        stem, options, explanation = client_paper.item_texts(item, v)
        out.append({"position": pos, "type": item["type"], "stem": stem,
                    "options": client_paper.shown_options(item, options, true_false), "response": response,
                    "correct": scoring.shown_key(item["type"], order, key), "explanation": explanation})
    return out


def check_not_in_progress(attempt: Attempt) -> None:
    if attempt.state == "in_progress":
        raise ValidationError(_l("考试仍在进行"), code="in_progress")
