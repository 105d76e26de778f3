"""Paper drawing (pure): counts, no duplicates, points, key follows the shuffle, reachability, exposure."""

import random
from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exam_platform.banks.paper import (
    InsufficientPool,
    PoolIndex,
    PoolItem,
    Section,
    Spec,
    draw,
    problems,
    shown_letters,
)

TOPICS = ["触电急救", "电气防火", "安全用具", "法律法规", "低压电器", "接地", "防雷", "线路"]


@st.composite
def pools(draw_, min_per_type=30):
    items = []
    vid = 0
    for qtype, n_opts in (("true_false", 0), ("single", 4), ("multiple", 5)):
        n = draw_(st.integers(min_value=min_per_type, max_value=min_per_type + 60))
        for _ in range(n):
            vid += 1
            items.append(PoolItem(vid, qtype, draw_(st.sampled_from(TOPICS)), draw_(st.integers(1, 5)), n_opts))
    return items


specs = st.builds(
    lambda tf, sc, mc: Spec((Section("true_false", tf, 1), Section("single", sc, 1), Section("multiple", mc, 2))),
    st.integers(1, 30), st.integers(1, 30), st.integers(1, 15))


@settings(max_examples=60, deadline=None)
@given(pools(), specs, st.integers(0, 2**32))
def test_a_draw_has_the_right_counts_points_and_no_duplicates(pool, spec, seed):
    paper = draw(spec, PoolIndex(pool), random.Random(seed))
    assert len(paper) == spec.question_count
    assert len({p.version_id for p in paper}) == len(paper)
    assert sum(p.points for p in paper) == spec.total_points
    by_id = {i.version_id: i for i in pool}
    offset = 0
    for section in spec.sections:
        block = paper[offset: offset + section.count]
        assert all(p.type == section.type == by_id[p.version_id].type for p in block)
        offset += section.count


@settings(max_examples=60, deadline=None)
@given(pools(), specs, st.integers(0, 2**32))
def test_the_option_order_is_a_permutation_and_the_key_follows_it(pool, spec, seed):
    by_id = {i.version_id: i for i in pool}
    for item in draw(spec, PoolIndex(pool), random.Random(seed)):
        n = by_id[item.version_id].option_count
        if item.type == "true_false":
            assert item.order == ()
            continue
        assert sorted(item.order) == list(range(n))
        mapping = shown_letters(item.order)
        # The correct original option, wherever it is shown, maps back to itself.
        for shown, original in mapping.items():
            assert "ABCDEFGH".index(original) == item.order["ABCDEFGH".index(shown)]


@settings(max_examples=30, deadline=None)
@given(pools(), specs, st.integers(0, 2**32))
def test_the_same_seed_gives_the_same_paper(pool, spec, seed):
    index = PoolIndex(pool)
    assert draw(spec, index, random.Random(seed)) == draw(spec, index, random.Random(seed))


@settings(max_examples=40, deadline=None)
@given(pools(min_per_type=40), st.integers(0, 2**32), st.dictionaries(st.sampled_from(TOPICS), st.integers(1, 3),
                                                                      max_size=3))
def test_topic_quotas_are_met(pool, seed, quotas):
    spec = Spec((Section("true_false", 20, 2), Section("single", 20, 2), Section("multiple", 10, 2)), quotas)
    index = PoolIndex(pool)
    if problems(spec, index):
        with pytest.raises(InsufficientPool):
            draw(spec, index, random.Random(seed))
        return
    paper = draw(spec, index, random.Random(seed))
    topics = Counter(next(i.topic for i in pool if i.version_id == p.version_id) for p in paper)
    for topic, quota in quotas.items():
        assert topics[topic] >= quota


def test_difficulty_mix_is_followed_when_the_pool_allows():
    pool = [PoolItem(i, "single", TOPICS[i % 8], 1 + i % 5, 4) for i in range(1, 501)]
    spec = Spec((Section("single", 100, 1),), difficulty_mix={1: 0.1, 2: 0.2, 3: 0.4, 4: 0.2, 5: 0.1})
    paper = draw(spec, PoolIndex(pool), random.Random(7))
    levels = Counter(1 + p.version_id % 5 for p in paper)  # difficulty = 1 + i % 5 with i = version_id
    assert levels == {1: 10, 2: 20, 3: 40, 4: 20, 5: 10}


