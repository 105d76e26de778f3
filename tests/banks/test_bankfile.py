"""The pure bank-file core: what is written loads back the same, and answers typed by people are read right."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from exam_platform.banks import bankfile

LETTERS = "ABCDEFGH"
texts = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), min_size=1,
                max_size=40).map(str.strip).filter(bool)


@st.composite
def questions(draw, key):
    qtype = draw(st.sampled_from(bankfile.QUESTION_TYPES))
    q = {"key": key, "type": qtype, "topic": draw(texts), "difficulty": draw(st.integers(1, 5)),
         "stem": draw(texts), "explanation": draw(st.one_of(st.just(""), texts))}
    if qtype == "true_false":
        q["options"], q["answer"] = [], draw(st.booleans())
    else:
        n = draw(st.integers(2 if qtype == "single" else 3, 8))
        q["options"] = draw(st.lists(texts, min_size=n, max_size=n, unique=True))
        if qtype == "single":
            q["answer"] = LETTERS[draw(st.integers(0, n - 1))]
        else:
            q["answer"] = sorted(draw(st.sets(st.sampled_from(LETTERS[:n]), min_size=2)))
    days = sorted(draw(st.lists(st.dates(), max_size=2)))  # a question that states a rule has validity dates
    if days:
        q[draw(st.sampled_from(["valid_from", "valid_until"]))] = days[0]
    if len(days) == 2:
        q["valid_from"], q["valid_until"] = days
    return q


@st.composite
def banks(draw):
    n = draw(st.integers(1, 8))
    qs = [draw(questions(f"K-{i:03d}")) for i in range(n)]
    seen, unique = set(), []
    for q in qs:  # stems are unique within a bank
        if bankfile.normalise_stem(q["stem"]) not in seen:
            seen.add(bankfile.normalise_stem(q["stem"]))
            unique.append(q)
    return unique


@settings(max_examples=80, deadline=None)
@given(banks())
def test_a_written_bank_file_loads_back_to_the_same_questions(qs):
    assert all(bankfile.check_question(q) == [] for q in qs)
    text = bankfile.dump_document(code="B-1", category="T-1.2", purpose="exam", title="题库", questions=qs)
    doc = bankfile.load_document(text, "b.yaml", known_categories=["T-1.2"])
    assert doc.questions == [bankfile.normalise_question(q) for q in qs]
    assert [bankfile.content_hash(q) for q in doc.questions] == [
        bankfile.content_hash(bankfile.normalise_question(q)) for q in qs]


@given(st.sampled_from(["对", "正确", "√", "T", "true", "是"]))
def test_true_words(word):
    assert bankfile.parse_answer("true_false", word) is True


@given(st.sampled_from(["错", "错误", "×", "F", "false", "否"]))
def test_false_words(word):
    assert bankfile.parse_answer("true_false", word) is False


def test_multiple_answers_are_read_in_every_usual_spelling():
    for typed in ("ACD", "A,C,D", "a c d", "A、C、D", "A，C，D"):
        assert bankfile.parse_answer("multiple", typed) == ["A", "C", "D"]
    assert bankfile.parse_answer("single", "b") == "B"
    assert bankfile.parse_answer("true_false", "也许") == "也许"  # left for check_question to refuse


def test_validity_dates_are_checked_and_kept_out_of_the_hash_when_absent():
    q = {"key": "K-1", "type": "true_false", "topic": "复审", "difficulty": 2, "stem": "特种作业操作证每3年复审一次。",
         "answer": True}
    plain = bankfile.content_hash(bankfile.normalise_question(q))
    dated = {**q, "valid_until": "2026-05-31"}
    assert bankfile.check_question(dated) == []
    assert bankfile.normalise_question(dated)["valid_until"] == "2026-05-31"
    assert bankfile.content_hash(bankfile.normalise_question(dated)) != plain
    assert bankfile.content_hash(bankfile.normalise_question({**q, "valid_from": ""})) == plain
    assert [f for f, _ in bankfile.check_question({**q, "valid_from": "明年"})] == ["valid_from"]
    assert [f for f, _ in bankfile.check_question({**q, "valid_from": "2026-06-01", "valid_until": "2026-05-31"})
            ] == ["valid_until"]
