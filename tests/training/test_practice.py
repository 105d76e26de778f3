"""Practice uses practice banks only (never an exam bank), shows the key after each answer, keeps a wrong-answer
book."""

import pytest
from sqlalchemy import select

from exam_platform.banks.models import QuestionVersion
from exam_platform.errors import NotFound, ValidationError
from exam_platform.training import practice
from tests.conftest import FIXED_NOW
from tests.training import factories as tf


@pytest.fixture()
def world(db):
    staff = tf.staff(db)
    inst = staff.grants[0].organization
    cls = tf.training_class(db, staff)
    person = tf.trainee(db)
    tf.enroll(db, staff, cls, person)
    banks = {
        "shipped": tf.bank(db),
        "own": tf.bank(db, owner=inst),
        "other_institution": tf.bank(db, owner=tf.institution(db)),
        "exam": tf.bank(db, purpose="exam"),
        "other_category": tf.bank(db, code="PRINCIPAL-HAZCHEM"),
    }
    return person, banks


def versions(db, bank):
    return {v.type: v for v in db.scalars(select(QuestionVersion).where(QuestionVersion.bank_id == bank.id))}


def test_only_practice_banks_of_the_trainees_categories_and_institutions(db, world):
    person, banks = world
    assert {b.id for b in practice.practice_banks(db, person.id)} == {banks["shipped"].id, banks["own"].id}
    for name in ("exam", "other_institution", "other_category"):
        with pytest.raises(NotFound):
            practice.get_practice_bank(db, person.id, banks[name].id)
    assert practice.practice_banks(db, tf.trainee(db).id) == []  # not enrolled anywhere


def test_an_exam_question_is_never_served_or_graded_even_through_a_practice_bank(db, world):
    person, banks = world
    bank = practice.get_practice_bank(db, person.id, banks["shipped"].id)
    exam_version = versions(db, banks["exam"])["single"]
    with pytest.raises(NotFound):
        practice.practice_version(db, bank, exam_version.id)
    with pytest.raises(NotFound):
        practice.answer(db, trainee_id=person.id, bank=bank, version_id=exam_version.id, raw=["A"], now=FIXED_NOW)
    with pytest.raises(NotFound):
        practice.current_version_of(db, bank, exam_version.question_id)
    # even if an exam bank were passed in directly, the pool query itself refuses it
    assert practice.next_question(db, trainee_id=person.id, bank=banks["exam"]) is None
    served = {practice.next_question(db, trainee_id=person.id, bank=bank).bank_id for _ in range(10)}
    assert served == {bank.id}


def test_by_topic_and_answers_are_checked_at_once(db, world):
    person, banks = world
    bank = banks["shipped"]
    assert sorted(practice.topics(db, bank)) == sorted([("安全用具", 1), ("电工基础", 1), ("触电急救", 1)])
    q = practice.next_question(db, trainee_id=person.id, bank=bank, topic="电工基础")
    assert q.type == "single"
    right = practice.answer(db, trainee_id=person.id, bank=bank, version_id=q.id, raw=["A"], now=FIXED_NOW)
    assert right.correct and right.response == "A"
    wrong = practice.answer(db, trainee_id=person.id, bank=bank, version_id=q.id, raw=["B"], now=FIXED_NOW)
    assert not wrong.correct


def test_multiple_choice_scores_only_the_exact_set(db, world):
    person, banks = world
    q = versions(db, banks["shipped"])["multiple"]
    grade = lambda raw: practice.answer(db, trainee_id=person.id, bank=banks["shipped"], version_id=q.id,  # noqa: E731
                                        raw=raw, now=FIXED_NOW).correct
    assert grade(["B", "A"]) and not grade(["A"]) and not grade(["A", "B", "C"])
    with pytest.raises(ValidationError):
        grade([])
    with pytest.raises(ValidationError):
        grade(["Z"])


def test_wrong_answer_book_collects_and_clears(db, world):
    person, banks = world
    bank = banks["shipped"]
    tf_q = versions(db, bank)["true_false"]
    practice.answer(db, trainee_id=person.id, bank=bank, version_id=tf_q.id, raw=["true"], now=FIXED_NOW)
    practice.answer(db, trainee_id=person.id, bank=bank, version_id=tf_q.id, raw=["true"], now=FIXED_NOW)
    book = practice.wrong_book(db, person.id)
    assert len(book) == 1 and book[0].wrong_count == 2 and book[0].version.explanation
    practice.answer(db, trainee_id=person.id, bank=bank, version_id=tf_q.id, raw=["false"], now=FIXED_NOW)
    assert practice.wrong_book(db, person.id) == []
    single = versions(db, bank)["single"]
    practice.answer(db, trainee_id=person.id, bank=bank, version_id=single.id, raw=["C"], now=FIXED_NOW)
    entry = practice.wrong_book(db, person.id)[0]
    with pytest.raises(NotFound):
        practice.remove_wrong(db, trainee_id=tf.trainee(db).id, entry_id=entry.id)
    practice.remove_wrong(db, trainee_id=person.id, entry_id=entry.id)
    assert practice.wrong_book(db, person.id) == []


def test_practice_prefers_questions_not_yet_answered_right(db, world):
    person, banks = world
    bank = banks["shipped"]
    for v in versions(db, bank).values():
        if v.type != "true_false":
            raw = v.answer if isinstance(v.answer, list) else [v.answer]
            practice.answer(db, trainee_id=person.id, bank=bank, version_id=v.id, raw=raw, now=FIXED_NOW)
    assert {practice.next_question(db, trainee_id=person.id, bank=bank).type for _ in range(5)} == {"true_false"}


def test_practice_shows_a_picture_of_its_own_bank_only_and_leaves_case_questions_out(client, db, world):
    """Issue #15: a practice question's picture is served to the bank's trainees; never a picture of another bank
    (an exam bank's, say); case questions are not practised one by one."""
    from exam_platform.banks import media
    from tests import factories as f
    from tests.banks.test_media import png

    person, banks = world
    own_sha = media.store(db, media.judge(png((1, 2, 3))), now=FIXED_NOW)
    exam_sha = media.store(db, media.judge(png((9, 8, 7))), now=FIXED_NOW)
    practice_v = next(iter(versions(db, banks["shipped"]).values()))
    practice_v.image = {"sha256": own_sha, "alt": "练习图片"}
    next(iter(versions(db, banks["exam"]).values())).image = {"sha256": exam_sha, "alt": "考试图片"}
    practice_v.type, practice_v.parts = "case", [{"type": "true_false", "stem": "小题", "options": [],
                                                  "answer": True, "points": 1}]
    db.commit()
    assert practice_v.id not in {v.id for v in db.scalars(practice._pool(banks["shipped"]))}
    f.login_as(client, person)
    bank_id = banks["shipped"].id
    response = client.get(f"/training/practice/{bank_id}/media/{own_sha}")
    assert response.status_code == 200 and response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/training/practice/{bank_id}/media/{exam_sha}").status_code == 404
    assert client.get(f"/training/practice/{banks['exam'].id}/media/{exam_sha}").status_code == 404
