"""The drawing pool of a bank, cached per bank revision, and drawing a paper for a blueprint.

Drawing a 100-question paper must not read a 10,000-question bank for every candidate. The pool of a
bank (its active questions' current versions, without stems or keys) is read once and kept in this
process, keyed by the bank's never-reused ``uid`` and its ``revision``. Each draw costs one small query
for the revision; any change to the bank — made by this worker or another one — bumps the revision in
the database, so the next draw everywhere rebuilds the index. Nothing a worker keeps is needed by another.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from .models import Bank, PaperRule, Question, QuestionVersion
from .paper import InsufficientPool, PaperItem, PoolIndex, PoolItem, Spec, draw, draw_layers, problems, split_spec

MAX_CACHED_BANKS = 64


class PoolTooSmall(ValidationError):
    """The bank cannot satisfy the blueprint; ``details["problems"]`` names every short stratum."""

    code = "pool_too_small"


class _PoolCache:
    def __init__(self, size: int = MAX_CACHED_BANKS):
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[str, tuple[int, PoolIndex]] = OrderedDict()
        self.builds = 0  # how many times an index was read from the database (tests and the bench read it)

    def get(self, uid: str, revision: int) -> PoolIndex | None:
        with self._lock:
            entry = self._items.get(uid)
            if entry is None or entry[0] != revision:
                return None
            self._items.move_to_end(uid)
            return entry[1]

    def put(self, uid: str, revision: int, index: PoolIndex) -> None:
        with self._lock:
            current = self._items.get(uid)
            if current is not None and current[0] > revision:
                return  # a newer index was built meanwhile; keep it
            self._items[uid] = (revision, index)
            self._items.move_to_end(uid)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            self.builds += 1

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


cache = _PoolCache()


def build_index(session: Session, bank_id: int) -> PoolIndex:
    """Read the pool of a bank: current versions of its **active** questions (ids, type, topic, difficulty, options,
    validity, the shape of a case's parts). Drafts, reviewed-but-not-active and retired questions are never in it."""
    rows = session.execute(
        select(QuestionVersion.id, QuestionVersion.type, QuestionVersion.topic, QuestionVersion.difficulty,
               QuestionVersion.options, QuestionVersion.valid_from, QuestionVersion.valid_until,
               QuestionVersion.parts)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.bank_id == bank_id, QuestionVersion.is_current.is_(True),
               Question.status == "active")
    )
    return PoolIndex(PoolItem(vid, qtype, topic, difficulty, len(options or ()), start, end,
                              tuple((p["type"], len(p.get("options") or ()), int(p["points"])) for p in parts or ()))
                     for vid, qtype, topic, difficulty, options, start, end, parts in rows)


def pool_index(session: Session, bank_id: int) -> PoolIndex:
    """The drawing index of ``bank_id`` at its current revision (one query when cached)."""
    row = session.execute(select(Bank.uid, Bank.revision).where(Bank.id == bank_id)).first()
    if row is None:
        raise NotFound()
    uid, revision = row
    index = cache.get(uid, revision)
    if index is None:
        index = build_index(session, bank_id)
        cache.put(uid, revision, index)
    return index


def spec_of(blueprint: PaperRule) -> Spec:
    return Spec.from_blueprint(blueprint.sections, blueprint.topic_quotas, blueprint.difficulty_mix)


def _pool_on(session: Session, bank_id: int, on: date | None) -> PoolIndex:
    index = pool_index(session, bank_id)
    return index.on(on) if on is not None else index


def _quotas(blueprint: PaperRule | Any) -> list[dict]:
    return [q for q in getattr(blueprint, "bank_quotas", None) or [] if q.get("bank_id")]


def _layers(session: Session, blueprint: PaperRule | Any, on: date | None) -> list[tuple[dict | None, PoolIndex]]:
    return [(None, _pool_on(session, blueprint.bank_id, on)),
            *[(q.get("quotas") or {}, _pool_on(session, int(q["bank_id"]), on)) for q in _quotas(blueprint)]]


def check_blueprint(session: Session, blueprint: PaperRule | Any, *, on: date | None = None) -> list[str]:
    """Why the banks cannot satisfy the blueprint now (on the exam date ``on``, when given; empty: they can)."""
    if not _quotas(blueprint):
        return problems(spec_of(blueprint), _pool_on(session, blueprint.bank_id, on))
    try:
        main, extra = split_spec(spec_of(blueprint), [q for q, _i in _layers(session, blueprint, on)[1:]])
    except InsufficientPool as short:
        return short.problems
    return [p for sp, (_q, index) in zip([main, *extra], _layers(session, blueprint, on), strict=True)
            for p in problems(sp, index, share=True)]


def draw_paper(session: Session, blueprint: PaperRule | Any, rng: random.Random, *,
               on: date | None = None) -> list[PaperItem]:
    """A paper for ``blueprint`` from its bank's current pool — only questions valid on the exam date ``on`` —
    ``PoolTooSmall`` when the bank cannot do it."""
    try:
        if _quotas(blueprint):
            return draw_layers(spec_of(blueprint), _layers(session, blueprint, on), rng)
        return draw(spec_of(blueprint), _pool_on(session, blueprint.bank_id, on), rng)
    except InsufficientPool as short:
        raise PoolTooSmall(_l("题库中的有效试题不足以按此组卷规则组卷：%(why)s", why="；".join(short.problems)),
                           problems=short.problems) from None


def versions_by_id(session: Session, version_ids: list[int]) -> dict[int, QuestionVersion]:
    """The question versions a paper points at (for showing or grading it), in one query."""
    if not version_ids:
        return {}
    rows = session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(version_ids)))
    return {v.id: v for v in rows}
