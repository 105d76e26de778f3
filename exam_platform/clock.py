"""The one source of "now" for views and commands; services receive ``now`` as an argument.

Tests and the demo can pin the clock with ``app.config["CLOCK"]`` (a callable returning an aware UTC datetime).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    if has_app_context():
        fixed = current_app.config.get("CLOCK")
        if fixed is not None:
            return fixed()
    return datetime.now(UTC)


def local(dt: datetime) -> datetime:
    """A UTC datetime as Asia/Shanghai wall time (for display)."""
    return dt.astimezone(SHANGHAI)


def today_local(at: datetime | None = None):
    """The calendar date in China at ``at`` (default: now)."""
    return local(at or now()).date()


def cpu_seconds() -> float:
    """CPU time used so far by the calling thread: a measure of work (to bound it), never a date or a duration
    of the world. Per thread, so that other requests served by the same process do not count."""
    return time.thread_time()
