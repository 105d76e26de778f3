"""Settings, read from the environment once at start-up.

Defaults give the embedded deployment: SQLite files in ``instance/`` for the data and for the rate-limit counters
(shared by the workers of one host, ``limit_store.py``).
Production sets ``DATABASE_URL`` (PostgreSQL), ``RATELIMIT_STORAGE_URI`` (Redis) and ``SECRET_KEY``.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _normalise_db_url(url: str) -> str:
    # psycopg 3 is the driver; accept the common short forms.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(instance_path: Path) -> dict:
    env = os.environ
    db_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'exam_platform.sqlite3'}"
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "DATABASE_URL": _normalise_db_url(db_url),
        "SQL_ECHO": env.get("SQL_ECHO") == "1",
        # Sessions and cookies
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("COOKIE_SECURE", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # 12 hours from the login, not from the last request (absolute timeout; accounts.sessions.session_expired):
        # the cookie is re-signed only when the session changes, not on every request.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_REFRESH_EACH_REQUEST": False,
        # CSRF tokens must outlive the longest exam (120 min + extensions).
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        # Rate limits: a SQLite file shared by the workers of this host by default; Redis when several hosts serve
        # (docs/security.md). ``memory://`` counts per worker process: tests only.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI",
                                         f"sqlite:///{instance_path / 'ratelimits.sqlite3'}"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Login (accounts/login_throttle.py): attempts per account from browsers that have not signed in to it
        # (all addresses together), and per account and browser for those that have.
        "RATELIMIT_LOGIN_ACCOUNT": env.get("RATELIMIT_LOGIN_ACCOUNT", "10 per 5 minutes"),
        "RATELIMIT_LOGIN_KNOWN_BROWSER": env.get("RATELIMIT_LOGIN_KNOWN_BROWSER", "10 per 5 minutes"),
        "RATELIMIT_LOGIN_IP": env.get("RATELIMIT_LOGIN_IP", "300 per minute"),
        "RATELIMIT_VERIFY_IP": env.get("RATELIMIT_VERIFY_IP", "120 per minute"),
        "RATELIMIT_IDENTITY_CHECK_IP": env.get("RATELIMIT_IDENTITY_CHECK_IP", "10 per hour"),
        # Reverse proxies in front of the app (for client IPs and allowed exam subnets).
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        # Babel
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": {"zh_CN": "简体中文", "en": "English"},
        # Uploads
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", str(8 * 1024 * 1024))),
        # Exams
        "EXAM_SAVE_GRACE_SECONDS": int(env.get("EXAM_SAVE_GRACE_SECONDS", "30")),
        # Autosave is limited per account (a whole exam room shares one IP address).
        "EXAM_SAVE_RATE_LIMIT": env.get("EXAM_SAVE_RATE_LIMIT", "600 per minute"),
        # Public base URL used inside QR codes (falls back to the request host).
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", ""),
        "BENCH_MODE": env.get("BENCH_MODE") == "1",
    }
