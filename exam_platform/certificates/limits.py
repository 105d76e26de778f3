"""Rate limits of the public verification endpoints (per client IP; HTML and JSON share one budget).

- ``RATELIMIT_VERIFY_IP``: opening /v/<token> (page or JSON) — fixed window, counted in the app's shared rate-limit
  storage (every worker and host together, as every other limit) with **one** storage call per request
  (``verify_ip``: the limits strategy's ``hit``, not Flask-Limiter's decorator, which read the window a second
  time for the ``X-RateLimit-*`` headers: a verification answers without those headers; a refusal is a 429 with
  ``Retry-After``);
- ``RATELIMIT_IDENTITY_CHECK_IP``: 核验身份 answers per IP, and ``RATELIMIT_IDENTITY_CHECK_CERT`` per certificate
  (so many IPs together cannot walk through the ID numbers of one certificate);
- ``RATELIMIT_LOOKUP_IP``: the number + name lookup form.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache, wraps

from flask import current_app, request
from limits import parse
from werkzeug.exceptions import TooManyRequests

from .. import clock
from ..extensions import client_address, limiter
from . import token as tokens


def _config(name: str):
    """The limit set in config.py (read per request: tests change it)."""
    return lambda: current_app.config[name]


def _certificate_key() -> str:
    """The bucket of a certificate: its reference (CT2), or a keyed hash of the number a CT1 token carries —
    limiter keys reach the store and the limiter's log lines, and a 特种作业 number is an ID number."""
    raw = (request.view_args or {}).get("token", "")
    try:
        payload = tokens.peek(raw)  # a bucket name only; the signature is checked by the view
    except tokens.InvalidToken:
        return "identity-cert:invalid"
    if payload.format == tokens.FORMAT:
        return f"identity-cert:{payload.subject}:{payload.category}"
    digest = hmac.new(current_app.secret_key.encode(), f"{payload.subject}|{payload.category}".encode(),
                      hashlib.sha256).hexdigest()[:32]
    return f"identity-cert:ct1:{digest}"


@lru_cache(maxsize=32)
def _item(text: str):
    return parse(text)


def hit(config_name: str, scope: str, message: str) -> None:
    """Count this request against the limit ``config_name`` of the client's address (one ``incr`` in the shared
    storage, fixed window); over it: 429."""
    if not limiter.enabled:
        return
    item, address = _item(current_app.config[config_name]), client_address()
    strategy = limiter.limiter
    if strategy.hit(item, address, scope):
        return
    reset = strategy.get_window_stats(item, address, scope).reset_time
    raise TooManyRequests(description=message, retry_after=max(int(reset - clock.now().timestamp()) + 1, 1))


def verify_ip(view):
    """``RATELIMIT_VERIFY_IP`` per client address, the page and the JSON API together."""
    @wraps(view)
    def limited(*args, **kwargs):
        hit("RATELIMIT_VERIFY_IP", "certificate-verify", "查验过于频繁，请稍后再试")
        return view(*args, **kwargs)
    return limiter.exempt(limited)  # nothing of Flask-Limiter's own runs for these endpoints


identity_ip = limiter.shared_limit(_config("RATELIMIT_IDENTITY_CHECK_IP"),
                                   scope="certificate-identity", error_message="核验身份过于频繁，请稍后再试")
identity_certificate = limiter.shared_limit(_config("RATELIMIT_IDENTITY_CHECK_CERT"),
                                            scope="certificate-identity-cert", key_func=_certificate_key,
                                            error_message="该证书的身份核验次数已达上限，请明天再试")
lookup_ip = limiter.limit(_config("RATELIMIT_LOOKUP_IP"), methods=["POST"],
                          error_message="查询过于频繁，请稍后再试")
