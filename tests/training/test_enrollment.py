"""Enrollment: new accounts with a one-time password, matching by ID number, bulk xlsx all-or-nothing, capacity
(under real concurrency: test_concurrency.py)."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from exam_platform.accounts import passwords
from exam_platform.accounts.models import User
from exam_platform.errors import Conflict, ValidationError
from exam_platform.permissions import Role
from exam_platform.spreadsheets import SpreadsheetProblem
from exam_platform.training import enrollment
from exam_platform.training.models import Enrollment
from tests import factories as f
from tests.conftest import FIXED_NOW
from tests.training import factories as tf


def xlsx(rows, header=None) -> bytes:
    return f.xlsx(header or enrollment.TEMPLATE_HEADER, rows)


def new_id() -> str:
    return f.unique_id_number()


def test_a_new_trainee_gets_an_account_with_a_one_time_password_to_change(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff)
    number = new_id()
    done = enrollment.enroll_one(db, actor=staff, training_class=cls, real_name="王五", id_type="resident_id",
                                 id_number=number, phone="13912345678", employer_name="某化工厂", now=FIXED_NOW)
    user = done.enrollment.trainee
    assert done.new_account and done.username == "13912345678"
    assert passwords.verify_password(user.password_hash, done.initial_password)
    assert done.initial_password not in user.password_hash
    assert user.must_change_password and Role.CANDIDATE in user.roles
    assert (done.enrollment.employer_name, done.enrollment.institution_id) == ("某化工厂", cls.institution_id)
    assert cls.enrolled_count == 1


def test_an_existing_trainee_is_matched_by_id_number(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff)
    person = tf.trainee(db, real_name="李四")
    done = enrollment.enroll_one(db, actor=staff, training_class=cls, real_name="李四", id_type="resident_id",
                                 id_number=person.id_number.lower(), now=FIXED_NOW)
    assert not done.new_account and done.enrollment.trainee_id == person.id
    with pytest.raises(ValidationError, match="已在本班报名"):
        enrollment.enroll_one(db, actor=staff, training_class=cls, real_name="李四", id_type="resident_id",
                              id_number=person.id_number, now=FIXED_NOW)
    with pytest.raises(ValidationError, match="姓名") as err:
        enrollment.enroll_one(db, actor=staff, training_class=tf.training_class(db, staff), real_name="李五",
                              id_type="resident_id", id_number=person.id_number, now=FIXED_NOW)
    assert err.value.field == "real_name"
    # a staff account is never turned into a trainee by an institution
    with pytest.raises(ValidationError, match="不是学员账号"):
        enrollment.enroll_one(db, actor=staff, training_class=cls, real_name=staff.real_name, id_type="resident_id",
                              id_number=staff.id_number, now=FIXED_NOW)


def test_bad_id_numbers_are_refused_at_the_field(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff)
    valid = new_id()
    bad = valid[:17] + ("0" if valid[17] != "0" else "1")  # the wrong check character
    with pytest.raises(ValidationError) as err:
        enrollment.enroll_one(db, actor=staff, training_class=cls, real_name="王五", id_type="resident_id",
                              id_number=bad, now=FIXED_NOW)
    assert err.value.field == "id_number"


def test_capacity_is_enforced_and_a_withdrawal_frees_the_seat(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff, capacity=1)
    first = tf.enroll(db, staff, cls, tf.trainee(db))
    with pytest.raises(Conflict) as err:
        tf.enroll(db, staff, cls, tf.trainee(db))
    assert err.value.code == "class_full"
    enrollment.withdraw(db, actor=staff, enrollment=first, now=FIXED_NOW)
    assert cls.enrolled_count == 0
    tf.enroll(db, staff, cls, tf.trainee(db))
    assert cls.enrolled_count == 1


def test_enrollment_only_while_the_class_is_open_or_running(db):
    staff = tf.staff(db)
    with pytest.raises(Conflict, match="未开放报名"):
        tf.enroll(db, staff, tf.training_class(db, staff, status="planned"), tf.trainee(db))
    with pytest.raises(Conflict):
        tf.enroll(db, staff, tf.training_class(db, staff, status="finished"), tf.trainee(db))


# ---- bulk ----------------------------------------------------------------------------------------------

def test_template_has_the_header_and_keeps_id_numbers_as_text():
    sheet = load_workbook(io.BytesIO(enrollment.template_xlsx())).worksheets[0]
    assert [c.value for c in sheet[1]] == enrollment.TEMPLATE_HEADER
    assert sheet.column_dimensions["C"].number_format == "@" and sheet.max_row == 2


def test_bulk_preview_names_every_bad_row_and_imports_nothing(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff, capacity=10)
    existing = tf.trainee(db, real_name="李四")
    good, dup = new_id(), new_id()
    bad_checksum = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [["王五", "居民身份证", good, "13900000001", "甲公司"],
            ["赵六", "居民身份证", bad_checksum, "13900000002", "乙公司"],
            ["李四", "", existing.id_number, "", ""],
            ["钱七", "居民身份证", dup, "139", ""],
            ["孙八", "居民身份证", dup, "13900000004", ""],
            ["周九", "驾驶证", new_id(), "", ""]]
    people = enrollment.parse_upload(xlsx(rows))
    checked = enrollment.preview(db, training_class=cls, rows=people, today=FIXED_NOW.date())
    problems = {r.line: r.problems for r in checked.rows}
    assert not checked.ok
    assert problems[2] == [] and problems[4] == []  # the existing account (default 证件类型) is matched
    assert checked.rows[2].existing.id == existing.id
    assert "校验位" in problems[3][0]
    assert any("手机" in p for p in problems[5])
    assert problems[6] == ["与第 5 行的证件号码重复"]
    assert problems[7] == ["证件类型无效"]
    db.commit()  # (a savepoint in tests) — the view rolls back to here when the import is refused
    users_before = db.scalar(select(func.count(User.id)))
    with pytest.raises(ValidationError) as err:
        enrollment.import_rows(db, actor=staff, training_class=cls, rows=people, now=FIXED_NOW)
    assert err.value.code == "bulk_invalid"
    db.rollback()
    assert db.scalar(select(func.count(Enrollment.id)).where(Enrollment.class_id == cls.id)) == 0
    assert db.scalar(select(func.count(User.id))) == users_before


def test_bulk_fixed_file_imports_every_row(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff, capacity=3)
    existing = tf.trainee(db, real_name="李四")
    rows = [["王五", "居民身份证", new_id(), "13900000011", "甲公司"],
            ["李四", "居民身份证", existing.id_number, "", ""]]
    people = enrollment.parse_upload(xlsx(rows))
    done = enrollment.import_rows(db, actor=staff, training_class=cls, rows=people, now=FIXED_NOW)
    assert [d.new_account for d in done] == [True, False]
    assert cls.enrolled_count == 2
    assert done[0].enrollment.source == "bulk" and done[0].enrollment.trainee.must_change_password


def test_bulk_more_rows_than_seats_is_a_problem_of_the_file(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff, capacity=1)
    people = enrollment.parse_upload(xlsx([["王五", "", new_id(), "", ""], ["赵六", "", new_id(), "", ""]]))
    checked = enrollment.preview(db, training_class=cls, rows=people, today=FIXED_NOW.date())
    assert checked.problems == ["名单共 2 人，本班只剩 1 个名额"] and not checked.ok


@pytest.mark.parametrize("data, reason", [
    (xlsx([["王五", "", "1", "", ""]], header=["name", "id"]), "表头不符"),
    (xlsx([]), "没有学员数据"),
    (b"not a spreadsheet", "不是有效的 .xlsx"),
])
def test_unacceptable_files_are_refused_with_a_reason(data, reason):
    with pytest.raises(SpreadsheetProblem, match=reason):
        enrollment.parse_upload(data)
