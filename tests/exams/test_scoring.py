"""Grading is pure: property-based tests on random papers, keys and responses."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exam_platform.exams import scoring
from exam_platform.exams.scoring import LETTERS, BadResponse, grade, normalise_response, shown_key, to_original


@st.composite
def papers(draw):
    """(items, keys, option texts) — a random paper with shuffled option orders and keys in bank letters."""
    n = draw(st.integers(1, 25))
    items, keys = [], {}
    for vid in range(1, n + 1):
        qtype = draw(st.sampled_from(["true_false", "single", "multiple"]))
        points = draw(st.integers(1, 3))
        if qtype == "true_false":
            order, key = [], draw(st.booleans())
        else:
            count = draw(st.integers(2 if qtype == "single" else 3, 6))
            order = draw(st.permutations(list(range(count))))
            if qtype == "single":
                key = LETTERS[draw(st.integers(0, count - 1))]
            else:
                key = sorted(draw(st.sets(st.sampled_from(LETTERS[:count]), min_size=2, max_size=count)))
        items.append({"version_id": vid, "type": qtype, "points": points, "order": list(order)})
        keys[vid] = key
    return items, keys


def exact_responses(items, keys):
    """The responses a perfect candidate gives, in SHOWN letters."""
    return {pos: shown_key(item["type"], item["order"], keys[item["version_id"]])
            for pos, item in enumerate(items, start=1)}


def random_responses(items, rnd: random.Random):
    out = {}
    for pos, item in enumerate(items, start=1):
        if rnd.random() < 0.2:
            continue
        if item["type"] == "true_false":
            out[pos] = rnd.random() < 0.5
        elif item["type"] == "single":
            out[pos] = LETTERS[rnd.randrange(len(item["order"]))]
        else:
            k = rnd.randint(1, len(item["order"]))
            out[pos] = sorted(rnd.sample(LETTERS[: len(item["order"])], k))
    return out


@given(papers(), st.integers(0, 10**6), st.booleans())
@settings(max_examples=150, deadline=None)
def test_score_is_bounded_and_matches_earned_points(paper, seed, partial):
    items, keys = paper
    g = grade(items, keys, random_responses(items, random.Random(seed)), partial_credit=partial)
    assert 0 <= g.score <= 100
    assert g.total == sum(i["points"] for i in items)
    assert 0 <= g.earned <= g.total
    assert g.score == pytest.approx(round(100 * g.earned / g.total, 2))
    assert all(0 <= ig.earned <= ig.points for ig in g.items)


@given(papers(), st.booleans())
@settings(max_examples=150, deadline=None)
def test_the_exact_key_in_shown_letters_gets_full_marks(paper, partial):
    items, keys = paper
    g = grade(items, keys, exact_responses(items, keys), partial_credit=partial)
    assert g.score == 100
    assert all(ig.correct for ig in g.items)


@given(papers(), st.integers(0, 10**6))
@settings(max_examples=100, deadline=None)
def test_no_answers_score_zero(paper, seed):
    items, keys = paper
    assert grade(items, keys, {}).score == 0
    assert grade(items, keys, {p: None for p in range(1, len(items) + 1)}).score == 0


@given(papers(), st.integers(0, 10**6), st.booleans())
@settings(max_examples=100, deadline=None)
def test_reshuffling_options_with_the_responses_changes_nothing(paper, seed, partial):
    """Permutation invariance: show the options in another order, and translate the responses accordingly."""
    items, keys = paper
    rnd = random.Random(seed)
    responses = random_responses(items, rnd)
    before = grade(items, keys, responses, partial_credit=partial)
    new_items, new_responses = [], {}
    for pos, item in enumerate(items, start=1):
        order = list(item["order"])
        new_order = order[:]
        rnd.shuffle(new_order)
        new_items.append({**item, "order": new_order})
        if pos in responses:
            r = responses[pos]
            # shown letter → original letter under the old order → shown letter under the new order
            back = {LETTERS[orig]: LETTERS[p] for p, orig in enumerate(new_order)}
            if item["type"] == "true_false":
                new_responses[pos] = r
            elif item["type"] == "single":
                new_responses[pos] = back[to_original(r, order)]
            else:
                new_responses[pos] = sorted(back[x] for x in to_original(r, order))
    after = grade(new_items, keys, new_responses, partial_credit=partial)
    assert after.score == before.score
    assert [i.correct for i in after.items] == [i.correct for i in before.items]


def reference_grade(items, keys, responses, partial):
    """An independent, deliberately naive re-implementation (works on shown letters → original via order)."""
    total = earned = 0.0
    for pos, item in enumerate(items, start=1):
        pts = item["points"]
        total += pts
        r, key = responses.get(pos), keys[item["version_id"]]
        if r is None:
            continue
        if item["type"] == "true_false":
            earned += pts if r == key else 0
            continue
        orig = lambda letter: "ABCDEFGH"[item["order"]["ABCDEFGH".index(letter)]]  # noqa: E731
        if item["type"] == "single":
            earned += pts if orig(r) == key else 0
            continue
        chosen = {orig(x) for x in r}
        if chosen == set(key):
            earned += pts
        elif partial and chosen and chosen.issubset(set(key)):
            earned += pts * len(chosen) / len(key)
    return round(100 * earned / total, 2)


@given(papers(), st.integers(0, 10**6), st.booleans())
@settings(max_examples=150, deadline=None)
def test_independent_regrading_agrees(paper, seed, partial):
    items, keys = paper
    responses = random_responses(items, random.Random(seed))
    assert grade(items, keys, responses, partial_credit=partial).score == pytest.approx(
        reference_grade(items, keys, responses, partial))


def test_multiple_choice_without_partial_credit_needs_the_exact_set():
    items = [{"version_id": 1, "type": "multiple", "points": 2, "order": [0, 1, 2, 3]}]
    keys = {1: ["A", "C"]}
    assert grade(items, keys, {1: ["A"]}).score == 0            # 少选不得分
    assert grade(items, keys, {1: ["A", "B", "C"]}).score == 0  # 错选不得分
    assert grade(items, keys, {1: ["C", "A"]}).score == 100
    assert grade(items, keys, {1: ["A"]}, partial_credit=True).score == 50
    assert grade(items, keys, {1: ["A", "B"]}, partial_credit=True).score == 0


def test_shown_letters_are_mapped_back_through_the_paper_order():
    # order[i] = original index shown at i: shown A is the bank's C.
    items = [{"version_id": 1, "type": "single", "points": 1, "order": [2, 0, 1, 3]}]
    assert grade(items, {1: "C"}, {1: "A"}).score == 100
    assert grade(items, {1: "C"}, {1: "C"}).score == 0


def test_layout_and_response_validation():
    items = [{"version_id": 1, "type": "true_false", "points": 1, "order": []},
             {"version_id": 2, "type": "single", "points": 1, "order": [1, 0, 2, 3]},
             {"version_id": 3, "type": "multiple", "points": 1, "order": [4, 3, 2, 1, 0]}]
    layout = scoring.layout_of(items, {})
    assert layout == "T S4 M5"
    tokens = layout.split()
    assert normalise_response(tokens[0], True) is True
    assert normalise_response(tokens[1], "D") == "D"
    assert normalise_response(tokens[2], ["E", "A", "A"]) == ["A", "E"]
    assert normalise_response(tokens[2], []) is None
    for token, bad in [(tokens[0], "true"), (tokens[1], "E"), (tokens[1], ["A"]), (tokens[2], ["F"]),
                       (tokens[2], "A"), (tokens[1], 1)]:
        with pytest.raises(BadResponse):
            normalise_response(token, bad)


# ---- case questions (案例分析): one position per part, graded per part -----------------------------------------

@st.composite
def case_papers(draw):
    """A paper of case questions laid out as parts (as banks.paper does), their keys and some responses."""
    items, keys, responses = [], {}, {}
    for vid in range(1, draw(st.integers(1, 4)) + 1):
        answers = []
        for part in range(draw(st.integers(1, 5))):
            qtype = draw(st.sampled_from(["true_false", "single", "multiple"]))
            n = 0 if qtype == "true_false" else draw(st.integers(3, 6))
            order = draw(st.permutations(range(n))) if n else []
            if qtype == "true_false":
                key = draw(st.booleans())
            elif qtype == "single":
                key = LETTERS[draw(st.integers(0, n - 1))]
            else:
                key = sorted(draw(st.sets(st.sampled_from(LETTERS[:n]), min_size=2)))
            answers.append(key)
            items.append({"version_id": vid, "type": qtype, "points": draw(st.integers(1, 6)), "order": list(order),
                          "part": part})
            pos = len(items)
            if draw(st.booleans()):
                responses[pos] = shown_key(qtype, order, key)  # right
            elif draw(st.booleans()):
                responses[pos] = (not key) if qtype == "true_false" else [] if qtype == "multiple" else "Z"
        keys[vid] = answers
    return items, keys, responses


@settings(max_examples=150, deadline=None)
@given(case_papers())
def test_a_case_is_graded_part_by_part_with_each_parts_points(paper):
    items, keys, responses = paper
    graded = grade(items, keys, responses)
    expected = 0.0
    for pos, item in enumerate(items, start=1):
        part_key = keys[item["version_id"]][item["part"]]
        ok, earned = scoring.grade_item(item["type"], item["points"], item["order"], part_key, responses.get(pos),
                                        False)
        assert graded.items[pos - 1].earned == earned
        expected += earned
        if pos in responses and responses[pos] == shown_key(item["type"], item["order"], part_key):
            assert ok and earned == item["points"]
    assert graded.earned == expected and graded.total == sum(i["points"] for i in items)


def test_a_part_of_a_case_whose_key_is_missing_earns_nothing():
    item = {"version_id": 1, "type": "single", "points": 3, "order": [0, 1], "part": 2}
    assert scoring.key_of(item, {1: ["A", "B"]}) is None
    assert grade([item], {1: ["A", "B"]}, {1: "A"}).earned == 0
