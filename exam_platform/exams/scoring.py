"""Grading (阅卷): a pure function from a drawn paper, the answer keys and the candidate's responses.

No database and no Flask here; real and mock attempts, the submit path and the sweeper all call ``grade``.

Conventions:
- positions are 1-based, in paper order;
- a response is given in the letters the candidate was SHOWN (``"B"``, ``["A", "C"]``) or a boolean for
  true/false; ``PaperItem.order[i]`` is the bank's original option index shown at position ``i``, so a shown
  letter is mapped back to the bank's letter before it is compared with the key;
- true/false and single choice score their points only when exact;
- multiple choice scores only on the exact set (少选、错选不得分). When the blueprint allows partial credit the
  rule is: any wrong option chosen → 0; otherwise points × (correct options chosen / options in the key),
  so the exact set still earns full points and an empty answer earns nothing;
- a case question (案例分析) is on the paper as one position per part (``part``: the part's index); each part is
  graded like a question of its type, with its own points, against the part's key (``key_of``);
- the score is 100 × earned / total points, rounded to two decimals (0–100 whatever the paper's total).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LETTERS = "ABCDEFGH"


@dataclass(frozen=True, slots=True)
class ItemGrade:
    position: int
    correct: bool
    earned: float
    points: int


@dataclass(frozen=True, slots=True)
class Grade:
    score: float  # 0–100
    earned: float
    total: int
    items: tuple[ItemGrade, ...]

    def passed(self, pass_mark: float) -> bool:
        return self.score >= pass_mark


def _field(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, Mapping) else getattr(item, name)


def to_original(response: Any, order: Sequence[int]) -> Any:
    """A shown-letter response in the bank's letters (unknown letters are dropped: they can never be right)."""
    def one(letter: Any) -> str | None:
        if not isinstance(letter, str) or len(letter) != 1 or letter not in LETTERS:
            return None
        pos = LETTERS.index(letter)
        if order:
            return LETTERS[order[pos]] if pos < len(order) else None
        return letter

    if isinstance(response, list):
        return sorted({m for m in (one(x) for x in response) if m is not None})
    return one(response)


def _key_set(key: Any) -> set[str]:
    if isinstance(key, str):
        return {key}
    return {k for k in key if isinstance(k, str)}


def grade_item(qtype: str, points: int, order: Sequence[int], key: Any, response: Any,
               partial_credit: bool) -> tuple[bool, float]:
    """(exactly correct, points earned) for one question."""
    if response is None:
        return False, 0.0
    if qtype == "true_false":
        ok = isinstance(response, bool) and isinstance(key, bool) and response is key
        return ok, float(points) if ok else 0.0
    if qtype == "single":
        if not isinstance(response, str):
            return False, 0.0
        ok = to_original(response, order) == key
        return ok, float(points) if ok else 0.0
    if qtype == "multiple":
        if not isinstance(response, list):
            return False, 0.0
        chosen = set(to_original(response, order))
        keys = _key_set(key)
        if chosen and chosen == keys:
            return True, float(points)
        if partial_credit and chosen and keys and chosen <= keys:
            return False, points * len(chosen) / len(keys)
        return False, 0.0
    return False, 0.0


def key_of(item: Any, keys: Mapping[int, Any]) -> Any:
    """The key of one paper item: the version's answer, or for a part of a case question that part's answer."""
    key = keys.get(int(_field(item, "version_id")))
    part = item.get("part") if isinstance(item, Mapping) else getattr(item, "part", None)
    if part is None:
        return key
    return key[part] if isinstance(key, list) and 0 <= part < len(key) else None


def grade(items: Sequence[Any], keys: Mapping[int, Any], responses: Mapping[int, Any], *,
          partial_credit: bool = False) -> Grade:
    """Grade a paper.

    ``items``: the paper in order (``PaperItem`` or the dicts stored on ``Paper.items``: version_id, type,
    points, order, part); ``keys``: version id → the bank's answer (a case: the list of its parts' answers);
    ``responses``: position (1-based) → response.
    """
    graded: list[ItemGrade] = []
    total = 0
    earned = 0.0
    for position, item in enumerate(items, start=1):
        points = int(_field(item, "points"))
        total += points
        ok, got = grade_item(_field(item, "type"), points, tuple(_field(item, "order") or ()),
                             key_of(item, keys), responses.get(position), partial_credit)
        earned += got
        graded.append(ItemGrade(position, ok, got, points))
    score = round(100.0 * earned / total, 2) if total else 0.0
    return Grade(score=min(100.0, max(0.0, score)), earned=earned, total=total, items=tuple(graded))


def shown_key(qtype: str, order: Sequence[int], key: Any) -> Any:
    """The key in the letters this paper showed (for a reviewed mock attempt's wrong answers)."""
    if qtype == "true_false":
        return key
    back = {LETTERS[orig]: LETTERS[pos] for pos, orig in enumerate(order)} if order else {}
    if qtype == "single":
        return back.get(key, key)
    return sorted(back.get(k, k) for k in _key_set(key))


# ---- the compact layout an attempt keeps for its save path ---------------------------------------------------

def layout_of(items: Sequence[Any], option_counts: Mapping[int, int]) -> str:
    """``"T S4 M5 …"``: each position's type letter and option count (read by the save path, no paper load)."""
    parts = []
    for item in items:
        qtype = _field(item, "type")
        if qtype == "true_false":
            parts.append("T")
        else:
            order = _field(item, "order") or ()
            count = len(order) or option_counts.get(int(_field(item, "version_id")), 0)
            parts.append(("S" if qtype == "single" else "M") + str(count))
    return " ".join(parts)


class BadResponse(ValueError):
    pass


def normalise_response(token: str, response: Any) -> Any:
    """Check a response against one layout token and return it in canonical form (None clears an answer)."""
    if response is None:
        return None
    kind, count = token[0], int(token[1:] or 0)
    allowed = LETTERS[:count]
    if kind == "T":
        if not isinstance(response, bool):
            raise BadResponse("true_false expects true or false")
        return response
    if kind == "S":
        if not isinstance(response, str) or len(response) != 1 or response not in allowed:
            raise BadResponse("single expects one shown option letter")
        return response
    if not isinstance(response, list) or len(response) > count or not all(
            isinstance(x, str) and len(x) == 1 and x in allowed for x in response):
        raise BadResponse("multiple expects a list of shown option letters")
    return sorted(set(response)) or None
