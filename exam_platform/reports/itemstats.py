"""Item analysis (试题分析): classical test theory figures for question versions and whole tests. Pure (numpy only).

Input is long-format: one row per (attempt, question version on that attempt's paper). Papers are drawn at random
from a pool, so every attempt sees a different subset of versions; every per-item figure is computed over the
attempts that saw the item, and every per-test figure over the attempts of the group the caller chose (one
sitting, one blueprint).

Definitions (docs/statistics.md repeats them for readers):

- exposure ``n``: attempts that saw the version; exposure rate = n / attempts in the group.
- facility ``p``: share of those attempts that answered exactly right (the full key, nothing else).
- point-biserial ``r_pb``: Pearson correlation between "correct" (0/1) and the rest-score over the attempts that
  saw the item. The rest-score is the attempt's score without this item, as a share of the paper's points without
  this item (so papers of different blueprints compare; within one blueprint it is the raw rest-score up to a
  constant). ``None`` when either side has no variance.
- discrimination index ``D`` (Kelley's upper/lower 27 %): among the attempts that saw the item, ranked by total
  score (ties: lower attempt id ranks lower), ``g = round_half_up(0.27 n)`` lowest and ``g`` highest;
  ``D = p_upper − p_lower``. ``None`` when ``g = 0``.
- option picks: how often each ORIGINAL option letter (bank order, not the shuffled letter shown) was picked;
  true/false questions count 对 as "A" and 错 as "B"; ``omitted`` counts attempts with no answer.
- flags: too easy (p > 0.9), too hard (p < 0.2), negative discrimination (r_pb < 0), low discrimination
  (0 ≤ r_pb < 0.2), each only from ``min_exposure`` attempts on; over-exposed: exposure rate above
  ``exposure_ratio`` × the mean exposure rate of versions of the same type in the group, or above
  ``max_exposure_rate``.
- test: mean, sample SD and distribution (ten 10-point bins, the last one 90–100 inclusive) of the percent score;
  KR-20 on number-correct, generalised to random forms: ``k/(k−1) · (1 − mean_a Σ_{j∈paper(a)} p_j q_j / σ²_X)``
  with k the mean number of items per attempt and σ²_X the population variance of number-correct; on a fixed
  form this is exactly the classical KR-20.

Everything is vectorised (``np.bincount`` over the rows, one ``lexsort`` for the 27 % groups): 10,000 attempts ×
100 items (a million rows) take well under two seconds on one core (bench/itemstats_bench.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

LETTERS = "ABCDEFGH"
TYPE_CODES = {"true_false": 0, "single": 1, "multiple": 2}
TYPE_NAMES = {v: k for k, v in TYPE_CODES.items()}
MAX_OPTIONS = len(LETTERS)
_VAR_EPS = 1e-12  # variances below this are treated as zero (rest-scores are shares in [0, 1])

FLAG_TOO_EASY = "too_easy"
FLAG_TOO_HARD = "too_hard"
FLAG_NEGATIVE = "negative_discrimination"
FLAG_LOW = "low_discrimination"
FLAG_OVER_EXPOSED = "over_exposed"
FLAGS = (FLAG_TOO_EASY, FLAG_TOO_HARD, FLAG_NEGATIVE, FLAG_LOW, FLAG_OVER_EXPOSED)


@dataclass(frozen=True)
class Thresholds:
    """Where a figure becomes a flag (statistical conventions, not regulatory rules)."""

    easy: float = 0.9
    hard: float = 0.2
    low_discrimination: float = 0.2
    exposure_ratio: float = 1.5
    max_exposure_rate: float = 0.8
    min_exposure: int = 30

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> Thresholds:
        values = dict(values or {})
        return cls(**{k: type(getattr(cls, k))(v) for k, v in values.items() if k in cls.__dataclass_fields__})


# ---- encoding responses ----------------------------------------------------------------------------

def letters_mask(letters: Iterable[str] | str) -> int:
    """Bit i set for letter i (A = bit 0)."""
    mask = 0
    for letter in letters:  # a string is its letters: "AC"
        i = LETTERS.find(str(letter).upper()) if isinstance(letter, str) and len(letter) == 1 else -1
        if i >= 0:
            mask |= 1 << i
    return mask


def mask_letters(mask: int) -> str:
    return "".join(LETTERS[i] for i in range(MAX_OPTIONS) if mask >> i & 1)


def key_mask(qtype: str, answer: Any) -> int:
    """The bank's key as a bitmask of original options (true/false: 对 = A, 错 = B)."""
    if qtype == "true_false":
        return 1 if answer is True else 2 if answer is False else 0
    return letters_mask(answer if isinstance(answer, list | tuple) else [answer])


