"""The ``sqlite://`` rate-limit storage (exam_platform/limit_store.py): the same answers as a reference model for
any sequence of hits and clock moves, one count across processes, and the default of the embedded deployment."""

from __future__ import annotations

import itertools
import multiprocessing
import tempfile
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from exam_platform import config, limit_store

_DIR = Path(tempfile.mkdtemp(prefix="limit_store_"))
_STORE = limit_store.SQLiteStorage(f"sqlite:///{_DIR / 'limits.sqlite3'}")
_keys = itertools.count()

# (seconds the clock moves first, cost of the hit)
steps = st.lists(st.tuples(st.integers(0, 120), st.integers(1, 3)), max_size=40)


class _Clock:
    def __init__(self):
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@settings(max_examples=60, deadline=None)
@given(steps=steps, limit=st.integers(1, 6))
def test_moving_window_matches_the_model(steps, limit):
    """At most ``limit`` in any 300 s: a hit is granted exactly when the model's window has room for it."""
    item, key, now = parse(f"{limit} per 5 minutes"), f"mw-{next(_keys)}", _Clock()
    strategy, granted = MovingWindowRateLimiter(_STORE), []
    with mock.patch.object(limit_store, "_now", now):
        for advance, cost in steps:
            now.t += advance
            in_window = [t for t in granted if t > now.t - 300]
            expected = len(in_window) + cost <= limit
            assert strategy.hit(item, key, cost=cost) is expected
            if expected:
                granted += [now.t] * cost
            in_window = [t for t in granted if t > now.t - 300]
            reset, remaining = strategy.get_window_stats(item, key)
            assert remaining == limit - len(in_window)
            assert reset == (min(in_window) if in_window else now.t) + 300


@settings(max_examples=60, deadline=None)
@given(steps=steps, limit=st.integers(1, 6))
def test_fixed_window_matches_the_model(steps, limit):
    """A window opens at its first hit and lasts 60 s; at most ``limit`` are granted in it."""
    item, key, now = parse(f"{limit} per minute"), f"fw-{next(_keys)}", _Clock()
    strategy, opened, used = FixedWindowRateLimiter(_STORE), None, 0
    with mock.patch.object(limit_store, "_now", now):
        for advance, cost in steps:
            now.t += advance
            if opened is None or now.t >= opened + 60:
                opened, used = now.t, 0
            used += cost  # the fixed window counts refused hits too (limits' incr-then-compare)
            assert strategy.hit(item, key, cost=cost) is (used <= limit)


def test_clear_and_reset_empty_the_windows():
    item = parse("1 per hour")
    strategy = MovingWindowRateLimiter(_STORE)
    assert strategy.hit(item, "clear-me") and not strategy.hit(item, "clear-me")
    strategy.clear(item, "clear-me")
    assert strategy.hit(item, "clear-me")
    assert _STORE.reset() >= 1 and strategy.hit(item, "clear-me")


def _hammer(uri: str, results) -> None:
    store = storage_from_string(uri)  # a process of its own, as a gunicorn worker
    moving, fixed = MovingWindowRateLimiter(store), FixedWindowRateLimiter(store)
    for _ in range(40):
        results.put((moving.hit(parse("37 per hour"), "shared"), fixed.hit(parse("23 per hour"), "shared")))


def test_two_processes_share_one_count():
    uri = f"sqlite:///{Path(tempfile.mkdtemp(prefix='limit_store_mp_')) / 'limits.sqlite3'}"
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    workers = [ctx.Process(target=_hammer, args=(uri, results)) for _ in range(2)]
    for w in workers:
        w.start()
    outcomes = [results.get(timeout=60) for _ in range(80)]
    for w in workers:
        w.join(timeout=60)
    assert sum(m for m, _ in outcomes) == 37  # with memory:// each process would grant 37 of its own
    assert sum(f for _, f in outcomes) == 23


def test_the_embedded_default_is_a_file_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x")
    uri = config.from_environment(tmp_path)["RATELIMIT_STORAGE_URI"]
    assert uri == f"sqlite:///{tmp_path / 'ratelimits.sqlite3'}"
    assert isinstance(storage_from_string(uri), limit_store.SQLiteStorage)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")  # several hosts: Redis, as before
    assert config.from_environment(tmp_path)["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
