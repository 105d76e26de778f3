"""Content lints (内容检查) for question banks: the faults a subject-matter reviewer finds and a schema cannot.

Pure: no Flask, no database. Every function takes banks as parsed bank files (``{"bank", "category", "purpose",
"questions": [question dict, …]}`` — the shape of ``question_banks/banks/*.yaml`` after ``yaml.safe_load``) and
returns :class:`Finding` s. ``flask banks lint`` prints them with a per-bank summary; ``tests/banks/
test_shipped_lints.py`` holds the shipped banks to :data:`THRESHOLDS`. See docs/banks.md, "Content lints".

The lints:

``single_wrong``     a single/multiple choice question with exactly one wrong option (the candidate only has to spot
                     the odd one out). Tolerated up to 25 % of a bank's 多选题 (multiple-choice questions, case parts
                     included): a four-option 单选题 has three wrong options by construction and would dilute the
                     share (issue #15 counted 142 of 159 多选题).
``cue_word``         a 判断题 keyed 错 whose stem carries an absolute cue word (只/只要/不再/任何/一律/绝对/
                     都不/完全 …): test-wise candidates mark such statements 错 without reading them. None tolerated.
``near_duplicate``   two questions whose stems are near copies (character 3-gram Jaccard ≥ 0.45) within a bank, or
                     between a practice bank and the exam bank of the same category (practice leaking the exam
                     undercuts 考教分离). Pairs whose validity windows never overlap (a rule and its successor) never
                     meet on one paper, and the same stem asked about two different pictures is two
                     questions: neither is reported. None tolerated.

``all_correct``      a choice question whose key is every option. None tolerated.
``basis_article``    the explanation cites an article (第N条) that none of the question's ``basis`` entries carry.
``basis_expired``    a ``basis`` entry with a ``valid_until`` before the question's own last day (or the question
                     has none): the question outlives the rule it rests on. (The bank file's basis has no
                     ``valid_until`` today; superseded editions are caught by ``superseded``.)
``superseded``       the explanation or a basis names an edition known to be superseded (:data:`SUPERSEDED`), and
                     the question stays valid past the day the successor took effect.

A case question (案例分析) is linted part by part (``KEY#n``); its case text is what near duplicates compare.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from math import ceil
from typing import Any

#: Threshold of the character 3-gram Jaccard similarity of two normalised stems above which they are near copies.
#: Chosen on the shipped banks (2026-12): every pair the reviewers listed scores ≥ 0.47 (WD-0002/0077 0.47,
#: HT-0067/0134 0.56, SM-0071/0074 0.56, WD-0061/0128 0.62, LV-0009/0081 0.80, FW-0062/0126 0.86) and so do the
#: practice copies of exam items (LV-0097/LVP-0020 0.47); below 0.45 the pairs are distinct questions that share a
#: lead-in ("按照《生产安全事故报告和调查处理条例》，…（　）") — see docs/banks.md, "Content lints".
NEAR_DUPLICATE_JACCARD = 0.45
NGRAM = 3

#: Per-bank limits: share of 多选题 with a single wrong option; counts for the rest.
THRESHOLDS: dict[str, float] = {
    "single_wrong": 0.25,
    "cue_word": 0,
    "near_duplicate": 0,
    "all_correct": 0,
    "basis_article": 0,
    "basis_expired": 0,
    "superseded": 0,
}
LINTS = tuple(THRESHOLDS)

#: Absolute words that let a candidate mark a statement 错 unread. "只" covers 只要/只有/只能/只需.
CUE_WORDS = ("只", "不再", "任何", "一律", "绝对", "都不", "完全", "所有", "一切", "总是", "永远", "从不",
             "凡是", "全部", "均不", "无论", "毫无", "根本不", "一概")

#: Editions known to be superseded: (pattern in the text, label, first day of the successor).
SUPERSEDED: tuple[tuple[re.Pattern, str, date], ...] = (
    (re.compile(r"JGJ\s*46(?!\d)(?![-—–]2024)"), "JGJ 46-2005 → JGJ/T 46-2024", date(2025, 1, 1)),
    (re.compile(r"GB\s*2893(?!\d)|GB\s*2894(?!\d)(?![-—–]2025)"), "GB 2893/2894-2008 → GB 2894-2025", date(2026, 3, 1)),
    (re.compile(r"GB/T\s*3608(?!\d)"), "GB/T 3608-2008 → GB 3608-2025", date(2026, 5, 1)),
    (re.compile(r"令\s*第?\s*30\s*号|第30号令|令30(?!\d)|特种作业人员安全技术培训考核管理规定"),
     "原安监总局令第30号 → 应急管理部令第19号", date(2026, 6, 1)),
    (re.compile(r"GB\s*9448[-—–]1999"), "GB 9448-1999 → GB 9448-2025", date(2026, 8, 1)),
    (re.compile(r"危险化学品安全管理条例"), "危险化学品安全管理条例 → 危险化学品安全法", date(2026, 5, 1)),
    (re.compile(r"重大(生产安全事故|事故)?隐患判定标准|安监总管三〔2017〕121号"),
     "2017 重大隐患判定标准 → AQ 3067-2026", date(2026, 9, 30)),
)

_ARTICLE = re.compile(r"第([一二三四五六七八九十百零〇两\d]+)条")
_PUNCT_CATS = ("P", "S", "Z", "C")


@dataclass(frozen=True)
class Finding:
    """One lint finding on one question (``other``: the second question of a near-duplicate pair)."""

    lint: str
    bank: str
    key: str
    message: str
    other: str = ""

    def __str__(self) -> str:
        return f"{self.bank} [{self.key}] {self.lint}: {self.message}"


# ---- helpers ---------------------------------------------------------------------------------------------------

def normalise(text: str) -> str:
    """Width-folded text without spaces, punctuation or blanks (《》，（　）…), lower-cased."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in _PUNCT_CATS)


