"""Honest study time (防挂机): how one heartbeat changes a trainee's study clock. Pure: no database, no Flask.

The lesson page sends ``start`` when it opens or becomes active again, ``beat`` every few seconds while the tab is
visible and the trainee interacted recently, and ``pause`` when it is hidden or goes idle. The server alone decides
what is credited:

- credit is the wall-clock time since the last accepted heartbeat, and only when that gap is at most
  ``max_gap`` seconds (a longer gap means the page was away: the clock restarts, nothing is credited);
- a trainee has one study clock: only the lesson that owns it accrues time. A beat for another lesson while the
  owner is still live is refused; an explicit ``start`` takes the clock over (without credit), which pauses the
  other page — so two tabs never earn double time;
- the clock never runs backwards and whole seconds not yet credited carry over to the next beat.

Hence, for any sequence of heartbeats, the total credited between two moments never exceeds the time between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

EVENTS = ("start", "beat", "pause")


@dataclass(frozen=True)
class Clock:
    """The trainee's study clock: which (enrollment, lesson) owns it and when its last heartbeat was accepted."""

    owner: tuple[int, int] | None
    last_beat_at: datetime | None

    @property
    def idle(self) -> bool:
        return self.owner is None or self.last_beat_at is None


IDLE = Clock(None, None)  # a paused clock keeps its last time (owner None), so it cannot be moved back either


@dataclass(frozen=True)
class Decision:
    outcome: str          # started | credited | resumed | paused | refused
    credit: int           # whole seconds credited to the beating lesson
    clock: Clock          # the clock after this heartbeat

    @property
    def accepted(self) -> bool:
        return self.outcome != "refused"


def _live(clock: Clock, now: datetime, max_gap: int) -> bool:
    """Whether the clock's owner is still live (beat within ``max_gap`` and not in the future)."""
    if clock.idle:
        return False
    gap = (now - clock.last_beat_at).total_seconds()
    return 0 <= gap <= max_gap


def decide(clock: Clock, *, owner: tuple[int, int], event: str, now: datetime, max_gap: int) -> Decision:
    """What a heartbeat ``event`` from lesson ``owner`` at ``now`` credits, and the clock afterwards."""
    if event not in EVENTS:
        raise ValueError(f"unknown study event {event!r}")
    mine = clock.owner == owner
    live = _live(clock, now, max_gap)
    # A (re)start never credits the time before it, and never moves the clock back (servers may disagree slightly
    # about the time): credited intervals only ever move forward, so none is counted twice.
    base = max(now, clock.last_beat_at) if clock.last_beat_at is not None else now

    if event == "start":
        return Decision("started", 0, Clock(owner, base))
    if not mine:
        if live:
            return Decision("refused", 0, clock)
        if event == "pause":
            return Decision("paused", 0, clock)
        return Decision("started", 0, Clock(owner, base))
    if not live:
        if event == "pause":
            return Decision("paused", 0, Clock(None, clock.last_beat_at))
        return Decision("resumed", 0, Clock(owner, base))
    seconds = int((now - clock.last_beat_at).total_seconds())
    # Move the clock by what was credited, so fractions of a second carry over instead of being lost.
    moved = clock.last_beat_at + timedelta(seconds=seconds)
    if event == "pause":
        return Decision("paused", seconds, Clock(None, moved))
    return Decision("credited", seconds, Clock(owner, moved))
