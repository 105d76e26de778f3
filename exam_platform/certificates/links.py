"""The public verification URL that goes into a QR code (``PUBLIC_BASE_URL`` + ``/v/<token>``), and a request
context for code that runs outside requests."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, has_app_context, has_request_context, request, url_for

log = logging.getLogger(__name__)
FALLBACK_BASE = "http://localhost:5000"
OFFLINE = "exam_platform.offline"  # environ key of the blank request pushed by request_context()
_warned = False


def verify_url(token: str) -> str:
    """The address a phone opens from the QR: ``PUBLIC_BASE_URL`` when set; else the host of a real request.
    A blank request made for commands and the demo seed (``request_context``) has no host a phone could
    reach, so it does not count."""
    base = current_app.config.get("PUBLIC_BASE_URL", "") if has_app_context() else ""
    if base:
        return f"{base.rstrip('/')}/v/{token}"
    if has_request_context() and not request.environ.get(OFFLINE):
        return url_for("certificates_public.verify", token=token, _external=True)
    global _warned
    if not _warned:
        log.warning("PUBLIC_BASE_URL is not set: QR codes made outside a request point at %s", FALLBACK_BASE)
        _warned = True
    return f"{FALLBACK_BASE}/v/{token}"


@contextmanager
def request_context() -> Iterator[None]:
    """Commands and the demo seed run services whose errors carry lazily translated messages; formatting those
    needs the locale, which the app's locale selector reads from a request. Outside a request, push a blank one
    (same app context: same ``g`` and database session)."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context(environ_overrides={OFFLINE: True}):
        yield
