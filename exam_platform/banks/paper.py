"""Drawing papers (组卷): a pure function from a blueprint spec, an indexed pool and a random generator.

No database and no Flask here. The pool is indexed once per bank revision (``PoolIndex``), so drawing a
100-question paper from a 10,000-question bank samples from prepared lists instead of scanning the bank.

Rules of a draw:
- each section gets exactly ``count`` questions of its type, worth ``points`` each;
- topic quotas (minimum questions per topic over the whole paper) are met first;
- the difficulty mix (share of each level, per section) is followed as far as the pool allows, the rest
  is drawn from the other levels;
- no question twice; choice options are shuffled per paper and the key follows the shuffle (``order``);
- the same seed gives the same paper.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

QUESTION_TYPES = ("true_false", "single", "multiple")


@dataclass(frozen=True, slots=True)
class PoolItem:
    """One active question version as the drawer sees it (no stem, no key)."""

    version_id: int
    type: str
    topic: str
    difficulty: int
    option_count: int = 0
    valid_from: date | None = None  # a question that states a rule: the days that rule is in force (inclusive)
    valid_until: date | None = None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_until is None
                                                                         or day <= self.valid_until)


@dataclass(frozen=True, slots=True)
class Section:
    type: str
    count: int
    points: int


@dataclass(frozen=True)
class Spec:
    """The drawing part of a blueprint (组卷规则)."""

    sections: tuple[Section, ...]
    topic_quotas: Mapping[str, int] = field(default_factory=dict)
    difficulty_mix: Mapping[int, float] = field(default_factory=dict)

    @property
    def total_points(self) -> int:
        return sum(s.count * s.points for s in self.sections)

    @property
    def question_count(self) -> int:
        return sum(s.count for s in self.sections)

    @classmethod
    def from_blueprint(cls, sections: Iterable[Mapping], topic_quotas: Mapping | None = None,
                       difficulty_mix: Mapping | None = None) -> Spec:
        return cls(
            sections=tuple(Section(s["type"], int(s["count"]), int(s["points"])) for s in sections),
            topic_quotas={str(k): int(v) for k, v in (topic_quotas or {}).items() if int(v) > 0},
            difficulty_mix={int(k): float(v) for k, v in (difficulty_mix or {}).items() if float(v) > 0},
        )


@dataclass(frozen=True, slots=True)
class PaperItem:
    """One question on a drawn paper. ``order[i]`` is the original option index shown at position ``i``."""

    version_id: int
    type: str
    points: int
    order: tuple[int, ...]

    def as_dict(self) -> dict:
        return {"version_id": self.version_id, "type": self.type, "points": self.points, "order": list(self.order)}


class InsufficientPool(ValueError):
    """The pool cannot satisfy the spec; ``problems`` says where."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("；".join(problems))


class PoolIndex:
    """The pool grouped the ways a draw needs it. Build once per bank revision; reuse for every paper."""

    def __init__(self, items: Iterable[PoolItem]):
        self.items: tuple[PoolItem, ...] = tuple(sorted(items, key=lambda i: i.version_id))
        by_type: dict[str, list[PoolItem]] = defaultdict(list)
        by_type_level: dict[tuple[str, int], list[PoolItem]] = defaultdict(list)
        by_type_topic: dict[tuple[str, str], list[PoolItem]] = defaultdict(list)
        for item in self.items:
            by_type[item.type].append(item)
            by_type_level[(item.type, item.difficulty)].append(item)
            by_type_topic[(item.type, item.topic)].append(item)
        self.by_type = dict(by_type)
        self.by_type_level = dict(by_type_level)
        self.by_type_topic = dict(by_type_topic)
        self.topics = sorted({i.topic for i in self.items})
        self._dated = any(i.valid_from or i.valid_until for i in self.items)
        self._on: dict[date, PoolIndex] = {}

    def __len__(self) -> int:
        return len(self.items)

    def on(self, day: date) -> PoolIndex:
        """The pool on the exam date ``day``: only questions valid that day (the same index when none is dated)."""
        if not self._dated:
            return self
        if day not in self._on:
            if len(self._on) > 16:
                self._on.clear()
            self._on[day] = PoolIndex(i for i in self.items if i.valid_on(day))
        return self._on[day]


def problems(spec: Spec, index: PoolIndex) -> list[str]:
    """Why ``index`` cannot satisfy ``spec`` (empty list: every stratum has enough active questions)."""
    found: list[str] = []
    type_names = {"true_false": "判断题", "single": "单选题", "multiple": "多选题"}
    need: dict[str, int] = defaultdict(int)
    for s in spec.sections:
        if s.type not in QUESTION_TYPES:
            found.append(f"未知题型 {s.type}")
            continue
        if s.count <= 0 or s.points <= 0:
            found.append(f"{type_names[s.type]}：题数和分值应为正整数")
        need[s.type] += s.count
    for qtype, count in need.items():
        have = len(index.by_type.get(qtype, ()))
        if have < count:
            found.append(f"{type_names[qtype]}需要 {count} 道，题库只有 {have} 道有效试题")
    section_types = set(need)
    for topic, quota in spec.topic_quotas.items():
        have = sum(len(index.by_type_topic.get((t, topic), ())) for t in section_types)
        if have < quota:
            found.append(f"知识点「{topic}」至少需要 {quota} 道，题库中符合题型的只有 {have} 道")
    if sum(spec.topic_quotas.values()) > spec.question_count:
        found.append("各知识点最少题数之和超过了试卷总题数")
    return found


