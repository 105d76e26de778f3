"""The bank file format of issue #15: images (stem and options, alt text required), provenance (basis), status,
案例分析 (case questions with graded parts) — in YAML and in the Excel sheet."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exam_platform.banks import bankfile, sheets
from tests.banks.test_bankfile import LETTERS, questions, texts

BASE = """bank: X-exam
category: T-1.2
purpose: exam
title: 题库
questions:
"""

IMAGE_AND_CASE = BASE + """  - key: Q-1
    type: single
    topic: 安全标志
    difficulty: 2
    stem: 图中标志表示什么？
    image: {file: signs/no-smoking.svg, alt: 红色圆环加斜杠，中间是一支点燃的香烟}
    options: [禁止吸烟, 禁止烟火, {text: 当心火灾, image: {file: signs/fire.png, alt: 黄色三角形}}]
    answer: A
    basis: [{document: 《安全生产法》, article: 第二十六条, edition: "2021"}]
  - key: Q-2
    type: case
    topic: 事故案例
    difficulty: 3
    status: draft
    case: 某企业在有限空间作业中发生中毒事故……
    parts:
      - {type: single, stem: 事故等级？, options: [一般事故, 较大事故], answer: A, points: 2}
      - {type: multiple, stem: 直接原因有哪些？, options: [未通风, 未检测, 天气], answer: [A, B], points: 3}
      - {type: true_false, stem: 应当先检测后作业。, answer: true, points: 1}
"""


def load(text):
    return bankfile.load_document(text, "x.yaml", known_categories=["T-1.2"])


def problems(text):
    with pytest.raises(bankfile.BankFileProblems) as refused:
        load(text)
    return [str(p.reason) for p in refused.value.problems]


def test_images_basis_status_and_case_parts_load_and_write_back():
    doc = load(IMAGE_AND_CASE)
    image_q, case_q = doc.questions
    assert image_q["image"] == {"file": "signs/no-smoking.svg", "alt": "红色圆环加斜杠，中间是一支点燃的香烟"}
    assert image_q["options"] == ["禁止吸烟", "禁止烟火", "当心火灾"]
    assert image_q["option_images"] == [None, None, {"file": "signs/fire.png", "alt": "黄色三角形"}]
    assert image_q["basis"] == [{"document": "《安全生产法》", "article": "第二十六条", "edition": "2021"}]
    assert case_q["type"] == "case" and case_q["stem"].startswith("某企业") and case_q["status"] == "draft"
    assert [p["points"] for p in case_q["parts"]] == [2, 3, 1]
    assert case_q["answer"] == ["A", ["A", "B"], True]
    again = load(bankfile.dump_document(code="X-exam", category="T-1.2", purpose="exam", title="题库",
                                        questions=doc.questions))
    assert again.questions == doc.questions


def test_alt_text_is_required_and_a_file_must_be_a_picture_path():
    assert any("替代文字" in p for p in problems(IMAGE_AND_CASE.replace("alt: 黄色三角形", 'alt: ""')))
    bad = IMAGE_AND_CASE.replace("signs/no-smoking.svg", "../../etc/passwd.svg")
    assert any("图片文件名" in p for p in problems(bad))
    assert problems(IMAGE_AND_CASE.replace("signs/fire.png", "signs/fire.exe"))


def test_case_parts_are_checked_one_by_one():
    found = problems(IMAGE_AND_CASE.replace("answer: [A, B], points: 3", "answer: [A, D], points: 0"))
    assert any("第 2 小题" in p and "分值" in p for p in found)
    assert any("第 2 小题" in p and "不在选项范围" in p for p in found)
    assert problems(IMAGE_AND_CASE.replace("    case: 某企业", "    answer: A\n    case: 某企业"))


def test_an_unknown_status_or_a_basis_without_document_is_refused():
    assert problems(IMAGE_AND_CASE.replace("status: draft", "status: published"))
    assert problems(IMAGE_AND_CASE.replace("{document: 《安全生产法》, ", "{"))


def test_a_changed_picture_or_basis_changes_the_content_hash_but_plain_questions_keep_theirs():
    q = load(IMAGE_AND_CASE).questions[0]
    plain = {k: v for k, v in q.items() if k not in ("image", "option_images", "basis")}
    before = bankfile.content_hash(plain)
    assert bankfile.content_hash(q) != before
    stored = q | {"image": {"sha256": "a" * 64, "alt": q["image"]["alt"]}}
    assert bankfile.content_hash(stored) != bankfile.content_hash(stored | {"image": {"sha256": "b" * 64,
                                                                                       "alt": q["image"]["alt"]}})
    assert bankfile.content_hash(q | {"basis": [{"document": "《安全生产法》", "article": "第四十六条"}]}) \
        != bankfile.content_hash(q)


files = st.from_regex(r"[a-z][a-z0-9_]{0,10}/[a-z0-9_]{1,10}\.(png|svg|webp)", fullmatch=True)


@st.composite
def rich_questions(draw, key):
    q = draw(questions(key))
    if draw(st.booleans()):
        q["image"] = {"file": draw(files), "alt": draw(texts)}
    if q["type"] != "true_false" and draw(st.booleans()):
        q["option_images"] = [draw(st.one_of(st.none(), st.builds(lambda f, a: {"file": f, "alt": a}, files, texts)))
                              for _ in q["options"]]
    if draw(st.booleans()):
        q["basis"] = [{"document": draw(texts), "article": draw(texts)}]
    if draw(st.booleans()):
        q = {"key": key, "type": "case", "topic": q["topic"], "difficulty": q["difficulty"], "case": q["stem"],
             "parts": [{"type": "single", "stem": draw(texts), "options": ["甲", "乙"],
                        "answer": draw(st.sampled_from(LETTERS[:2])), "points": draw(st.integers(1, 10))},
                       {"type": "true_false", "stem": draw(texts), "answer": draw(st.booleans()), "points": 1}]}
    return q


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 999), min_size=1, max_size=5, unique=True).flatmap(
    lambda ns: st.tuples(*[rich_questions(f"K-{n:03d}") for n in ns])))
def test_the_extended_format_writes_and_loads_back(qs):
    seen, unique = set(), []
    for q in qs:
        stem = bankfile.normalise_stem(q.get("case") or q["stem"])
        if stem not in seen:
            seen.add(stem)
            unique.append(q)
    assert all(bankfile.check_question(q) == [] for q in unique), [bankfile.check_question(q) for q in unique]
    normal = [bankfile.normalise_question(q) for q in unique]
    text = bankfile.dump_document(code="B-1", category="T-1.2", purpose="exam", title="题库", questions=normal)
    assert load(text).questions == normal


def test_the_sheet_reads_status_images_option_images_and_basis():
    cells = ["S-1", "单选题", "安全标志", 2, "图中标志表示什么？", "禁止吸烟", "", "当心火灾", "", "", "", "", "",
             "A", "", "", "", "草稿", "signs/no-smoking.png", "红色圆环加斜杠", "B=signs/helmet.png|黄色安全帽",
             "《安全生产法》|第二十六条|2021"]
    content, found = sheets._row_content(cells)
    assert found == []
    assert content["status"] == "draft"
    assert content["image"] == {"file": "signs/no-smoking.png", "alt": "红色圆环加斜杠"}
    assert content["option_images"] == [None, {"file": "signs/helmet.png", "alt": "黄色安全帽"}]
    assert content["basis"] == [{"document": "《安全生产法》", "article": "第二十六条", "edition": "2021"}]
    assert bankfile.check_question(content) == []  # option B is a picture with no text
    assert sheets._row_content([*cells[:20], "B signs/helmet.png"])[1]
