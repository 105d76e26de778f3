"""登录限制 (login throttle): guessing a password stays bounded, and a stranger cannot lock its owner out.

- Attempts at one account from browsers that have never signed in to it share one moving window, whatever their
  address: ``RATELIMIT_LOGIN_ACCOUNT`` (10 per 5 minutes). Once it is full, such attempts are answered 429 without
  the password being checked; each attempt leaves the window 5 minutes after it was made (no fixed lock period).
- A browser that has signed in to the account keeps a signed cookie saying so (a random browser id and a keyed tag
  per account). Its attempts count in a window of its own, per account and browser
  (``RATELIMIT_LOGIN_KNOWN_BROWSER``): failures made elsewhere — a classmate behind the same exam-room address —
  never slow it down.
- Every attempt is counted before its password is checked (one atomic step in the shared store), so parallel
  guesses cannot overrun the bound, and the window is the same for every worker and host (``limit_store.py``).
- Staff unlock: a regulator clears the account's unknown-browser window from the user page (audited).

Accounts are counted by ``service.username_key`` (case and surrounding spaces ignored), names without an account
alike, so the answer never tells whether an account exists.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass, field

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse
from limits.strategies import MovingWindowRateLimiter

from .. import clock
from ..extensions import limiter

COOKIE = "known_browser"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie
MAX_ACCOUNTS = 20  # accounts remembered per browser (a shared training-room computer); the oldest is forgotten


@dataclass
class Browser:
    """What this browser's cookie says: its id and the accounts signed in to on it."""

    id: str | None = None
    tags: list[str] = field(default_factory=list)

    def knows(self, account: str) -> bool:
        return self.id is not None and _tag(account) in self.tags


@dataclass(frozen=True)
class Refusal:
    retry_after: int  # seconds until the oldest attempt leaves the window

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="known-browser")


def _tag(account: str) -> str:
    """A keyed digest of the account: the cookie does not show which accounts used this browser."""
    key = str(current_app.secret_key).encode()
    return hmac.new(key, b"login-browser:" + account.encode(), hashlib.sha256).hexdigest()[:16]


def current_browser() -> Browser:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return Browser()
    try:
        data = _serializer().loads(raw)
        return Browser(id=str(data["b"]), tags=[str(t) for t in data["a"]][-MAX_ACCOUNTS:])
    except (BadSignature, KeyError, TypeError, ValueError):
        return Browser()


def _unknown_browsers_window(account: str):
    return parse(current_app.config["RATELIMIT_LOGIN_ACCOUNT"]), ("login-account", account)


def _window(account: str, browser: Browser):
    if browser.knows(account):
        return parse(current_app.config["RATELIMIT_LOGIN_KNOWN_BROWSER"]), ("login-browser", account, browser.id)
    return _unknown_browsers_window(account)


def attempt(account: str, browser: Browser) -> Refusal | None:
    """Count one login attempt; a Refusal when its window is full (the password must then not be checked)."""
    if not limiter.enabled:
        return None
    item, keys = _window(account, browser)
    strategy = MovingWindowRateLimiter(limiter.storage)
    if strategy.hit(item, *keys):
        return None
    reset_at, _remaining = strategy.get_window_stats(item, *keys)
    return Refusal(retry_after=max(1, math.ceil(reset_at - clock.now().timestamp())))


def unknown_browser_attempts(account: str) -> tuple[int, int]:
    """(attempts in the window, the limit) for the account's unknown-browser window — for the staff page."""
    item, keys = _unknown_browsers_window(account)
    _reset, remaining = MovingWindowRateLimiter(limiter.storage).get_window_stats(item, *keys)
    return item.amount - remaining, item.amount


def unlock(account: str) -> None:
    """Empty the account's unknown-browser window (staff unlock)."""
    item, keys = _unknown_browsers_window(account)
    MovingWindowRateLimiter(limiter.storage).clear(item, *keys)


def remember(response, account: str, browser: Browser) -> None:
    """After a successful login: this browser is known to the account from now on."""
    tag = _tag(account)
    tags = [*[t for t in browser.tags if t != tag][-(MAX_ACCOUNTS - 1):], tag]
    value = _serializer().dumps({"b": browser.id or secrets.token_urlsafe(16), "a": tags})
    response.set_cookie(COOKIE, value, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
