"""Content lints (banks/lints.py): each lint on its own (each can fail), and the shipped banks held to THRESHOLDS."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from exam_platform.banks import lints as L
from exam_platform.paths import ROOT

BANK_DIR = ROOT / "question_banks" / "banks"


def _shipped() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(BANK_DIR.glob("*.yaml"))]


SHIPPED = _shipped()
FINDINGS = L.lint_banks(SHIPPED)
SUMMARIES = {s.bank: s for s in L.summarise(SHIPPED, FINDINGS)}


def q(**kw):
    base = {"key": "Q-1", "type": "single", "topic": "t", "difficulty": 2, "stem": "题干",
            "options": ["甲", "乙", "丙", "丁"],
            "answer": "A", "explanation": ""}
    base.update(kw)
    return base


# ---- the shipped banks ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bank", sorted(SUMMARIES))
def test_shipped_bank_within_thresholds(bank):
    summary = SUMMARIES[bank]
    listed = [str(f) for f in FINDINGS if f.bank == bank and f.lint in summary.failures() and f.lint != "single_wrong"]
    assert not summary.failures(), summary.line() + "\n" + "\n".join(listed[:40])


def test_listed_defects_stay_fixed():
    """The items named in issue #15 are no longer flagged (or no longer exist)."""
    flagged = {(f.key, f.lint) for f in FINDINGS}
    for key in ("HT-0064", "SM-0025", "SM-0036", "FW-0006"):
        assert (key, "cue_word") not in flagged
    for key in ("SM-0061", "SM-0129"):
        assert (key, "all_correct") not in flagged
    for key in ("LV-0009", "FW-0062", "WD-0002", "WD-0061", "HT-0067", "SM-0071"):
        assert (key, "near_duplicate") not in flagged


def test_the_lints_see_every_shipped_bank():
    assert len(SUMMARIES) == len(list(BANK_DIR.glob("*.yaml"))) >= 8


# ---- single_wrong / all_correct ---------------------------------------------------------------------------------

def test_single_wrong_option():
    assert L.single_wrong(q(type="multiple", answer=["A", "B", "C"]))
    assert not L.single_wrong(q(type="multiple", answer=["A", "B"]))
    assert not L.single_wrong(q())                       # one right, three wrong
    assert L.single_wrong(q(options=["甲", "乙"]))        # a two-option single choice
    assert not L.single_wrong(q(type="true_false", answer=False, options=None))


def test_all_options_correct():
    assert L.all_correct(q(type="multiple", answer=["A", "B", "C", "D"]))
    assert not L.all_correct(q(type="multiple", answer=["A", "B", "C"]))


@given(n=st.integers(2, 8), k=st.integers(1, 8))
def test_choice_counts_property(n, k):
    k = min(k, n)
    letters = list("ABCDEFGH"[:k])
    item = q(type="multiple" if k > 1 else "single", options=[f"选项{i}" for i in range(n)],
             answer=letters if k > 1 else letters[0])
    assert L.single_wrong(item) == (n - k == 1)
    assert L.all_correct(item) == (n == k)


def test_single_wrong_share_is_per_bank():
    bank = {"bank": "B", "category": "C", "purpose": "exam",
            "questions": [q(key=f"K{i}", stem=f"不同的题干内容编号{i}号甲乙丙丁", type="multiple",
                            answer=["A", "B", "C"] if i < 2 else ["A", "B"]) for i in range(8)]}
    (summary,) = L.summarise([bank], L.lint_banks([bank]))
    assert summary.single_wrong_share == 0.25 and "single_wrong" not in summary.failures()
    bank["questions"][2]["answer"] = ["A", "B", "C"]
    (summary,) = L.summarise([bank], L.lint_banks([bank]))
    assert "single_wrong" in summary.failures()


# ---- cue words --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stem", ["只要持证就可以作业。", "任何情况下都可以带电作业。", "复审合格后不再需要培训。",
                                  "所有火灾都可以用水扑救。", "一律由班组长决定。"])
def test_cue_word_false_statements_flagged(stem):
    assert L.cue_words(q(type="true_false", answer=False, options=None, stem=stem))


def test_cue_words_only_on_false_true_false():
    stem = "任何单位和个人都不得阻挠举报。"
    assert not L.cue_words(q(type="true_false", answer=True, options=None, stem=stem))
    assert not L.cue_words(q(stem=stem))
    assert not L.cue_words(q(type="true_false", answer=False, options=None, stem="发现隐患后应立即停止作业并报告。"))


# ---- near duplicates --------------------------------------------------------------------------------------------

