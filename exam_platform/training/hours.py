"""How many 学时 a trainee has: attended sessions (lateness reduces, capped per session) plus online study.
Pure: no database, no Flask.

Internally everything is minutes (1 学时 is counted as 60 minutes on this platform: the rule sets give required
hours and say nothing shorter). A session credits at most its own ``credit_minutes``; a late arrival keeps the
share of the session actually attended; online study credits at most each lesson's required time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def attendance_credit(*, credit_minutes: int, duration_minutes: int, status: str, late_minutes: int = 0) -> int:
    """Minutes credited for one attendance record (never more than the session credits)."""
    if status == "present":
        return credit_minutes
    if status != "late" or duration_minutes <= 0:
        return 0
    attended = max(0, duration_minutes - max(0, late_minutes))
    return credit_minutes * attended // duration_minutes


def study_credit(seconds_by_lesson: Iterable[tuple[int, int]]) -> int:
    """Seconds of online study credited: each lesson's (seconds, required seconds) capped at its requirement."""
    return sum(max(0, min(seconds, required)) for seconds, required in seconds_by_lesson)


@dataclass(frozen=True)
class Progress:
    """One enrollment's hours against what the rule set requires."""

    attendance_minutes: int
    study_seconds: int
    sessions_attended: int
    required_hours: int

    @property
    def total_minutes(self) -> int:
        return self.attendance_minutes + self.study_seconds // 60

    @property
    def hours(self) -> float:
        return self.total_minutes / 60

    @property
    def whole_hours(self) -> int:
        return self.total_minutes // 60

    @property
    def complete(self) -> bool:
        return self.total_minutes >= self.required_hours * 60

    @property
    def percent(self) -> int:
        if self.required_hours <= 0:
            return 100
        return min(100, self.total_minutes * 100 // (self.required_hours * 60))