def response_mask(qtype: str, response: Any, order: Sequence[int] | None) -> int:
    """A saved response (in the letters the candidate was SHOWN) as a bitmask of ORIGINAL options.

    ``order[i]`` is the original option index shown at position ``i`` (``banks.paper.PaperItem.order``).
    No answer, or anything unreadable, is 0.
    """
    if qtype == "true_false":
        return 1 if response is True else 2 if response is False else 0
    if response is None or response == "" or response == []:
        return 0
    shown = response if isinstance(response, list | tuple) else [response]
    mask = 0
    for letter in shown:
        pos = LETTERS.find(str(letter).upper()) if isinstance(letter, str) and len(letter) == 1 else -1
        if pos < 0:
            continue
        original = order[pos] if order and pos < len(order) else (pos if not order else -1)
        if original >= 0:
            mask |= 1 << original
    return mask


@dataclass(frozen=True)
class Responses:
    """Long-format rows: ``attempt`` and ``version`` ids, ``qtype`` code, ``picked`` and ``key`` masks, ``points``
    (the item's worth on that paper) and optionally ``earned`` (points scored; default: all or nothing)."""

    attempt: np.ndarray
    version: np.ndarray
    qtype: np.ndarray
    picked: np.ndarray
    key: np.ndarray
    points: np.ndarray
    earned: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.attempt)
        for name in ("version", "qtype", "picked", "key", "points"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"column {name} has {len(getattr(self, name))} rows, attempt has {n}")
        if self.earned is not None and len(self.earned) != n:
            raise ValueError("column earned has the wrong length")

    def __len__(self) -> int:
        return len(self.attempt)

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence]) -> Responses:
        """From tuples ``(attempt_id, version_id, qtype_code, picked_mask, key_mask, points[, earned])``."""
        rows = list(rows)
        cols = list(zip(*rows, strict=True)) if rows else [()] * 6
        earned = np.asarray(cols[6], dtype=np.float64) if len(cols) > 6 else None
        return cls(attempt=np.asarray(cols[0], dtype=np.int64), version=np.asarray(cols[1], dtype=np.int64),
                   qtype=np.asarray(cols[2], dtype=np.int8), picked=np.asarray(cols[3], dtype=np.int64),
                   key=np.asarray(cols[4], dtype=np.int64), points=np.asarray(cols[5], dtype=np.float64),
                   earned=earned)


# ---- results ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemStat:
    version_id: int
    qtype: str
    exposure: int
    exposure_rate: float
    facility: float
    point_biserial: float | None
    discrimination: float | None
    upper_facility: float | None
    lower_facility: float | None
    option_counts: tuple[int, ...]
    omitted: int
    flags: tuple[str, ...]

    def option_share(self, index: int) -> float:
        return self.option_counts[index] / self.exposure if self.exposure else 0.0


@dataclass(frozen=True)
class TestStat:
    attempts: int
    items_per_attempt: float
    mean: float | None
    sd: float | None
    minimum: float | None
    maximum: float | None
    distribution: tuple[int, ...]  # counts in [0,10), [10,20) … [90,100]
    kr20: float | None
    passed: int | None = None

    @property
    def pass_rate(self) -> float | None:
        return None if self.passed is None or not self.attempts else self.passed / self.attempts


