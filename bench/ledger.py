"""The journey's ledger: every answer the server acknowledged must be in the database at the end.

A save ``(attempt, position, response, seq)`` is acknowledged when the server answered ``{"seq": s}`` with
``s >= seq`` (``s > seq`` means a newer answer for that position was already stored). At the end, for each
(attempt, position), the stored ``seq`` must be at least the highest acknowledged one, and when it is equal the
stored response must be the acknowledged response. Anything else is a lost answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Ack:
    attempt_id: int
    position: int
    seq: int
    response: Any


def highest_acks(acks: Iterable[Ack]) -> dict[tuple[int, int], Ack]:
    best: dict[tuple[int, int], Ack] = {}
    for a in acks:
        key = (a.attempt_id, a.position)
        if key not in best or a.seq > best[key].seq:
            best[key] = a
    return best


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(a) == sorted(b)
    return a == b


def lost_answers(acks: Iterable[Ack], stored: Mapping[tuple[int, int], tuple[int, Any]]) -> list[str]:
    """Every acknowledged answer the database does not hold (empty: nothing lost)."""
    problems = []
    for key, ack in sorted(highest_acks(acks).items()):
        row = stored.get(key)
        if row is None:
            problems.append(f"attempt {key[0]} position {key[1]}: acknowledged seq {ack.seq} but nothing stored")
            continue
        seq, response = row
        if seq < ack.seq:
            problems.append(f"attempt {key[0]} position {key[1]}: acknowledged seq {ack.seq}, stored seq {seq}")
        elif seq == ack.seq and not _same(response, ack.response):
            problems.append(f"attempt {key[0]} position {key[1]}: seq {seq} stored {response!r}, "
                            f"acknowledged {ack.response!r}")
    return problems


def read_acks(directory: Path) -> list[Ack]:
    """The acks written by the journey's processes (one JSON-lines file each)."""
    out = []
    for path in sorted(directory.glob("acks-*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                d = json.loads(line)
                out.append(Ack(d["attempt_id"], d["position"], d["seq"], d["response"]))
    return out


def stored_answers(session, attempt_ids: list[int]) -> dict[tuple[int, int], tuple[int, Any]]:
    from sqlalchemy import select

    from exam_platform.exams.models import Answer

    out: dict[tuple[int, int], tuple[int, Any]] = {}
    for i in range(0, len(attempt_ids), 500):
        chunk = attempt_ids[i:i + 500]
        for aid, pos, seq, resp in session.execute(
                select(Answer.attempt_id, Answer.position, Answer.seq, Answer.response)
                .where(Answer.attempt_id.in_(chunk))):
            out[(aid, pos)] = (seq, resp)
    return out
