"""On-site QR check-in codes (扫码签到) that rotate and expire. Pure: no database, no Flask.

The code shown on the classroom screen is an HMAC of the session id and the current time window, keyed with the
application secret. A new code appears every ``period`` seconds and a code is accepted only during its own window
and the ``grace`` windows after it, so a photo forwarded to someone at home stops working within a minute or so.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime


def window(now: datetime, period: int) -> int:
    """The number of the time window ``now`` falls in."""
    return int(now.timestamp()) // period


def token(secret: str, session_id: int, win: int) -> str:
    mac = hmac.new(secret.encode(), f"training-checkin:{session_id}:{win}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:16]).decode().rstrip("=")


def current_token(secret: str, session_id: int, now: datetime, period: int) -> str:
    return token(secret, session_id, window(now, period))


def verify(secret: str, session_id: int, candidate: str, now: datetime, period: int, grace: int = 1) -> bool:
    """Whether ``candidate`` is the code of this session for the current window or one of ``grace`` windows before."""
    current = window(now, period)
    for win in range(current - grace, current + 1):
        if hmac.compare_digest(token(secret, session_id, win), candidate or ""):
            return True
    return False