@dataclass(frozen=True)
class Analysis:
    items: dict[int, ItemStat] = field(default_factory=dict)
    test: TestStat = field(default_factory=lambda: TestStat(0, 0.0, None, None, None, None, (0,) * 10, None))

    def flagged(self, flag: str) -> list[ItemStat]:
        return [s for s in self.items.values() if flag in s.flags]


BINS = tuple(f"{lo}–{lo + 9}" if lo < 90 else "90–100" for lo in range(0, 100, 10))


def score_bins(percent: np.ndarray) -> np.ndarray:
    """Bin index 0–9 of percent scores (rounded to 1e-6 first, so 79.9999999 from float sums lands in 70–79
    only when it really is below 80)."""
    rounded = np.round(np.asarray(percent, dtype=np.float64), 6)
    return np.clip(np.floor(rounded / 10).astype(np.int64), 0, 9)


# ---- the analysis ----------------------------------------------------------------------------------

def analyse(rows: Responses, *, thresholds: Thresholds | None = None, pass_mark: float | None = None) -> Analysis:
    """Item and test statistics for the attempts in ``rows``."""
    th = thresholds or Thresholds()
    if len(rows) == 0:
        return Analysis()
    attempts, a_idx = np.unique(rows.attempt, return_inverse=True)
    versions, v_idx = np.unique(rows.version, return_inverse=True)
    n_att, n_ver = len(attempts), len(versions)
    picked = rows.picked.astype(np.int64)
    correct = (picked == rows.key) & (rows.key != 0)
    x = correct.astype(np.float64)
    points = rows.points.astype(np.float64)
    earned = rows.earned.astype(np.float64) if rows.earned is not None else points * x

    # Per attempt: score, paper points, number correct, items seen.
    total = np.bincount(a_idx, earned, n_att)
    paper = np.bincount(a_idx, points, n_att)
    number_correct = np.bincount(a_idx, x, n_att)
    k_items = np.bincount(a_idx, minlength=n_att).astype(np.float64)
    percent = np.divide(100.0 * total, paper, out=np.zeros(n_att), where=paper > 0)

    # Per item: exposure and facility.
    n = np.bincount(v_idx, minlength=n_ver).astype(np.float64)
    facility = np.bincount(v_idx, x, n_ver) / n

    # Point-biserial against the rest-score share (two-pass, centred).
    rest_max = paper[a_idx] - points
    rest = np.divide(total[a_idx] - earned, rest_max, out=np.zeros(len(rows)), where=rest_max > 0)
    rest_c = rest - (np.bincount(v_idx, rest, n_ver) / n)[v_idx]
    x_c = x - facility[v_idx]
    cov = np.bincount(v_idx, x_c * rest_c, n_ver)
    var_x = np.bincount(v_idx, x_c * x_c, n_ver)
    var_r = np.bincount(v_idx, rest_c * rest_c, n_ver)
    ok = (n >= 2) & (var_x / n > _VAR_EPS) & (var_r / n > _VAR_EPS)
    r_pb = np.full(n_ver, np.nan)
    r_pb[ok] = cov[ok] / np.sqrt(var_x[ok] * var_r[ok])

    # Upper/lower 27 % of the attempts that saw each item, by total percent score.
    order = np.lexsort((attempts[a_idx], percent[a_idx], v_idx))
    v_sorted = v_idx[order]
    starts = np.concatenate(([0], np.cumsum(n)[:-1])).astype(np.int64)
    position = np.arange(len(rows)) - starts[v_sorted]
    g = np.floor(0.27 * n + 0.5)
    lower = position < g[v_sorted]
    upper = position >= (n - g)[v_sorted]
    x_sorted = x[order]
    with np.errstate(invalid="ignore", divide="ignore"):
        p_upper = np.bincount(v_sorted[upper], x_sorted[upper], n_ver) / g
        p_lower = np.bincount(v_sorted[lower], x_sorted[lower], n_ver) / g
    p_upper[g == 0] = np.nan
    p_lower[g == 0] = np.nan

    # Option picks in original letters.
    used_bits = int(picked.max()).bit_length() if len(picked) else 0
    counts = np.zeros((n_ver, MAX_OPTIONS), dtype=np.int64)
    for bit in range(min(used_bits, MAX_OPTIONS)):
        counts[:, bit] = np.bincount(v_idx, (picked >> bit) & 1, n_ver).round().astype(np.int64)
    omitted = np.bincount(v_idx, picked == 0, n_ver).round().astype(np.int64)

    # Exposure against versions of the same type.
    vtype = np.zeros(n_ver, dtype=np.int64)
    vtype[v_idx] = rows.qtype
    rate = n / n_att
    type_mean = np.bincount(vtype, rate, 3) / np.maximum(np.bincount(vtype, minlength=3), 1)
    over = (rate > th.exposure_ratio * type_mean[vtype]) | (rate > th.max_exposure_rate)

    items: dict[int, ItemStat] = {}
    for j in range(n_ver):
        flags: list[str] = []
        if n[j] >= th.min_exposure:
            if facility[j] > th.easy:
                flags.append(FLAG_TOO_EASY)
            if facility[j] < th.hard:
                flags.append(FLAG_TOO_HARD)
            if ok[j] and r_pb[j] < 0:
                flags.append(FLAG_NEGATIVE)
            elif ok[j] and r_pb[j] < th.low_discrimination:
                flags.append(FLAG_LOW)
        if n_att >= th.min_exposure and over[j]:
            flags.append(FLAG_OVER_EXPOSED)
        items[int(versions[j])] = ItemStat(
            version_id=int(versions[j]), qtype=TYPE_NAMES.get(int(vtype[j]), "single"), exposure=int(n[j]),
            exposure_rate=float(rate[j]), facility=float(facility[j]), point_biserial=_opt(r_pb[j]),
            discrimination=_opt(p_upper[j] - p_lower[j]), upper_facility=_opt(p_upper[j]),
            lower_facility=_opt(p_lower[j]), option_counts=tuple(int(c) for c in counts[j]),
            omitted=int(omitted[j]), flags=tuple(flags))

    return Analysis(items=items, test=_test_stat(percent, number_correct, k_items, facility, v_idx, a_idx,
                                                 pass_mark))