def test_ngram_jaccard_ignores_width_and_punctuation():
    a = L.ngrams("特种作业操作证每3年复审1次。")
    b = L.ngrams("特种作业操作证每３年复审１次")
    assert L.jaccard(a, b) == 1.0


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.text(alphabet="安全生产电工焊接高处作业检查", min_size=0, max_size=14),
                      min_size=0, max_size=14),
       threshold=st.sampled_from([0.3, 0.45, 0.6, 0.9]))
def test_prefix_filter_join_equals_brute_force(texts, threshold):
    grams = [L.ngrams(t) for t in texts]
    brute = sorted((i, j) for i in range(len(grams)) for j in range(i + 1, len(grams))
                   if grams[i] and grams[j] and L.jaccard(grams[i], grams[j]) >= threshold)
    assert [(i, j) for i, j, _ in L.similar_pairs(grams, threshold)] == brute


def _bank(code, purpose, *questions, category="T-1.2"):
    return {"bank": code, "category": category, "purpose": purpose, "questions": list(questions)}


def test_near_duplicates_within_bank_and_practice_vs_exam_only():
    stem = "在潮湿的金属容器内作业时，照明电压不应大于12 V。"
    copy = "在潮湿、狭小的金属容器内作业时，照明电压不应大于（　）V。"
    exam = _bank("E", "exam", q(key="E1", stem=stem), q(key="E2", stem="触电急救的第一步是使触电者脱离电源。"))
    practice = _bank("P", "practice", q(key="P1", stem=copy))
    other = _bank("X", "practice", q(key="X1", stem=copy), category="T-2.1")
    pairs = {(a, b) for _, a, _, b, _ in L.near_duplicates([exam, practice, other])}
    assert pairs == {("E1", "P1")}
    exam["questions"].append(q(key="E3", stem=copy))
    pairs = {(a, b) for _, a, _, b, _ in L.near_duplicates([exam])}
    assert pairs == {("E1", "E3")}


def test_near_duplicates_with_disjoint_validity_are_not_reported():
    old = q(key="A", stem="特种作业操作证每3年复审1次。", valid_until=date(2026, 5, 31))
    new = q(key="A.19", stem="特种作业操作证每6年复审1次。", valid_from=date(2026, 6, 1))
    assert not L.near_duplicates([_bank("E", "exam", old, new)])
    new["valid_from"] = date(2026, 5, 31)
    assert L.near_duplicates([_bank("E", "exam", old, new)])


# ---- provenance -------------------------------------------------------------------------------------------------

def test_article_numbers():
    assert L.article_number("第二十六条") == 26
    assert L.article_number("第十条") == 10
    assert L.article_number("第一百一十四条") == 114
    assert L.article_number("第26条") == 26
    assert L.cited_articles("依据第二十六条和第8条") == {26, 8}


def test_explanation_article_absent_from_basis():
    item = q(explanation="《安全生产法》第四十六条规定……",
             basis=[{"document": "中华人民共和国安全生产法", "article": "第二十六条", "edition": "2021"}])
    assert L.missing_articles(item) == {46}
    item["basis"][0]["article"] = "第四十六条"
    assert not L.missing_articles(item)
    assert not L.missing_articles(q(explanation="第四十六条"))          # no basis yet: nothing to compare


def test_basis_past_valid_until():
    item = q(basis=[{"document": "危险化学品安全管理条例", "edition": "2013", "valid_until": date(2026, 4, 30)}])
    assert L.expired_basis(item)
    item["valid_until"] = date(2026, 4, 30)
    assert not L.expired_basis(item)


@pytest.mark.parametrize("text,until", [
    ("按GB/T 3608—2008，作业高度为4 m属于一级。", date(2026, 4, 30)),
    ("依据《危险化学品安全管理条例》第二十四条……", date(2026, 4, 30)),
    ("按照JGJ 46，临时用电采用TN-S系统。", date(2024, 12, 31)),
    ("GB 2894规定禁止标志为红色。", date(2026, 2, 28)),
])
def test_superseded_citation_needs_valid_until(text, until):
    item = q(explanation=text)
    assert L.superseded(item)
    item["valid_until"] = until
    assert not L.superseded(item)
    assert not L.superseded(q(explanation="按照JGJ/T 46-2024 及 GB 2894-2025 和 GB 3608-2025"))


# ---- case questions and pictures --------------------------------------------------------------------------------

