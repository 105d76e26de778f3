"""The exam device cookie: a random token of its own (not the login session, which is renewed at every login),
so a reload, a browser crash or a new login on the same computer keeps the device, and another computer does not.
Only its SHA-256 is stored on the attempt."""

from __future__ import annotations

import secrets

from flask import Response, current_app, request

COOKIE = "exam_device"
MAX_AGE = 3 * 24 * 3600


def token() -> str:
    value = request.cookies.get(COOKIE, "")
    return value if 20 <= len(value) <= 100 else ""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def ensure(response: Response, value: str | None = None) -> str:
    """Set the cookie when the browser has none yet; returns the token in use."""
    current = value or token()
    if not current:
        current = new_token()
    if request.cookies.get(COOKIE) != current:
        response.set_cookie(COOKIE, current, max_age=MAX_AGE, httponly=True, samesite="Strict", path="/",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return current


def label() -> str:
    """A short description of the browser for the proctor console."""
    ua = request.user_agent.string or ""
    for name in ("Edg/", "Firefox/", "Chrome/", "Safari/"):
        if name in ua:
            version = ua.split(name, 1)[1].split(" ", 1)[0].split(".", 1)[0]
            platform = "Windows" if "Windows" in ua else "macOS" if "Mac OS" in ua else "Linux" if "Linux" in ua \
                else ""
            return f"{name.rstrip('/').replace('Edg', 'Edge')} {version} {platform}".strip()[:120]
    return ua[:60]
