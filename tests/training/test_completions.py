"""培训合格证明: when it may be issued, what exam registration sees, revocation, the printable PDF."""

import re
from datetime import date, timedelta

import pypdfium2
import pytest
import zxingcpp

from exam_platform.errors import Conflict, ValidationError
from exam_platform.training import attendance, completions, enrollment, service
from tests.conftest import FIXED_NOW
from tests.training import factories as tf


def attended_all(db, staff, cls, row):
    for s in cls.sessions:
        attendance.record_sheet(db, actor=staff, class_session=s, marks={row.id: ("present", None)}, now=FIXED_NOW)


@pytest.fixture()
def ready(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff)
    person = tf.trainee(db, real_name="张小明")
    row = tf.enroll(db, staff, cls, person)
    attended_all(db, staff, cls, row)
    return staff, cls, person, row


def test_issued_when_the_hours_are_done_and_seen_by_exam_registration(db, ready):
    staff, cls, person, row = ready
    assert completions.blockers(db, row) == []
    c = completions.issue(db, actor=staff, enrollment=row, now=FIXED_NOW)
    assert re.fullmatch(r"PX2026[0-9A-HJKMNP-TV-Z]{16}", c.number)
    assert (c.kind, c.hours, c.issued_on, c.valid_until) == ("initial", 48, date(2026, 11, 2), date(2027, 11, 2))
    seen = service.valid_completion(db, trainee_id=person.id, category_id=cls.category_id, on=date(2027, 6, 1))
    assert seen.id == c.id
    assert service.valid_completion(db, trainee_id=person.id, category_id=cls.category_id, on=date(2027, 6, 1),
                                    kind="refresher") is None
    assert service.valid_completion(db, trainee_id=person.id, category_id=cls.category_id,
                                    on=date(2027, 11, 3)) is None
    with pytest.raises(Conflict):
        completions.issue(db, actor=staff, enrollment=row, now=FIXED_NOW)
    with pytest.raises(Conflict):
        enrollment.withdraw(db, actor=staff, enrollment=row, now=FIXED_NOW)


def test_not_issued_short_of_hours_or_before_the_class_runs(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff)
    row = tf.enroll(db, staff, cls, tf.trainee(db))
    attendance.record_sheet(db, actor=staff, class_session=cls.sessions[0], marks={row.id: ("present", None)},
                            now=FIXED_NOW)
    assert completions.blockers(db, row) == ["学时未达标：已完成 4.0 学时，规定 48 学时"]
    with pytest.raises(Conflict, match="学时未达标"):
        completions.issue(db, actor=staff, enrollment=row, now=FIXED_NOW)
    opened = tf.training_class(db, staff, status="open")
    assert "班级尚未开班或已取消" in completions.blockers(db, tf.enroll(db, staff, opened, tf.trainee(db)))


def test_the_classes_own_test_must_be_passed_when_set(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff, final_test=True, pass_mark=80)
    row = tf.enroll(db, staff, cls, tf.trainee(db))
    attended_all(db, staff, cls, row)
    assert completions.blockers(db, row) == ["尚未登记结业考核成绩"]
    enrollment.record_test_score(db, actor=staff, enrollment=row, score=79, now=FIXED_NOW)
    assert completions.blockers(db, row) == ["结业考核未合格（79 分，合格线 80 分）"]
    with pytest.raises(ValidationError):
        enrollment.record_test_score(db, actor=staff, enrollment=row, score=101, now=FIXED_NOW)
    enrollment.record_test_score(db, actor=staff, enrollment=row, score=80, now=FIXED_NOW)
    assert completions.issue(db, actor=staff, enrollment=row, now=FIXED_NOW).hours == 48


def test_refresher_completion_for_review_and_validity_from_the_rule_set(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff, code="PRINCIPAL-HAZCHEM", kind="refresher", days=4)  # 16 h required
    person = tf.trainee(db)
    row = tf.enroll(db, staff, cls, person)
    attended_all(db, staff, cls, row)
    c = completions.issue(db, actor=staff, enrollment=row, now=FIXED_NOW)
    assert (c.kind, c.hours, c.valid_until) == ("refresher", 16, date(2027, 11, 2))
    assert service.valid_completion(db, trainee_id=person.id, category_id=cls.category_id, on=date(2026, 12, 1),
                                    kind="refresher").id == c.id


def test_revocation_needs_a_reason_and_ends_validity(db, ready):
    staff, cls, person, row = ready
    c = completions.issue(db, actor=staff, enrollment=row, now=FIXED_NOW)
    with pytest.raises(ValidationError):
        completions.revoke(db, actor=staff, completion=c, reason=" ", now=FIXED_NOW)
    completions.revoke(db, actor=staff, completion=c, reason="学时记录有误", now=FIXED_NOW)
    assert service.valid_completion(db, trainee_id=person.id, category_id=cls.category_id,
                                    on=date(2026, 12, 1)) is None
    assert completions.public_facts(c, date(2026, 12, 1))["status"] == "revoked"


def test_public_facts_mask_the_name_and_never_carry_id_digits(db, ready):
    staff, _cls, person, row = ready
    c = completions.issue(db, actor=staff, enrollment=row, now=FIXED_NOW)
    facts = completions.public_facts(c, date(2026, 12, 1))
    assert facts["name"] == "张*明" and facts["status"] == "valid"
    assert not any(person.id_number[6:14] in str(v) for v in facts.values())
    assert completions.public_facts(c, c.valid_until + timedelta(days=1))["status"] == "expired"


def test_pdf_has_the_number_and_a_qr_that_opens_the_check_page(db, ready):
    staff, _cls, person, row = ready
    c = completions.issue(db, actor=staff, enrollment=row, now=FIXED_NOW)
    url = f"https://train.example.cn/training/c/{c.number}"
    pdf = completions.completion_pdf(c, check_url=url, today=date(2026, 12, 1))
    page = pypdfium2.PdfDocument(pdf)[0]
    text = page.get_textpage().get_text_range()
    assert c.number in text and "培训合格证明" in text and person.id_number not in text
    assert [d.text for d in zxingcpp.read_barcodes(page.render(scale=3).to_pil())] == [url]
