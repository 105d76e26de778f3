"""Start storm: every registered candidate starts the exam within a window (default 10 s, arrivals evenly
spread, in random order), with the paper in the start's answer (``?include=paper``), as the exam client starts.
A share of candidates "double-click"
(two simultaneous starts from the same browser): each registration must still get exactly one attempt."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

from .aio import Connection
from .backends import UA


@dataclass
class StormCandidate:
    registration_id: int
    cookie: str  # Cookie header (session + exam_device)
    csrf: str
    attempt_id: int | None = None
    capability: str = ""  # the attempt's capability, from the start's answer (X-Exam-Capability on later calls)
    questions: int = 0
    errors: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


RETRIES: list[int] = []


async def _request(conn: Connection, method: str, path: str, headers: dict, body: bytes | None = None):
    """Start and paper loads are idempotent: a connection the server closed is opened again, as a browser does."""
    for attempt in range(3):
        try:
            return await conn.request(method, path, headers=headers, body=body)
        except (OSError, ConnectionError, asyncio.IncompleteReadError):
            await conn.close()
            if attempt == 2:
                raise
            RETRIES.append(1)
            await asyncio.sleep(0.5)
    raise AssertionError("unreachable")


async def _one(base: str, c: StormCandidate, at: float, double: bool, starts: list[float]):
    await asyncio.sleep(max(0.0, at - time.perf_counter()))
    headers = {"Cookie": c.cookie, "X-CSRFToken": c.csrf, "User-Agent": UA, "Content-Type": "application/json",
               "Accept": "application/json"}
    path = f"/api/v1/registrations/{c.registration_id}/attempt?include=paper"  # as the exam client starts
    conns = [Connection(base) for _ in range(2 if double else 1)]
    t0 = time.perf_counter()
    try:
        replies = await asyncio.gather(*(_request(conn, "POST", path, headers, b"{}") for conn in conns))
        starts.append(time.perf_counter() - t0)  # the start's answer carries the paper: start + paper in one
        ids, papers = set(), []
        for r in replies:
            if r.status != 200:
                c.errors.append(f"start {r.status} {r.body[:120]!r}")
                continue
            body = r.json()
            ids.add(body["attempt_id"])
            c.capability = body.get("capability") or c.capability
            papers.append(body.get("paper") or {})
        if len(ids) != 1:
            c.errors.append(f"start gave attempts {sorted(ids)}")
            return
        c.attempt_id = ids.pop()
        c.questions = min(len(paper.get("questions", ())) for paper in papers)  # every reply carries the paper
    except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
        c.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        for conn in conns:
            await conn.close()


async def _storm(base: str, candidates: list[StormCandidate], window: float, double_share: float, seed: int):
    rng = random.Random(seed)
    order = list(candidates)
    rng.shuffle(order)
    t0 = time.perf_counter() + 0.2
    step = window / max(1, len(order))
    starts: list[float] = []
    wall0 = time.perf_counter()
    await asyncio.gather(*(_one(base, c, t0 + i * step, rng.random() < double_share, starts)
                           for i, c in enumerate(order)))
    return starts, time.perf_counter() - wall0


def run(base: str, candidates: list[StormCandidate], *, window: float = 10.0, double_share: float = 0.05,
        expected_questions: int = 100, seed: int = 8) -> dict:
    RETRIES.clear()
    starts, wall = asyncio.run(_storm(base, candidates, window, double_share, seed))
    failed = [c for c in candidates if c.errors or c.questions != expected_questions]
    return {
        "candidates": len(candidates), "window_s": window, "double_click_share": double_share,
        "wall_s": round(wall, 2), "start_p50_ms": round(percentile(starts, 50) * 1000, 1),
        "start_p99_ms": round(percentile(starts, 99) * 1000, 1),
        "start_and_paper_p99_ms": round(percentile(starts, 99) * 1000, 1),  # one request since ?include=paper
        "with_paper": sum(1 for c in candidates if c.questions == expected_questions),
        "reconnects": len(RETRIES), "failed": len(failed),
        "failures": [f"reg {c.registration_id}: {c.errors[:2] or c.questions}" for c in failed[:5]],
    }
