"""HTTP hardening applied to every response: headers, caching of personal pages, proxy trust."""

from __future__ import annotations

from flask import Flask, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

# Every response carries these unless its view set its own: (lower-case name, name, value).
HEADERS = tuple((name.lower(), name, value) for name, value in (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()"),
))


def init_app(app: Flask) -> None:
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        # Only this many proxies' X-Forwarded-For entries are believed; a forged header beyond them is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.after_request
    def _headers(response):
        h = response.headers
        present = {key.lower() for key in h.keys()}
        h.extend([(name, value) for lower, name, value in HEADERS if lower not in present])
        if request.is_secure and "strict-transport-security" not in present:
            h["Strict-Transport-Security"] = "max-age=31536000"
        if "cache-control" not in present and _personal():
            h["Cache-Control"] = "no-store"
        return response


def _personal() -> bool:
    """A logged-in session's response (personal pages are never cached). Asked of the session, not of
    ``current_user``: that would load the user (or build the anonymous one) on requests that never needed it."""
    return "_user_id" in session  # Flask-Login's key; a stale login counts too (no-store is the safe side)