def test_every_active_question_is_reachable_and_exposure_is_close_to_uniform():
    pool = [PoolItem(i, "true_false", TOPICS[i % 8], 2) for i in range(1, 101)]
    spec = Spec((Section("true_false", 20, 5),))
    index = PoolIndex(pool)
    rng = random.Random(2026)
    seen = Counter()
    draws = 2000
    for _ in range(draws):
        seen.update(p.version_id for p in draw(spec, index, rng))
    assert set(seen) == {i.version_id for i in pool}
    expected = draws * 20 / 100  # 400
    # Binomial sd ≈ 17.9; 6 sd either side would fail about once in 10^7 runs per question.
    assert all(abs(n - expected) < 110 for n in seen.values()), seen.most_common(3)


def test_an_insufficient_pool_says_which_stratum():
    pool = [PoolItem(i, "single", "线路", 2, 4) for i in range(1, 11)]
    spec = Spec((Section("true_false", 5, 10), Section("single", 20, 2)))
    found = problems(spec, PoolIndex(pool))
    assert any("判断题需要 5 道" in p for p in found)
    assert any("单选题需要 20 道，题库只有 10 道" in p for p in found)
    with pytest.raises(InsufficientPool):
        draw(spec, PoolIndex(pool), random.Random(1))


@st.composite
def dated_pools(draw_):
    """A pool where some questions state a rule: valid only between two days around 2026-06-01."""
    days = st.one_of(st.none(), st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)))
    items = []
    for vid, item in enumerate(draw_(pools()), start=1):
        start, end = draw_(days), draw_(days)
        if start and end and end < start:
            start, end = end, start
        items.append(PoolItem(vid, item.type, item.topic, item.difficulty, item.option_count, start, end))
    return items


@settings(max_examples=60, deadline=None)
@given(dated_pools(), st.dates(min_value=date(2026, 1, 1),
                               max_value=date(2026, 12, 31)),
       st.integers(0, 2**32))
def test_a_paper_never_carries_a_question_outside_its_validity_on_the_exam_date(pool, day, seed):
    spec = Spec((Section("true_false", 3, 1), Section("single", 3, 1)))
    index = PoolIndex(pool).on(day)
    by_id = {i.version_id: i for i in pool}
    try:
        paper = draw(spec, index, random.Random(seed))
    except InsufficientPool:
        assert problems(spec, index)
        return
    assert all(by_id[p.version_id].valid_on(day) for p in paper)
    assert {i.version_id for i in index.items} == {i.version_id for i in pool if i.valid_on(day)}


# ---- case questions --------------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(["true_false", "single", "multiple"]), st.integers(1, 5)),
                         min_size=1, max_size=4), min_size=3, max_size=12), st.integers(0, 2**32))
def test_a_case_is_one_item_of_its_section_and_becomes_adjacent_parts(shapes, seed):
    from exam_platform.banks.paper import PoolIndex, PoolItem, Spec, draw

    cases = [PoolItem(1000 + n, "case", "案例", 3, 0, None, None,
                      tuple((t, 0 if t == "true_false" else 4, p) for t, p in parts)) for n, parts in enumerate(shapes)]
    points = cases[0].points
    eligible = [c for c in cases if c.points == points]
    others = [PoolItem(i, "true_false", "通用", 2) for i in range(1, 11)]
    spec = Spec.from_blueprint([{"type": "true_false", "count": 5, "points": 1},
                                {"type": "case", "count": 1, "points": points}])
    paper = draw(spec, PoolIndex(others + cases), random.Random(seed))
    assert [i.type for i in paper[:5]] == ["true_false"] * 5 and all(i.part is None for i in paper[:5])
    case_items = paper[5:]
    (vid,) = {i.version_id for i in case_items}
    case = next(c for c in eligible if c.version_id == vid)
    assert [i.part for i in case_items] == list(range(len(case.parts)))
    assert [(i.type, i.points) for i in case_items] == [(t, p) for t, _n, p in case.parts]
    assert all(sorted(i.order) == list(range(n)) for i, (_t, n, _p) in zip(case_items, case.parts, strict=True)
               if n)
