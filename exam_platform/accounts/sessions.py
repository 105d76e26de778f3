"""Who a request belongs to: the Flask-Login user loader and the session's absolute lifetime.

Installed by ``create_app`` (``init_app``): the core extensions know nothing of accounts.
"""

from __future__ import annotations

from flask import current_app, session
from flask_login import user_logged_in

from .. import clock
from ..db import get_session, read_apart
from ..extensions import login_manager
from .service import load_session_user

# ---- session lifetime -------------------------------------------------------------------------------
# The session cookie is not re-signed on every request (SESSION_REFRESH_EACH_REQUEST off): it lasts
# PERMANENT_SESSION_LIFETIME from the login, however busy the session is (an absolute timeout, OWASP), and
# a request that changes nothing in the session sends no Set-Cookie. Flask only bounds the cookie's age since
# its last write (a flash message or a new CSRF secret re-signs it), so the login time is kept in the session.
LOGIN_AT = "_login_at"


def stamp_login(_app, **_kw) -> None:
    """``user_logged_in`` receiver: the login's time (Unix seconds, from the one clock)."""
    session[LOGIN_AT] = int(clock.now().timestamp())


def session_expired() -> bool:
    login_at = session.get(LOGIN_AT)
    if not isinstance(login_at, int):  # signed before logins were stamped: its 12 hours start now
        stamp_login(None)
        return False
    return clock.now().timestamp() - login_at > current_app.permanent_session_lifetime.total_seconds()


def load_user(token: str):
    if session_expired():
        return None
    db_session = get_session()
    with read_apart(db_session):
        return load_session_user(db_session, token)


def init_app(app) -> None:
    user_logged_in.connect(stamp_login)
    login_manager.user_loader(load_user)
