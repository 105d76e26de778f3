"""Deadline spike (issue #19): many attempts reach their deadline within the same few seconds. Each exam client
hands in when its timer runs out (the client's auto-submit), a share of them never does (a closed laptop: left to
the sweeper), and every client that handed in then asks for its result every 2 s, as the result page does,
until the grading worker has graded it. The server acknowledges a hand-in at once (``grading: true``) and the
``flask exams worker`` processes grade moments later."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

from .aio import Connection
from .backends import UA
from .storm import _request, percentile


@dataclass
class SpikeClient:
    attempt_id: int
    cookie: str
    csrf: str
    at: float  # perf_counter instant of its deadline
    submits: bool
    ack_ms: float | None = None
    pending_ack: bool | None = None  # the acknowledgement said grading: true
    result_after_s: float | None = None  # from its hand-in until its result showed a score
    polls: int = 0
    errors: list[str] = field(default_factory=list)


async def _one(base: str, c: SpikeClient, *, poll: float, give_up: float) -> None:
    await asyncio.sleep(max(0.0, c.at - time.perf_counter()))
    if not c.submits:
        return
    headers = {"Cookie": c.cookie, "X-CSRFToken": c.csrf, "User-Agent": UA, "Content-Type": "application/json",
               "Accept": "application/json"}
    conn = Connection(base)
    try:
        t0 = time.perf_counter()
        # A hand-in is idempotent and a result a read: a connection the server closed is opened again and the
        # request sent again, as the client does.
        r = await _request(conn, "POST", f"/api/v1/attempts/{c.attempt_id}/submit", headers, b"{}")
        c.ack_ms = (time.perf_counter() - t0) * 1000
        if r.status != 200:
            c.errors.append(f"submit {r.status} {r.body[:120]!r}")
            return
        body = r.json()
        c.pending_ack = bool(body.get("grading"))
        while body.get("score") is None and time.perf_counter() < give_up:
            await asyncio.sleep(poll)
            r = await _request(conn, "GET", f"/api/v1/attempts/{c.attempt_id}/result", headers)
            c.polls += 1
            if r.status != 200:
                c.errors.append(f"result {r.status} {r.body[:120]!r}")
                return
            body = r.json()
        if body.get("score") is None:
            c.errors.append("no result before the driver gave up")
        else:
            c.result_after_s = time.perf_counter() - t0
    except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
        c.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        await conn.close()


async def _spike(base: str, clients: list[SpikeClient], poll: float, give_up: float) -> None:
    await asyncio.gather(*(_one(base, c, poll=poll, give_up=give_up) for c in clients))


def plan(rows: list[tuple[int, str, str]], *, first_deadline_in: float, window: float, no_submit_share: float,
         seed: int = 19) -> tuple[list[SpikeClient], list[float]]:
    """Clients for ``(attempt_id, cookie, csrf)`` rows, deadlines spread evenly over ``window`` seconds from
    ``first_deadline_in`` seconds from now, in random order; returns them and each one's offset (seconds from
    now) for the database's deadlines."""
    rng = random.Random(seed)
    order = list(rows)
    rng.shuffle(order)
    now = time.perf_counter()
    step = window / max(1, len(order))
    clients, offsets = [], []
    for i, (aid, cookie, csrf) in enumerate(order):
        offset = first_deadline_in + i * step
        offsets.append(offset)
        clients.append(SpikeClient(aid, cookie, csrf, at=now + offset, submits=rng.random() >= no_submit_share))
    return clients, offsets


def run(base: str, clients: list[SpikeClient], *, poll: float = 2.0, give_up_after: float = 120.0) -> dict:
    """Drive the spike; returns the clients' side (the caller checks the database)."""
    last = max(c.at for c in clients)
    asyncio.run(_spike(base, clients, poll, last + give_up_after))
    handed = [c for c in clients if c.submits]
    acks = [c.ack_ms for c in handed if c.ack_ms is not None]
    seen = [c.result_after_s for c in handed if c.result_after_s is not None]
    failed = [c for c in handed if c.errors]
    return {
        "attempts": len(clients), "handed_in_by_clients": len(handed), "left_to_sweeper": len(clients) - len(handed),
        "ack_p50_ms": round(percentile(acks, 50), 1), "ack_p99_ms": round(percentile(acks, 99), 1),
        "ack_max_ms": round(max(acks, default=float("nan")), 1),
        "acks_pending": sum(1 for c in handed if c.pending_ack), "result_polls": sum(c.polls for c in handed),
        "result_seen_p50_s": round(percentile(seen, 50), 2), "result_seen_p99_s": round(percentile(seen, 99), 2),
        "failed": len(failed), "failures": [f"attempt {c.attempt_id}: {c.errors[:2]}" for c in failed[:5]],
    }