def test_case_parts_are_linted_one_by_one():
    case = {"key": "C-1", "type": "case", "topic": "t", "difficulty": 3,
            "case": "某企业在污水池清淤作业中发生中毒事故……",
            "parts": [{"type": "true_false", "stem": "只要通风就可以不检测。", "answer": False, "points": 2},
                      {"type": "multiple", "stem": "直接原因有（　）。", "options": ["未通风", "未检测", "未监护"],
                       "answer": ["A", "B", "C"], "points": 3}]}
    found = {(f.key, f.lint) for f in L.lint_question("B", case)}
    assert found == {("C-1#1", "cue_word"), ("C-1#2", "all_correct")}


def test_same_stem_about_different_pictures_is_not_a_duplicate():
    a = q(key="S1", stem="图示安全标志的含义是（　）。", image={"file": "signs/a.svg", "alt": "甲"})
    b = q(key="S2", stem="图示安全标志的含义是（　）。", image={"file": "signs/b.svg", "alt": "乙"})
    assert not L.near_duplicates([_bank("E", "exam", a, b)])
    b["image"] = {"file": "signs/a.svg", "alt": "甲"}
    assert L.near_duplicates([_bank("E", "exam", a, b)])


# ---- the shipped exam banks carry pictures and cases ------------------------------------------------------------

def _pictured(q) -> bool:
    return bool(q.get("image")) or any(isinstance(o, dict) and o.get("image") for o in q.get("options") or [])


@pytest.mark.parametrize("bank", [b for b in SHIPPED if b["purpose"] == "exam"], ids=lambda b: b["bank"])
def test_every_exam_bank_has_at_least_ten_percent_picture_questions(bank):
    qs = bank["questions"]
    pictured = sum(1 for q in qs if _pictured(q))
    assert pictured >= 0.10 * len(qs), f"{bank['bank']}: {pictured}/{len(qs)}"
    files = [q["image"]["file"] for q in qs if q.get("image")]
    assert all((ROOT / "question_banks" / "media" / f).is_file() for f in files)


@pytest.mark.parametrize("code", ["PRINCIPAL-HAZCHEM-exam", "MANAGER-GENERAL-exam"])
def test_principal_and_manager_banks_have_twenty_cases(code):
    (bank,) = [b for b in SHIPPED if b["bank"] == code]
    cases = [q for q in bank["questions"] if q["type"] == "case"]
    assert len(cases) >= 20 and all(len(q["parts"]) >= 2 for q in cases)


def test_shipped_drawings_carry_no_title_that_would_name_the_answer():
    for svg in (ROOT / "question_banks" / "media").rglob("*.svg"):
        assert "<title" not in svg.read_text(encoding="utf-8"), svg


# ---- size, pictures and cases of the shipped exam banks (issue #15) ----------------------------------------------

EXAM_BANKS = {b["bank"]: b for b in SHIPPED if b["purpose"] == "exam"}
CASE_BANKS = {"MANAGER-GENERAL-exam", "PRINCIPAL-HAZCHEM-exam"}  # 主要负责人 / 安管: 案例分析 required


def has_picture(question: dict) -> bool:
    options = question.get("options") or []
    return "image" in question or any(isinstance(o, dict) and "image" in o for o in options) \
        or any(has_picture(part) for part in question.get("parts") or [])


@pytest.mark.parametrize("bank", sorted(EXAM_BANKS))
def test_shipped_exam_bank_is_large_enough_with_pictures(bank):
    questions = EXAM_BANKS[bank]["questions"]
    pictured = sum(map(has_picture, questions))
    assert len(questions) >= 300, f"{bank}: {len(questions)} questions"
    assert pictured >= 0.10 * len(questions), f"{bank}: {pictured} of {len(questions)} with a picture"
    if bank in CASE_BANKS:
        assert sum(q["type"] == "case" for q in questions) >= 20


def test_picture_detection_sees_options_and_parts():
    assert has_picture({"options": ["甲", {"text": "乙", "image": {"file": "x.svg", "alt": "a"}}]})
    assert has_picture({"type": "case", "parts": [{"image": {"file": "x.svg", "alt": "a"}}]})
    assert not has_picture(q())


def test_single_wrong_share_is_over_the_multiple_choice_questions():
    """Four-option 单选题 never count (they have three wrong options by construction), so they cannot dilute it."""
    singles = [q(key=f"S-{i}") for i in range(10)]
    multiples = [q(key=f"M-{i}", type="multiple", answer=["A", "B", "C"] if i < 2 else ["A", "B"]) for i in range(4)]
    bank = {"bank": "B", "category": "C", "purpose": "exam", "questions": singles + multiples}
    (summary,) = L.summarise([bank], L.lint_banks([bank]))
    assert (summary.counts["single_wrong"], summary.choice) == (2, 4)
    assert summary.single_wrong_share == 0.5 and "single_wrong" in summary.failures()
