"""What every step of an attempt shares: refusals with their codes, the device and address checks, the clock."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime

from flask_babel import lazy_gettext as _l

from ...errors import DomainError
from ..sittings import ip_allowed


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


def refuse(code: str, message, status: int = 409) -> AttemptRefused:
    err = AttemptRefused(message, code=code)
    err.status = status
    return err


DEVICE_MESSAGE = _l("本场考试已在另一台设备上开始。如需更换设备，请联系监考员解除设备绑定。")


def check_ip(subnets: str, ip: str) -> None:
    if not ip_allowed(subnets, ip):
        raise refuse("ip_not_allowed", _l("请在考场内的考试机上作答（本机网络地址不在本场次允许的范围内）"), 403)
