"""Flask extensions, created once and bound in ``create_app``."""

from __future__ import annotations

import time

from flask import current_app, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager, user_logged_in
from flask_wtf.csrf import CSRFProtect

from . import limit_store  # noqa: F401 - registers the ``sqlite://`` rate-limit storage with limits

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def client_address() -> str:
    """The client IP as the app sees it (ProxyFix has applied TRUSTED_PROXIES already)."""
    return request.remote_addr or "unknown"


limiter = Limiter(key_func=client_address, default_limits=[])


def select_locale() -> str:
    from flask import has_request_context

    if not has_request_context():  # commands and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = session.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


# ---- session lifetime -------------------------------------------------------------------------------
# The session cookie is not re-signed on every request (SESSION_REFRESH_EACH_REQUEST off): it lasts
# PERMANENT_SESSION_LIFETIME from the login, however busy the session is (an absolute timeout, OWASP), and
# a request that changes nothing in the session sends no Set-Cookie. Flask only bounds the cookie's age since
# its last write (a flash message or a new CSRF secret re-signs it), so the login time is kept in the session.
LOGIN_AT = "_login_at"


def stamp_login(_app, **_kw) -> None:
    """``user_logged_in`` receiver: the login's wall-clock time (Unix seconds, the clock the cookie's own age uses)."""
    session[LOGIN_AT] = int(time.time())


def session_expired() -> bool:
    login_at = session.get(LOGIN_AT)
    if not isinstance(login_at, int):  # signed before logins were stamped: its 12 hours start now
        stamp_login(None)
        return False
    return time.time() - login_at > current_app.permanent_session_lifetime.total_seconds()


def init_app(app) -> None:
    from .accounts.service import load_session_user
    from .db import get_session, read_apart

    login_manager.init_app(app)
    login_manager.session_protection = "basic"

    user_logged_in.connect(stamp_login)

    @login_manager.user_loader
    def _load_user(token: str):
        if session_expired():
            return None
        db_session = get_session()
        with read_apart(db_session):
            return load_session_user(db_session, token)

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Shanghai")
    limiter.init_app(app)