def ngrams(text: str, n: int = NGRAM) -> frozenset[str]:
    """The set of character n-grams of the normalised text (the whole text if shorter than n)."""
    s = normalise(text)
    if len(s) <= n:
        return frozenset([s]) if s else frozenset()
    return frozenset(s[i:i + n] for i in range(len(s) - n + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def window(q: Mapping[str, Any]) -> tuple[date, date]:
    """The question's validity window, open ends as date.min / date.max."""
    return (_day(q.get("valid_from")) or date.min, _day(q.get("valid_until")) or date.max)


def overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    (a0, a1), (b0, b1) = window(a), window(b)
    return a0 <= b1 and b0 <= a1


def _letters(answer: Any) -> list[str]:
    if isinstance(answer, str):
        return [answer]
    if isinstance(answer, (list, tuple)):
        return [str(x) for x in answer]
    return []


def _choice(q: Mapping[str, Any]) -> bool:
    return q.get("type") in ("single", "multiple") and bool(q.get("options"))


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}


def article_number(text: str) -> int | None:
    """第二十六条 → 26, 第26条 → 26, 二十六 → 26; None if not a number."""
    m = _ARTICLE.search(text) if "条" in text else None
    token = m.group(1) if m else text.strip()
    if token.isdigit():
        return int(token)
    total, current = 0, 0
    for ch in token:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    total += current
    return total or None


def cited_articles(text: str) -> set[int]:
    return {n for n in (article_number(m.group(0)) for m in _ARTICLE.finditer(text or "")) if n}


def units(q: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """What the per-question lints look at: the question itself, or each part of a case question (案例分析) as
    ``KEY#n`` with the case's validity and basis."""
    key = str(q.get("key", ""))
    if q.get("type") != "case":
        return [(key, q)]
    out = []
    for n, part in enumerate(q.get("parts") or [], start=1):
        if isinstance(part, Mapping):
            out.append((f"{key}#{n}", {**part, "valid_from": q.get("valid_from"), "valid_until": q.get("valid_until"),
                                        "basis": q.get("basis")}))
    return out


def image_file(q: Mapping[str, Any]) -> str | None:
    image = q.get("image")
    return str(image.get("file")) if isinstance(image, Mapping) and image.get("file") else None


def question_text(q: Mapping[str, Any]) -> str:
    """The text compared for near duplicates: the stem, or a case question's case text."""
    return str(q.get("case") if q.get("type") == "case" else q.get("stem") or "")


# ---- single-question lints -------------------------------------------------------------------------------------

def single_wrong(q: Mapping[str, Any]) -> bool:
    """A choice question with exactly one wrong option."""
    return _choice(q) and len(q["options"]) - len(set(_letters(q.get("answer")))) == 1


def all_correct(q: Mapping[str, Any]) -> bool:
    return _choice(q) and len(set(_letters(q.get("answer")))) >= len(q["options"])


def cue_words(q: Mapping[str, Any]) -> list[str]:
    """The absolute cue words in the stem of a 判断题 keyed 错 (empty for every other question)."""
    if q.get("type") != "true_false" or q.get("answer") is not False:
        return []
    stem = normalise(q.get("stem", ""))
    return [w for w in CUE_WORDS if w in stem]


def basis_entries(q: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    basis = q.get("basis") or []
    return [b for b in basis if isinstance(b, Mapping)]


def missing_articles(q: Mapping[str, Any]) -> set[int]:
    """Articles the explanation cites that no basis entry carries (empty when the question has no basis)."""
    basis = basis_entries(q)
    if not basis:
        return set()
    carried: set[int] = set()
    for b in basis:
        carried |= cited_articles(str(b.get("article") or ""))
        n = article_number(str(b.get("article") or ""))
        if n:
            carried.add(n)
    return cited_articles(q.get("explanation", "")) - carried


def expired_basis(q: Mapping[str, Any]) -> list[str]:
    """Basis documents whose ``valid_until`` ends before the question's own last day."""
    last = window(q)[1]
    out = []
    for b in basis_entries(q):
        until = _day(b.get("valid_until"))
        if until is not None and until < last:
            out.append(f"{b.get('document', '')} {b.get('edition', '')}".strip())
    return out


def superseded(q: Mapping[str, Any]) -> list[str]:
    """Superseded editions the question cites while it stays valid on or after the successor's first day."""
    text = " ".join([q.get("explanation") or "", q.get("stem") or ""]
                    + [f"{b.get('document', '')}-{b.get('edition')}" if b.get("edition") else str(b.get("document", ""))
                       for b in basis_entries(q)])
    last = window(q)[1]
    return [label for pattern, label, successor in SUPERSEDED if pattern.search(text) and last >= successor]


# ---- near duplicates -------------------------------------------------------------------------------------------

def similar_pairs(grams: Sequence[frozenset], threshold: float) -> list[tuple[int, int, float]]:
    """All index pairs (i < j) with Jaccard(grams[i], grams[j]) ≥ threshold.

    Prefix filtering (an all-pairs similarity join): order each set's grams rarest first; two sets can only reach
    the threshold if their prefixes of length |s| − ⌈t·|s|⌉ + 1 share a gram, so only those candidates are
    compared. Exact (same result as comparing every pair); a generated 20,000-question bank took 16 s.
    """
    if threshold <= 0:
        return [(i, j, jaccard(grams[i], grams[j])) for i in range(len(grams)) for j in range(i + 1, len(grams))]
    freq: dict[str, int] = defaultdict(int)
    for g in grams:
        for x in g:
            freq[x] += 1
    index: dict[str, list[int]] = defaultdict(list)
    found: list[tuple[int, int, float]] = []
    order = sorted(range(len(grams)), key=lambda i: len(grams[i]))
    for i in order:
        g = grams[i]
        if not g:
            continue
        ranked = sorted(g, key=lambda x: (freq[x], x))
        prefix = ranked[: len(g) - ceil(threshold * len(g)) + 1]
        candidates: set[int] = set()
        for x in prefix:
            candidates.update(index[x])
        for j in candidates:
            # sizes ascending: |grams[j]| ≤ |g|; Jaccard ≤ |small| / |large|
            if len(grams[j]) < threshold * len(g):
                continue
            s = jaccard(g, grams[j])
            if s >= threshold:
                found.append((min(i, j), max(i, j), s))
        for x in prefix:
            index[x].append(i)
    return sorted(found)


def near_duplicates(banks: Sequence[Mapping[str, Any]], threshold: float = NEAR_DUPLICATE_JACCARD,
                    ) -> list[tuple[str, str, str, str, float]]:
    """(bank_a, key_a, bank_b, key_b, similarity) for near-copy stems within a bank and between a practice bank
    and the exam bank(s) of its category; pairs that can never share a paper's day are left out."""
    items: list[tuple[Mapping, Mapping]] = [(b, q) for b in banks for q in b.get("questions") or []]
    grams = [ngrams(question_text(q)) for _, q in items]
    out = []
    for i, j, s in similar_pairs(grams, threshold):
        (ba, qa), (bb, qb) = items[i], items[j]
        fa, fb = image_file(qa), image_file(qb)
        if fa and fb and fa != fb:
            continue  # the same question asked about two different pictures ("图示标志的含义是……")
        same_bank = ba.get("bank") == bb.get("bank")
        cross = (ba.get("category") == bb.get("category")
                 and {ba.get("purpose"), bb.get("purpose")} == {"exam", "practice"})
        if (same_bank or cross) and overlap(qa, qb):
            out.append((ba["bank"], qa["key"], bb["bank"], qb["key"], s))
    return out


# ---- running them ----------------------------------------------------------------------------------------------

def lint_question(bank: str, question: Mapping[str, Any]) -> list[Finding]:
    found = []
    for key, q in units(question):
        found.extend(_lint_unit(bank, key, q))
    return found


def _lint_unit(bank: str, key: str, q: Mapping[str, Any]) -> list[Finding]:
    found = []
    if single_wrong(q):
        found.append(Finding("single_wrong", bank, key, "只有一个错误选项（排除法即可作答）"))
    if all_correct(q):
        found.append(Finding("all_correct", bank, key, "所有选项均为正确答案"))
    words = cue_words(q)
    if words:
        found.append(Finding("cue_word", bank, key, "答案为“错”的判断题含绝对化提示词：" + "、".join(words)))
    missing = missing_articles(q)
    if missing:
        found.append(Finding("basis_article", bank, key,
                             "解析引用的条款不在依据中：" + "、".join(f"第{n}条" for n in sorted(missing))))
    for doc in expired_basis(q):
        found.append(Finding("basis_expired", bank, key, f"依据 {doc} 已失效，试题有效期却更长"))
    for label in superseded(q):
        found.append(Finding("superseded", bank, key, f"引用已被替代的版本（{label}），试题未设相应的有效期止日"))
    return found


def lint_banks(banks: Iterable[Mapping[str, Any]], *, threshold: float = NEAR_DUPLICATE_JACCARD) -> list[Finding]:
    """Every finding over the given banks (near duplicates: within each bank and practice ↔ exam of a category)."""
    banks = list(banks)
    found: list[Finding] = []
    for b in banks:
        for q in b.get("questions") or []:
            found.extend(lint_question(b["bank"], q))
    for ba, ka, bb, kb, s in near_duplicates(banks, threshold):
        where = kb if ba == bb else f"{bb} {kb}"
        found.append(Finding("near_duplicate", ba, ka, f"题干与 {where} 近似重复（相似度 {s:.2f}）", other=kb))
        if ba != bb:
            found.append(Finding("near_duplicate", bb, kb, f"题干与 {ba} {ka} 近似重复（相似度 {s:.2f}）", other=ka))
    return found


@dataclass
class BankSummary:
    bank: str
    questions: int
    choice: int
    counts: dict[str, int]

    @property
    def single_wrong_share(self) -> float:
        return self.counts.get("single_wrong", 0) / self.choice if self.choice else 0.0

    def failures(self) -> list[str]:
        """The lints over their threshold for this bank."""
        out = []
        for lint, limit in THRESHOLDS.items():
            value = self.single_wrong_share if lint == "single_wrong" else self.counts.get(lint, 0)
            if value > limit:
                out.append(lint)
        return out

    def line(self) -> str:
        parts = [f"{self.bank}: {self.questions} 题",
                 f"single_wrong {self.counts.get('single_wrong', 0)}/{self.choice} = {self.single_wrong_share:.0%}"]
        parts += [f"{lint} {self.counts.get(lint, 0)}" for lint in LINTS if lint != "single_wrong"]
        verdict = "OK" if not self.failures() else "超限: " + ", ".join(self.failures())
        return " · ".join(parts) + f" — {verdict}"


def summarise(banks: Iterable[Mapping[str, Any]], findings: Iterable[Finding]) -> list[BankSummary]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for f in findings:
        counts[f.bank][f.lint] += 1
    out = []
    for b in banks:
        qs = b.get("questions") or []
        choice = sum(1 for q in qs for _, u in units(q) if _choice(u) and u.get("type") == "multiple")
        out.append(BankSummary(b["bank"], len(qs), choice, dict(counts[b["bank"]])))
    return out


def active_on(q: Mapping[str, Any], day: date) -> bool:
    start, end = window(q)
    return start <= day <= end


__all__ = [
    "CUE_WORDS",
    "LINTS",
    "NEAR_DUPLICATE_JACCARD",
    "SUPERSEDED",
    "THRESHOLDS",
    "BankSummary",
    "Finding",
    "active_on",
    "all_correct",
    "article_number",
    "cited_articles",
    "cue_words",
    "expired_basis",
    "jaccard",
    "lint_banks",
    "lint_question",
    "missing_articles",
    "near_duplicates",
    "ngrams",
    "normalise",
    "overlap",
    "similar_pairs",
    "single_wrong",
    "summarise",
    "superseded",
    "window",
]
