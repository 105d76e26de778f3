"""Flask extensions, created once and bound in ``create_app``."""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
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


# Endpoints that take a larger upload than MAX_CONTENT_LENGTH: endpoint → the limit in bytes (read per request).
LARGE_UPLOADS: dict = {}


def _large_upload_limit() -> None:
    from flask import request

    limit = LARGE_UPLOADS.get(request.endpoint)
    if limit is not None:
        request.max_content_length = limit()


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "basic"  # the user loader is the accounts area's (accounts/sessions.py)
    app.before_request(_large_upload_limit)  # before the CSRF check reads the form
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Shanghai")
    limiter.init_app(app)
