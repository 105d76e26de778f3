"""Drawing papers (组卷): a pure function from a blueprint spec, an indexed pool and a random generator.

No database and no Flask here. The pool is indexed once per bank revision (``PoolIndex``), so drawing a
100-question paper from a 10,000-question bank samples from prepared lists instead of scanning the bank.

Rules of a draw:
- each section gets exactly ``count`` questions of its type, worth ``points`` each;
- topic quotas (minimum questions per topic over the whole paper) are met first;
- the difficulty mix (share of each level, per section) is followed as far as the pool allows, the rest
  is drawn from the other levels;
- no question twice; choice options are shuffled per paper and the key follows the shuffle (``order``);
- the same seed gives the same paper;
- a case question (案例分析) is one item of a ``case`` section whose points equal the sum of its parts' points
  (the section's stratum); on the paper it becomes one position per part, adjacent, each with its own points
  and shuffled options (``PaperItem.part``); topic quotas and the difficulty mix do not apply to case sections;
- layers: a blueprint may take a quota of each section type from further banks (``draw_layers``): the sections'
  counts are split between the banks, each bank's share is drawn from its own pool, and each section's questions
  are shuffled together.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

CHOICE_TYPES = ("true_false", "single", "multiple")
CASE = "case"
QUESTION_TYPES = (*CHOICE_TYPES, CASE)  # section types
TYPE_NAMES = {"true_false": "判断题", "single": "单选题", "multiple": "多选题", "case": "案例分析题"}


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
    parts: tuple[tuple[str, int, int], ...] = ()  # a case question: (type, option count, points) per part

    @property
    def points(self) -> int:
        """A case question's points: the sum of its parts' (0 for other questions)."""
        return sum(p[2] for p in self.parts)

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
    part: int | None = None  # a part of a case question: its index in the version's parts

    def as_dict(self) -> dict:
        out = {"version_id": self.version_id, "type": self.type, "points": self.points, "order": list(self.order)}
        if self.part is not None:
            out["part"] = self.part
        return out


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
        by_case_points: dict[int, list[PoolItem]] = defaultdict(list)
        for item in self.items:
            if item.type == CASE:
                by_case_points[item.points].append(item)
            by_type[item.type].append(item)
            by_type_level[(item.type, item.difficulty)].append(item)
            by_type_topic[(item.type, item.topic)].append(item)
        self.by_type = dict(by_type)
        self.by_type_level = dict(by_type_level)
        self.by_type_topic = dict(by_type_topic)
        self.by_case_points = dict(by_case_points)
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


def problems(spec: Spec, index: PoolIndex, *, share: bool = False) -> list[str]:
    """Why ``index`` cannot satisfy ``spec`` (empty list: every stratum has enough active questions)."""
    found: list[str] = []
    type_names = TYPE_NAMES
    need: dict[str, int] = defaultdict(int)
    cases: dict[int, int] = defaultdict(int)
    for s in spec.sections:
        if s.type not in QUESTION_TYPES:
            found.append(f"未知题型 {s.type}")
            continue
        if s.count < (0 if share else 1) or s.points <= 0:  # a bank's share of a section may be empty
            found.append(f"{type_names[s.type]}：题数和分值应为正整数")
        if s.type == CASE:
            cases[s.points] += s.count
        else:
            need[s.type] += s.count
    for qtype, count in need.items():
        have = len(index.by_type.get(qtype, ()))
        if have < count:
            found.append(f"{type_names[qtype]}需要 {count} 道，题库只有 {have} 道有效试题")
    for points, count in cases.items():
        have = len(index.by_case_points.get(points, ()))
        if have < count:
            found.append(f"{points} 分的案例分析题需要 {count} 道，题库只有 {have} 道有效试题")
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


def _choose(spec: Spec, index: PoolIndex, rng: random.Random, *, share: bool = False) -> list[list[PoolItem]]:
    """The questions of each section (in blueprint order, not yet shuffled); ``InsufficientPool`` if impossible."""
    found = problems(spec, index, share=share)
    if found:
        raise InsufficientPool(found)
    room = defaultdict(int)  # how many more questions each type may take
    for s in spec.sections:
        if s.type != CASE:
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

    # 3. Case sections: whole cases whose parts' points add up to the section's points.
    groups: list[list[PoolItem]] = []
    for s in spec.sections:
        if s.type == CASE:
            available = [i for i in index.by_case_points.get(s.points, ()) if i.version_id not in taken]
            picks = rng.sample(available, s.count)
            taken.update(p.version_id for p in picks)
            groups.append(picks)
        else:
            groups.append(chosen[s.type][: s.count])
            chosen[s.type] = chosen[s.type][s.count:]
    return groups


def _lay_out(spec: Spec, groups: list[list[PoolItem]], rng: random.Random) -> list[PaperItem]:
    """Sections in blueprint order, questions within a section in random order, options shuffled; a case becomes
    its parts, adjacent and in their own order."""
    paper: list[PaperItem] = []
    for s, group in zip(spec.sections, groups, strict=True):
        group = list(group)
        rng.shuffle(group)
        for i in group:
            if i.type == CASE:
                for number, (ptype, options, points) in enumerate(i.parts):
                    shown = PoolItem(i.version_id, ptype, i.topic, i.difficulty, options)
                    paper.append(PaperItem(i.version_id, ptype, points, _shuffled_options(shown, rng), number))
            else:
                paper.append(PaperItem(i.version_id, i.type, s.points, _shuffled_options(i, rng)))
    return paper


def draw(spec: Spec, index: PoolIndex, rng: random.Random) -> list[PaperItem]:
    """A paper for ``spec`` from ``index``; raises ``InsufficientPool`` when it cannot be done."""
    return _lay_out(spec, _choose(spec, index, rng), rng)


def split_spec(spec: Spec, quotas: Sequence[Mapping[str, int]]) -> tuple[Spec, list[Spec]]:
    """The spec of the main bank and of each further bank: each quota ``{type: n}`` takes ``n`` questions of that
    type out of the sections of that type, in blueprint order. Topic quotas stay with the main bank."""
    left = [s.count for s in spec.sections]
    layers = []
    for quota in quotas:
        counts = [0] * len(spec.sections)
        for qtype, n in quota.items():
            n = int(n)
            for k, s in enumerate(spec.sections):
                if s.type == qtype and n > 0:
                    take = min(n, left[k])
                    counts[k] += take
                    left[k] -= take
                    n -= take
            if n > 0:
                raise InsufficientPool([f"{TYPE_NAMES.get(qtype, qtype)}的分题库配额超过了试卷中该题型的题数"])
        layers.append(Spec(tuple(Section(s.type, c, s.points) for s, c in zip(spec.sections, counts, strict=True)),
                           {}, spec.difficulty_mix))
    main = Spec(tuple(Section(s.type, c, s.points) for s, c in zip(spec.sections, left, strict=True)),
                spec.topic_quotas, spec.difficulty_mix)
    return main, layers


def draw_layers(spec: Spec, layers: Sequence[tuple[Mapping[str, int] | None, PoolIndex]],
                rng: random.Random) -> list[PaperItem]:
    """A paper drawn from several banks: ``layers`` is (None, main index) first, then (quota, index) per further
    bank. Every bank's problems are reported together."""
    main, extra = split_spec(spec, [q or {} for q, _ in layers[1:]])
    specs = [main, *extra]
    found = [p for sp, (_q, index) in zip(specs, layers, strict=True) for p in problems(sp, index, share=True)]
    if found:
        raise InsufficientPool(found)
    per_layer = [_choose(sp, index, rng, share=True) for sp, (_q, index) in zip(specs, layers, strict=True)]
    merged = [[item for groups in per_layer for item in groups[k]] for k in range(len(spec.sections))]
    return _lay_out(spec, merged, rng)


def shown_letters(order: Sequence[int]) -> dict[str, str]:
    """Map a shown option letter to the bank's original letter for one paper item (A shown → C in the bank …)."""
    letters = "ABCDEFGH"
    return {letters[pos]: letters[orig] for pos, orig in enumerate(order)}