def _level_targets(count: int, mix: Mapping[int, float]) -> dict[int, int]:
    """Split ``count`` over difficulty levels by share (largest remainder, deterministic)."""
    total = sum(mix.values())
    if not mix or total <= 0:
        return {}
    raw = {level: count * share / total for level, share in mix.items()}
    targets = {level: int(v) for level, v in raw.items()}
    leftover = count - sum(targets.values())
    for level in sorted(raw, key=lambda lv: (-(raw[lv] - targets[lv]), lv))[:leftover]:
        targets[level] += 1
    return targets


def _shuffled_options(item: PoolItem, rng: random.Random) -> tuple[int, ...]:
    if item.type == "true_false" or item.option_count <= 1:
        return ()
    order = list(range(item.option_count))
    rng.shuffle(order)
    return tuple(order)


def _random_order(items: Sequence[PoolItem], rng: random.Random):
    """The items in a uniformly random order, made lazily: a draw takes a few dozen questions from lists of
    thousands, so it picks random unseen positions while most are unseen and shuffles only what is left
    after that, instead of shuffling (or copying) a whole list per stratum."""
    n = len(items)
    seen: set[int] = set()
    while len(seen) < n // 2:
        k = rng.randrange(n)
        if k not in seen:
            seen.add(k)
            yield items[k]
    rest = [items[k] for k in range(n) if k not in seen]
    rng.shuffle(rest)
    yield from rest


def draw(spec: Spec, index: PoolIndex, rng: random.Random) -> list[PaperItem]:
    """A paper for ``spec`` from ``index``; raises ``InsufficientPool`` when it cannot be done."""
    found = problems(spec, index)
    if found:
        raise InsufficientPool(found)
    room = defaultdict(int)  # how many more questions each type may take
    for s in spec.sections:
        room[s.type] += s.count
    chosen: dict[str, list[PoolItem]] = defaultdict(list)
    taken: set[int] = set()

    # 1. Topic quotas, over the section types, in a random order of topics.
    for topic in sorted(spec.topic_quotas, key=lambda t: rng.random()):
        quota = spec.topic_quotas[topic]
        already = sum(1 for items in chosen.values() for i in items if i.topic == topic)
        candidates = [i for t in sorted(room) for i in index.by_type_topic.get((t, topic), ())]
        for item in _random_order(candidates, rng):
            if already >= quota:
                break
            if item.version_id not in taken and room[item.type] > 0:
                chosen[item.type].append(item)
                taken.add(item.version_id)
                room[item.type] -= 1
                already += 1
        if already < quota:
            raise InsufficientPool([f"知识点「{topic}」的最少题数与各题型题数无法同时满足"])

    # 2. Fill each type: difficulty targets first, then anything left of that type.
    for qtype in sorted(room):
        want = room[qtype]
        if want <= 0:
            continue
        targets = _level_targets(want + len(chosen[qtype]), spec.difficulty_mix)
        for item in chosen[qtype]:
            if item.difficulty in targets:
                targets[item.difficulty] -= 1
        for level in sorted(targets):
            n = min(targets[level], want)
            if n <= 0:
                continue
            picks = 0
            for item in _random_order(index.by_type_level.get((qtype, level), ()), rng):
                if picks >= n:
                    break
                if item.version_id not in taken:
                    chosen[qtype].append(item)
                    taken.add(item.version_id)
                    picks += 1
            want -= picks
        if want > 0:
            pool = index.by_type[qtype]
            # Rejection sampling keeps a draw O(paper) on a large bank; fall back to a scan when nearly exhausted.
            if len(pool) - len(taken) > 4 * want:
                while want > 0:
                    item = pool[rng.randrange(len(pool))]
                    if item.version_id not in taken:
                        chosen[qtype].append(item)
                        taken.add(item.version_id)
                        want -= 1
            else:
                available = [i for i in pool if i.version_id not in taken]
                picks = rng.sample(available, want)
                chosen[qtype].extend(picks)
                taken.update(p.version_id for p in picks)

    # 3. Lay out the sections in blueprint order; questions within a section in random order.
    paper: list[PaperItem] = []
    for s in spec.sections:
        group = chosen[s.type][: s.count]
        chosen[s.type] = chosen[s.type][s.count:]
        rng.shuffle(group)
        paper.extend(PaperItem(i.version_id, i.type, s.points, _shuffled_options(i, rng)) for i in group)
    return paper


def shown_letters(order: Sequence[int]) -> dict[str, str]:
    """Map a shown option letter to the bank's original letter for one paper item (A shown → C in the bank …)."""
    letters = "ABCDEFGH"
    return {letters[pos]: letters[orig] for pos, orig in enumerate(order)}
