"""Language and time display: zh_CN by default, English available; times shown in Asia/Shanghai."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import Flask
from flask_babel import format_date, format_datetime

PACKAGE = Path(__file__).resolve().parent


def translation_directories() -> str:
    """Each area keeps its own catalogue (``<area>/translations``); Flask-Babel merges them."""
    dirs = sorted(str(p) for p in PACKAGE.rglob("translations") if p.is_dir())
    return ";".join(dirs)


def localtime(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    if value is None:
        return ""
    return format_datetime(value, fmt)  # Flask-Babel converts to the configured zone (Asia/Shanghai)


def localdate(value: date | datetime | None, fmt: str = "yyyy-MM-dd") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, fmt)
    return format_date(value, fmt)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["localdate"] = localdate
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
