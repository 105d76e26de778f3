"""Pages that belong to no area: the role home, language switch, health check."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from ..db import get_db, get_session

bp = Blueprint("core", __name__)


def safe_next(target: str | None, default: str) -> str:
    """Only local paths are followed after login or a language switch (no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("core/landing.html")
    return redirect(url_for("accounts.home"))


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next"), url_for("core.index")))


def register_bench_baseline(app) -> None:
    """``GET /bench/baseline``: the trivial endpoint benchmarks compare against (BENCH_MODE only)."""
    if app.config.get("BENCH_MODE"):
        app.add_url_rule("/bench/baseline", "bench_baseline", lambda: jsonify(ok=True))


@bp.get("/healthz")
def healthz():
    database = get_db()
    try:
        get_session().execute(text("SELECT 1"))
        db_state = "ok"
    except Exception:  # a health check reports, it does not raise
        db_state = "unavailable"
    body = {"status": "ok" if db_state == "ok" else "degraded", "database": db_state,
            "backend": database.engine.dialect.name}
    return jsonify(body), 200 if db_state == "ok" else 503


@bp.get("/api/v1/openapi.json")
def openapi_document():
    """Every JSON endpoint of every area, described (exam_platform/openapi.py)."""
    from .. import openapi

    return jsonify(openapi.document())