def _test_stat(percent, number_correct, k_items, facility, v_idx, a_idx, pass_mark) -> TestStat:
    n_att = len(percent)
    distribution = np.bincount(score_bins(percent), minlength=10)
    sd = float(np.std(percent, ddof=1)) if n_att > 1 else None
    pq = facility * (1 - facility)
    sum_pq = np.bincount(a_idx, pq[v_idx], n_att)
    var_x = float(np.var(number_correct))
    k = float(k_items.mean())
    kr20 = None
    if k > 1 and var_x > _VAR_EPS and n_att > 1:
        kr20 = k / (k - 1) * (1 - float(sum_pq.mean()) / var_x)
    passed = None if pass_mark is None else int(np.count_nonzero(np.round(percent, 6) >= pass_mark))
    return TestStat(attempts=n_att, items_per_attempt=k, mean=float(percent.mean()), sd=sd,
                    minimum=float(percent.min()), maximum=float(percent.max()),
                    distribution=tuple(int(c) for c in distribution), kr20=kr20, passed=passed)


def _opt(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def describe_scores(scores: Iterable[float], pass_mark: float | None = None) -> TestStat:
    """Mean, SD, range and distribution of percent scores alone (no item data, so no KR-20)."""
    percent = np.asarray(list(scores), dtype=np.float64)
    if len(percent) == 0:
        return TestStat(0, 0.0, None, None, None, None, (0,) * 10, None, None if pass_mark is None else 0)
    passed = None if pass_mark is None else int(np.count_nonzero(np.round(percent, 6) >= pass_mark))
    return TestStat(attempts=len(percent), items_per_attempt=0.0, mean=float(percent.mean()),
                    sd=float(np.std(percent, ddof=1)) if len(percent) > 1 else None,
                    minimum=float(percent.min()), maximum=float(percent.max()),
                    distribution=tuple(int(c) for c in np.bincount(score_bins(percent), minlength=10)),
                    kr20=None, passed=passed)
