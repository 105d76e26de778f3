"""Saving an answer: the hot path.

The save path (``save_answer``) is a constant handful of statements: one conditional UPDATE of the attempt that
returns what the check needs, and one upsert of the answer that keeps the highest ``seq``; answers are accepted
until deadline + grace (``Attempt.cutoff``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ...errors import DomainError
from .. import scoring
from ..models import Answer, Attempt, AttemptState
from .base import DEVICE_MESSAGE, check_ip, refuse, remaining_seconds
from .finish import finalise_if_overdue

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
           _ATTEMPTS.state == AttemptState.IN_PROGRESS,
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
        raise refuse("bad_save", _l("请求格式不正确"), 400)
    if not device:  # an unbound (unlocked) attempt must be re-bound by opening it, never by a bare save
        raise refuse("no_device", _l("浏览器未保存考试设备标识，请允许 Cookie 后刷新页面"), 400)
    # One conditional UPDATE checks ownership, state, clock and device, and takes the row lock that orders a save
    # against a concurrent submit (a save either lands before grading or is refused).
    row = session.execute(_SAVE_CHECK, {"b_attempt": attempt_id, "b_candidate": candidate_id, "b_device": device,
                                        "b_now": now, "b_not_before": Attempt.cutoff(now, grace)}).first()
    if row is None:
        raise _why_not_saved(session, attempt_id=attempt_id, candidate_id=candidate_id, device=device, now=now,
                             grace=grace)
    deadline, layout, subnets = row
    check_ip(subnets, ip)
    tokens = layout.split()
    if not 1 <= position <= len(tokens):
        raise refuse("bad_position", _l("题号不存在"), 400)
    try:
        value = scoring.normalise_response(tokens[position - 1], response)
    except scoring.BadResponse:
        raise refuse("bad_response", _l("答案格式与题型不符"), 400) from None
    stored = _upsert(session, attempt_id=attempt_id, position=position, response=value, seq=seq, now=now)
    if stored is None:  # an equal or newer seq is already stored: keep it, report it
        stored = session.scalar(select(Answer.seq).where(Answer.attempt_id == attempt_id,
                                                         Answer.position == position))
    return {"seq": stored, "remaining_seconds": remaining_seconds(deadline, now)}


def _why_not_saved(session: Session, *, attempt_id: int, candidate_id: int, device: str, now: datetime,
                   grace: int) -> DomainError:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.candidate_id != candidate_id:
        return refuse("not_your_attempt", _l("找不到该场考试，或它不属于您"), 404)
    if attempt.voided:
        return refuse("attempt_voided", _l("本场考试已被监考员作废"))
    if not attempt.in_progress:
        return refuse("attempt_finished", _l("试卷已交卷，不能再修改答案"))
    if attempt.overdue(now, grace):
        finalise_if_overdue(session, attempt, now=now, grace=grace)
        late = refuse("time_up", _l("考试时间已到，答案未能保存"))
        late.finalised = True
        return late
    return refuse("device_mismatch", DEVICE_MESSAGE, 403)
