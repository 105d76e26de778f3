"""考场登录 (exam-room sign-in): at the exam computer a checked-in candidate signs in with 准考证号 + 证件号码 + the
short code handed over at check-in — not the web password. Valid only for that sitting, from the opening of its
check-in to its end, and from its allowed subnets; the session it opens reaches that exam only (views). Failures
are counted per ticket (``login_throttle`` keyed by ticket), so one candidate's typos never slow a neighbour down
behind the room's shared address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..accounts.models import User
from ..errors import Conflict, Forbidden, ValidationError
from .models import Registration
from .registration import checkin_window
from .sittings import ip_allowed

CODE_DIGITS = 6

_FAILED = _l("准考证号、证件号码或考场登录码不正确")
TOO_MANY = _l("该准考证登录尝试过多，请稍后再试或请监考员协助")


def _digest(ticket_no: str, code: str) -> str:
    return hashlib.sha256(f"room-code:{ticket_no}:{code}".encode()).hexdigest()


def issue_code(session: Session, *, actor: User, registration: Registration, now: datetime) -> str:
    """A new code for a checked-in registration (a reprint replaces the old one); shown once to the operator."""
    if registration.status != "checked_in":
        raise Conflict(_l("考生签到后才能发放考场登录码"), code="not_checked_in")
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    registration.room_code_hash = _digest(registration.ticket_no, code)
    audit.record(session, actor=actor, action="registration.room_code", target=registration, at=now)
    return code


def normalise_ticket(ticket_no: str) -> str:
    return "".join((ticket_no or "").split())[:40]


def sign_in(session: Session, *, ticket_no: str, id_number: str, code: str, ip: str, now: datetime,
            early_minutes: int) -> Registration:
    """The registration whose candidate may now use this exam computer, or a refusal that does not say which of
    the three values was wrong."""
    ticket_no = normalise_ticket(ticket_no)
    registration = session.scalar(select(Registration).where(Registration.ticket_no == ticket_no))
    code = "".join((code or "").split())
    number = "".join((id_number or "").split()).upper()
    if (registration is None or registration.status != "checked_in" or not registration.room_code_hash
            or not hmac.compare_digest(registration.room_code_hash, _digest(ticket_no, code))
            or not hmac.compare_digest(registration.candidate.id_number.upper(), number)):
        raise ValidationError(_FAILED, field="code", code="room_signin_failed")
    sitting = registration.sitting
    opens, _closes = checkin_window(sitting, early_minutes=early_minutes, late_minutes=0)
    if not opens <= now < sitting.ends_at:
        raise Conflict(_l("现在不是本场次的考试时间"), code="outside_sitting")
    if not ip_allowed(sitting.allowed_subnets, ip):
        raise Forbidden(_l("请在考场内的考试机上登录（本机网络地址不在本场次允许的范围内）"), code="ip_not_allowed")
    if not registration.candidate.active:
        raise ValidationError(_FAILED, field="code", code="room_signin_failed")
    audit.record(session, actor=registration.candidate, action="registration.room_signin", target=registration,
                 after={"ip": ip[:64]}, at=now)
    return registration
