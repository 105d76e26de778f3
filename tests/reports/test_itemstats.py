"""Item analysis (pure): every figure against a straightforward reference computation on generated data,
the classical formulas on fixed forms, and a planted bad question."""

from __future__ import annotations

import math
import statistics

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from exam_platform.reports.itemstats import (
    FLAG_LOW,
    FLAG_NEGATIVE,
    FLAG_OVER_EXPOSED,
    FLAG_TOO_EASY,
    FLAG_TOO_HARD,
    Responses,
    Thresholds,
    analyse,
    describe_scores,
    key_mask,
    letters_mask,
    response_mask,
    score_bins,
)

# ---- reference: the definitions written out with loops ----------------------------------------------


def pearson(xs, ys):
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx / n <= 1e-12 or syy / n <= 1e-12:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)


def reference(rows: list[tuple]) -> tuple[dict, dict]:
    """rows: (attempt, version, qtype, picked, key, points)."""
    by_attempt: dict[int, list[tuple]] = {}
    for r in rows:
        by_attempt.setdefault(r[0], []).append(r)
    total = {a: sum(r[5] for r in rs if r[3] == r[4] and r[4]) for a, rs in by_attempt.items()}
    paper = {a: sum(r[5] for r in rs) for a, rs in by_attempt.items()}
    pct = {a: 100 * total[a] / paper[a] if paper[a] else 0.0 for a in by_attempt}
    versions = sorted({r[1] for r in rows})
    items = {}
    for v in versions:
        seen = [r for r in rows if r[1] == v]
        xs = [1.0 if (r[3] == r[4] and r[4]) else 0.0 for r in seen]
        rests = []
        for r, x in zip(seen, xs, strict=True):
            rest_max = paper[r[0]] - r[5]
            rests.append((total[r[0]] - r[5] * x) / rest_max if rest_max > 0 else 0.0)
        n = len(seen)
        ranked = sorted(zip(seen, xs, strict=True), key=lambda t: (pct[t[0][0]], t[0][0]))
        g = math.floor(0.27 * n + 0.5)
        if g:
            lower = sum(x for _r, x in ranked[:g]) / g
            upper = sum(x for _r, x in ranked[n - g:]) / g
        else:
            lower = upper = None
        counts = [sum(1 for r in seen if r[3] >> b & 1) for b in range(8)]
        items[v] = {"n": n, "p": sum(xs) / n, "rpb": pearson(xs, rests), "upper": upper, "lower": lower,
                    "D": None if g == 0 else upper - lower, "counts": counts,
                    "omitted": sum(1 for r in seen if r[3] == 0)}
    # KR-20 on random forms: mean over attempts of Σ p q on its paper.
    nc = {a: sum(1 for r in rs if r[3] == r[4] and r[4]) for a, rs in by_attempt.items()}
    k = sum(len(rs) for rs in by_attempt.values()) / len(by_attempt)
    var_x = statistics.pvariance(list(nc.values()))
    mean_pq = sum(sum(items[r[1]]["p"] * (1 - items[r[1]]["p"]) for r in rs) for rs in by_attempt.values()) / len(
        by_attempt)
    kr20 = k / (k - 1) * (1 - mean_pq / var_x) if k > 1 and var_x > 1e-12 and len(by_attempt) > 1 else None
    values = list(pct.values())
    test = {"mean": statistics.fmean(values), "sd": statistics.stdev(values) if len(values) > 1 else None,
            "kr20": kr20, "dist": [sum(1 for s in values if min(int(round(s, 6) // 10), 9) == b) for b in range(10)]}
    return items, test


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@st.composite
def datasets(draw):
    n_versions = draw(st.integers(1, 10))
    vinfo = {}
    for v in range(1, n_versions + 1):
        qtype = draw(st.sampled_from([0, 1, 2]))
        n_opts = 2 if qtype == 0 else draw(st.integers(2, 5))
        if qtype == 2:
            key = draw(st.integers(1, (1 << n_opts) - 1))
        else:
            key = 1 << draw(st.integers(0, n_opts - 1))
        vinfo[v] = (qtype, n_opts, key, draw(st.integers(1, 3)))
    rows = []
    for a in draw(st.lists(st.integers(1, 10_000), min_size=1, max_size=25, unique=True)):
        seen = draw(st.lists(st.sampled_from(sorted(vinfo)), min_size=1, max_size=n_versions, unique=True))
        for v in seen:
            qtype, n_opts, key, points = vinfo[v]
            picked = draw(st.one_of(st.just(key), st.integers(0, (1 << n_opts) - 1)))
            rows.append((a, v, qtype, picked, key, points))
    return rows


@settings(max_examples=150, deadline=None)
@given(datasets())
def test_every_figure_matches_the_reference_computation(rows):
    result = analyse(Responses.from_rows(rows))
    ref_items, ref_test = reference(rows)
    assert set(result.items) == set(ref_items)
    for v, ref in ref_items.items():
        got = result.items[v]
        assert got.exposure == ref["n"]
        assert close(got.facility, ref["p"])
        assert close(got.point_biserial, ref["rpb"]), (got.point_biserial, ref["rpb"])
        assert close(got.upper_facility, ref["upper"]) and close(got.lower_facility, ref["lower"])
        assert close(got.discrimination, ref["D"])
        assert list(got.option_counts) == ref["counts"]
        assert got.omitted == ref["omitted"]
    assert close(result.test.mean, ref_test["mean"])
    assert close(result.test.sd, ref_test["sd"])
    assert close(result.test.kr20, ref_test["kr20"])
    assert list(result.test.distribution) == ref_test["dist"]
    assert result.test.attempts == len({r[0] for r in rows})


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 40), st.integers(2, 12), st.integers(0, 2**32 - 1))
def test_fixed_form_kr20_and_point_biserial_match_the_classical_numpy_formulas(n_people, k, seed):
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=n_people)
    matrix = (rng.normal(size=(n_people, k)) + ability[:, None] > 0).astype(float)  # people × items, all see all
    rows = [(a + 1, j + 1, 0, 1 if matrix[a, j] else 2, 1, 1) for a in range(n_people) for j in range(k)]
    result = analyse(Responses.from_rows(rows))
    totals = matrix.sum(axis=1)
    p = matrix.mean(axis=0)
    var_total = totals.var()
    classical = k / (k - 1) * (1 - (p * (1 - p)).sum() / var_total) if var_total > 1e-12 else None
    assert close(result.test.kr20, classical)
    for j in range(k):
        rest = (totals - matrix[:, j]) / (k - 1)
        if matrix[:, j].std() > 1e-9 and rest.std() > 1e-9:
            expected = float(np.corrcoef(matrix[:, j], rest)[0, 1])
            assert close(result.items[j + 1].point_biserial, expected)
        else:
            assert result.items[j + 1].point_biserial is None


@settings(max_examples=80, deadline=None)
@given(datasets())
def test_invariants(rows):
    result = analyse(Responses.from_rows(rows))
    n_att = len({r[0] for r in rows})
    assert sum(result.test.distribution) == n_att
    for s in result.items.values():
        assert 0 <= s.facility <= 1 and 0 < s.exposure <= n_att
        assert s.point_biserial is None or -1 - 1e-9 <= s.point_biserial <= 1 + 1e-9
        assert s.discrimination is None or -1 <= s.discrimination <= 1
        assert s.omitted <= s.exposure and sum(s.option_counts) >= s.exposure - s.omitted
    # Row order does not matter.
    shuffled = analyse(Responses.from_rows(list(reversed(rows))))
    for v, s in shuffled.items.items():
        assert close(s.point_biserial, result.items[v].point_biserial)
        assert s.discrimination == result.items[v].discrimination


def _simulated_exam(seed: int = 3, people: int = 400, items: int = 40, bad: int = 7):
    """A fixed 40-question form; question ``bad`` has the wrong key in the bank: strong candidates pick the true
    answer (option B) and are marked wrong, weak ones guess and sometimes 'match' the wrong key (option A)."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=people)
    difficulty = rng.normal(scale=0.8, size=items)
    rows = []
    for a in range(people):
        for j in range(items):
            knows = rng.random() < 1 / (1 + np.exp(-1.7 * (ability[a] - difficulty[j])))
            if j == bad:
                picked = 2 if knows else 1 << int(rng.integers(0, 4))  # truth is B; bank key says A
                key = 1
            else:
                key = 1 << (j % 4)
                picked = key if knows else 1 << int(rng.integers(0, 4))
            rows.append((a + 1, j + 1, 1, picked, key, 1))
    return rows


def test_a_planted_wrong_key_is_flagged_negative_discrimination():
    result = analyse(Responses.from_rows(_simulated_exam(bad=7)))
    bad = result.items[8]
    assert bad.point_biserial < 0 and bad.discrimination < 0
    assert FLAG_NEGATIVE in bad.flags
    assert [s.version_id for s in result.flagged(FLAG_NEGATIVE)] == [8]
    # The option picks (original letters) show where the strong candidates went: B, not the keyed A.
    assert bad.option_counts[1] > bad.option_counts[0]


def test_flags_for_easy_hard_low_and_over_exposed_items():
    rng = np.random.default_rng(5)
    rows = []
    for a in range(1, 101):
        ability = rng.normal()
        good = rng.random() < 1 / (1 + np.exp(-2 * ability))
        rows.append((a, 1, 0, 1, 1, 1))                                  # everyone right → too easy
        rows.append((a, 2, 0, 2, 1, 1))                                  # everyone wrong → too hard
        rows.append((a, 3, 0, 1 if rng.random() < 0.5 else 2, 1, 1))     # coin flip → low discrimination (likely)
        for j in range(4, 24):                                           # a body of items that track ability
            rows.append((a, j, 0, 1 if (good or rng.random() < 0.3) else 2, 1, 1))
        if a % 2 == 0:
            rows.append((a, 100 + a % 40, 1, 1, 1, 1))  # a rarely seen type… and one that everyone sees
        rows.append((a, 500, 1, 1 if good else 2, 1, 1))
    for a in range(1, 101):  # make item 600 of type single seen far more than its siblings
        rows.append((a, 600, 1, 1, 1, 1))
    result = analyse(Responses.from_rows(rows), thresholds=Thresholds(min_exposure=30))
    assert FLAG_TOO_EASY in result.items[1].flags
    assert FLAG_TOO_HARD in result.items[2].flags
    assert result.items[1].point_biserial is None  # no variance, no correlation, no discrimination flag
    assert FLAG_OVER_EXPOSED in result.items[600].flags
    assert FLAG_OVER_EXPOSED not in result.items[100].flags
    rpb3 = result.items[3].point_biserial
    assert (FLAG_LOW in result.items[3].flags) == (0 <= rpb3 < 0.2)
    # Under the sample minimum no statistical flag is raised.
    few = analyse(Responses.from_rows([r for r in rows if r[0] <= 10]))
    assert all(not (set(s.flags) - {FLAG_OVER_EXPOSED}) for s in few.items.values())


def test_response_encoding_maps_shown_letters_back_to_the_bank_order():
    order = [2, 0, 3, 1]  # shown A = original C, shown B = original A, …
    assert response_mask("single", "A", order) == letters_mask("C")
    assert response_mask("multiple", ["B", "D"], order) == letters_mask("AB")
    assert response_mask("single", None, order) == 0
    assert response_mask("single", "Z", order) == 0
    assert response_mask("true_false", False, []) == 2 and key_mask("true_false", True) == 1
    assert key_mask("multiple", ["A", "C"]) == 0b101 and key_mask("single", "B") == 0b10


def test_score_bins_and_describe_scores():
    assert list(score_bins(np.array([0, 9.99, 9.9999999, 10, 79.9999999999, 80, 100]))) == [0, 0, 1, 1, 8, 8, 9]
    stat = describe_scores([60, 80, 100], pass_mark=80)
    assert stat.mean == 80 and stat.sd == 20 and stat.passed == 2 and stat.distribution[9] == 1
    assert describe_scores([]).mean is None


def test_empty_input():
    result = analyse(Responses.from_rows([]))
    assert result.items == {} and result.test.attempts == 0
