"""Enrollment (报名): one by one or from the xlsx template, all or nothing, never above the class's capacity.

A trainee is matched by 证件类型 + 证件号码 — never silently when that number's account is unverified and its name
differs (identity.binding_problem: staff resolve the conflict on the 实名核验 page); someone new gets a
candidate account with a generated initial password (shown once to the staff member, to be changed at first
login). Seats are taken with one conditional
UPDATE (``enrolled_count + n <= capacity``), so two staff members enrolling at the same moment cannot overfill
a class on any backend; the CHECK constraint on the table backs it up.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import audit
from ..accounts import identity, idnumber, passwords
from ..accounts import service as accounts
from ..accounts.models import User
from ..errors import Conflict, NotFound, ValidationError
from ..permissions import Role
from ..spreadsheets import CheckedRow, SpreadsheetProblem, read_table, write_xlsx
from .models import Enrollment, EnrollmentStatus, TrainingClass
from .service import valid_completion

TEMPLATE_HEADER = ["姓名", "证件类型", "证件号码", "手机", "工作单位"]
_ID_TYPES_BY_LABEL = {label: kind.value for kind, label in idnumber.ID_TYPE_LABELS.items()}
_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # noqa: S105 - no look-alikes


def get_enrollment(session: Session, class_id: int, enrollment_id: int) -> Enrollment:
    row = session.get(Enrollment, enrollment_id)
    if row is None or row.class_id != class_id:
        raise NotFound()
    return row


def class_enrollments(session: Session, training_class: TrainingClass, *, active_only: bool = False):
    stmt = (select(Enrollment).join(User, User.id == Enrollment.trainee_id)
            .where(Enrollment.class_id == training_class.id).order_by(Enrollment.id))
    if active_only:
        stmt = stmt.where(Enrollment.status == EnrollmentStatus.ACTIVE)
    return list(session.scalars(stmt))


def trainee_enrollments(session: Session, trainee_id: int) -> list[Enrollment]:
    stmt = (select(Enrollment).join(TrainingClass, TrainingClass.id == Enrollment.class_id)
            .where(Enrollment.trainee_id == trainee_id).order_by(TrainingClass.starts_on.desc()))
    return list(session.scalars(stmt))


# ---- checking one person -------------------------------------------------------------------------------

@dataclass
class PersonRow(CheckedRow):
    """One person to enroll, as typed or as read from a spreadsheet row, with what is wrong with it."""

    line: int
    real_name: str
    id_type: str
    id_number: str
    phone: str
    employer_name: str
    existing: User | None = None
    id_valid: bool = False
    # Not problems: things staff should know before enrolling (e.g. already holds a valid completion).
    warnings: list[str] = field(default_factory=list)

    @property
    def masked_id(self) -> str:
        return idnumber.mask_number(self.id_number)


def _text(value: Any) -> str:
    """A cell as text: Excel hands numbers back as int or float (an ID typed as a number loses digits)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


def check_person(session: Session, row: PersonRow, *, training_class: TrainingClass, today: date) -> PersonRow:
    """Fill ``row.problems`` (messages for the user) and ``row.existing`` (the matched account)."""
    name = row.real_name.strip()
    if not name or len(name) > 64 or any(not ch.isprintable() for ch in name):
        row.problem("real_name", _l("姓名为空或无效"))
    if row.phone and not (row.phone.isdigit() and 5 <= len(row.phone) <= 20):
        row.problem("phone", _l("手机号码格式不正确"))
    if len(row.employer_name) > 200:
        row.problem("employer_name", _l("工作单位名称过长"))
    try:
        kind = idnumber.IdType(row.id_type)
    except ValueError:
        row.problem("id_type", _l("证件类型无效"))
        return row
    try:
        row.id_number = idnumber.validate(kind, row.id_number, today=today)
    except idnumber.InvalidIdNumber as exc:
        row.problem("id_number", exc)
        return row
    row.id_valid = True
    user = accounts.find_user_by_identity(session, row.id_type, row.id_number)
    if user is not None:
        row.existing = user
        conflict = identity.binding_problem(user, name)
        if conflict is not None:
            row.problem("real_name", conflict)
        elif Role.CANDIDATE not in user.roles:
            row.problem("id_number", _l("该证件号码对应的账号不是学员账号"))
        else:
            enrolled = session.scalar(select(Enrollment.status).where(
                Enrollment.class_id == training_class.id, Enrollment.trainee_id == user.id))
            if enrolled == EnrollmentStatus.ACTIVE:
                row.problem("id_number", _l("已在本班报名"))
            elif training_class.kind == "initial":
                held = valid_completion(session, trainee_id=user.id, category_id=training_class.category_id,
                                        on=today)
                if held is not None:
                    row.warnings.append(str(_l("已持有本类别有效的培训合格证明（%(number)s，有效期至 %(until)s），"
                                               "通常无需再参加初训", number=held.number,
                                               until=held.valid_until.isoformat())))
    return row


# ---- taking seats --------------------------------------------------------------------------------------

def _take_seats(session: Session, training_class: TrainingClass, n: int) -> None:
    """Atomically take ``n`` seats or refuse: the check and the increment are one statement."""
    result = session.execute(
        update(TrainingClass)
        .where(TrainingClass.id == training_class.id, TrainingClass.enrolled_count + n <= TrainingClass.capacity)
        .values(enrolled_count=TrainingClass.enrolled_count + n)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.refresh(training_class)
        raise Conflict(_l("名额不足：本班还剩 %(n)s 个名额", n=max(0, training_class.seats_left)),
                       code="class_full")
    session.refresh(training_class)


def _release_seat(session: Session, training_class: TrainingClass) -> None:
    session.execute(update(TrainingClass).where(TrainingClass.id == training_class.id, TrainingClass.enrolled_count > 0)
                    .values(enrolled_count=TrainingClass.enrolled_count - 1)
                    .execution_options(synchronize_session=False))
    session.refresh(training_class)


def new_password() -> str:
    while True:
        candidate = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(12))
        if passwords.policy_problem(candidate) is None:
            return candidate


def _new_username(session: Session, phone: str) -> str:
    taken = lambda name: session.scalar(select(User.id).where(User.username == name)) is not None  # noqa: E731
    if phone and len(phone) == 11 and not taken(phone):
        return phone
    while True:
        name = f"xy{secrets.randbelow(10**8):08d}"
        if not taken(name):
            return name


@dataclass
class Enrolled:
    enrollment: Enrollment
    username: str = ""
    initial_password: str = ""  # set only when an account was created; shown once, never stored in clear

    @property
    def new_account(self) -> bool:
        return bool(self.initial_password)


def _enroll_checked(session: Session, *, actor, training_class: TrainingClass, row: PersonRow, source: str,
                    now: datetime, in_person: bool = False) -> Enrolled:
    username = password = ""
    user = row.existing
    if user is None:
        username, password = _new_username(session, row.phone), new_password()
        user = accounts.create_user(session, actor=actor, username=username, real_name=row.real_name.strip(),
                                    id_type=row.id_type, id_number=row.id_number, password=password,
                                    phone=row.phone, must_change_password=True, now=now)
        accounts.grant_role(session, actor=actor, user=user, role=Role.CANDIDATE, organization_id=None, now=now)
    if in_person and not user.identity_verified:
        identity.verify(session, actor=actor, user=user, method=identity.CheckMethod.ENROLLED_IN_PERSON, now=now)
    enrollment = session.scalar(select(Enrollment).where(Enrollment.class_id == training_class.id,
                                                         Enrollment.trainee_id == user.id))
    if enrollment is None:
        enrollment = Enrollment(class_id=training_class.id, trainee_id=user.id,
                                institution_id=training_class.institution_id, enrolled_at=now)
        session.add(enrollment)
    enrollment.status, enrollment.withdrawn_at, enrollment.source = EnrollmentStatus.ACTIVE, None, source
    enrollment.phone, enrollment.employer_name = row.phone, row.employer_name.strip()
    enrollment.enrolled_by_id, enrollment.enrolled_at = getattr(actor, "id", None), now
    session.flush()
    audit.record(session, actor=actor, action="training.enroll", target=enrollment,
                 after={"class": training_class.id, "trainee": user.id, "name": idnumber.mask_name(user.real_name),
                        "new_account": bool(password), "source": source}, at=now)
    return Enrolled(enrollment, username, password)


def _check_open(training_class: TrainingClass) -> None:
    if not training_class.is_open_for_enrollment:
        raise Conflict(_l("班级未开放报名"), code="enrollment_closed")


def enroll_one(session: Session, *, actor, training_class: TrainingClass, real_name: str, id_type: str,
               id_number: str, phone: str = "", employer_name: str = "", in_person: bool = False,
               now: datetime, despite_warnings: bool = False) -> Enrolled:
    """Enroll one person; ``in_person``: staff checked the document of the person in front of them (实名核验).
    A warning (already holds a valid completion of the category) stops it until staff confirm
    (``despite_warnings``)."""
    _check_open(training_class)
    row = check_person(session, PersonRow(0, real_name or "", id_type or "", id_number or "", (phone or "").strip(),
                                          employer_name or ""), training_class=training_class, today=now.date())
    if row.problems:
        raise ValidationError(row.problems[0], field=row.fields[0], code="bad_person")
    if row.warnings and not despite_warnings:
        raise ValidationError(_l("%(warning)s。确认仍要报名请勾选「仍要报名」", warning=row.warnings[0]),
                              field="despite_warnings", code="holds_valid_completion")
    _take_seats(session, training_class, 1)
    return _enroll_checked(session, actor=actor, training_class=training_class, row=row, source="single", now=now,
                           in_person=in_person)


def withdraw(session: Session, *, actor, enrollment: Enrollment, now: datetime) -> Enrollment:
    if not enrollment.active:
        raise Conflict(_l("该学员已退班"), code="already_withdrawn")
    from .models import TrainingCompletion

    if session.scalar(select(TrainingCompletion.id).where(TrainingCompletion.enrollment_id == enrollment.id)):
        raise Conflict(_l("已出具培训合格证明的学员不能退班"), code="completed")
    enrollment.status, enrollment.withdrawn_at = EnrollmentStatus.WITHDRAWN, now
    _release_seat(session, enrollment.training_class)
    audit.record(session, actor=actor, action="training.withdraw", target=enrollment, at=now)
    return enrollment


def record_test_score(session: Session, *, actor, enrollment: Enrollment, score: int | None,
                      now: datetime) -> Enrollment:
    if not enrollment.training_class.final_test:
        raise Conflict(_l("本班未设置结业考核"), code="no_final_test")
    if score is None or not 0 <= score <= 100:
        raise ValidationError(_l("成绩应在 0–100 之间"), field="score")
    before = enrollment.test_score
    enrollment.test_score, enrollment.test_recorded_at = score, now
    audit.record(session, actor=actor, action="training.test_score", target=enrollment,
                 before={"score": before}, after={"score": score}, at=now)
    return enrollment


# ---- bulk ----------------------------------------------------------------------------------------------

def template_xlsx() -> bytes:
    """The enrolment template: header, one example row; the ID column is text so Excel keeps every digit."""
    import io

    from openpyxl import load_workbook

    data = write_xlsx([("报名名单", TEMPLATE_HEADER,
                        [["张三", "居民身份证", "11010119900307663X", "13800000000", "某某化工有限公司"]])])
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    for column in "CD":  # 证件号码, 手机: text, so Excel keeps every digit (and the X)
        sheet.column_dimensions[column].number_format = "@"
        sheet[f"{column}2"].number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parse_upload(data: bytes) -> list[PersonRow]:
    """Rows of an uploaded template (``SpreadsheetProblem`` when the file itself is unacceptable)."""
    header, rows = read_table(data)
    if [_text(c) for c in header][:5] != TEMPLATE_HEADER:
        raise SpreadsheetProblem("表头不符，请使用报名模板：" + "、".join(TEMPLATE_HEADER))
    people = []
    for line, cells in rows:
        cells = [*cells, "", "", "", "", ""][:5]
        name, kind_label, number, phone, employer = (_text(c) for c in cells)
        kind = _ID_TYPES_BY_LABEL.get(kind_label, kind_label) if kind_label else idnumber.IdType.RESIDENT.value
        people.append(PersonRow(line, name, kind, number, phone, employer))
    if not people:
        raise SpreadsheetProblem("表格中没有学员数据")
    return people


@dataclass
class Preview:
    rows: list[PersonRow]
    problems: list[str]  # problems of the whole file (e.g. not enough seats)

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.ok for r in self.rows)

    @property
    def bad_rows(self) -> list[PersonRow]:
        return [r for r in self.rows if not r.ok]


def preview(session: Session, *, training_class: TrainingClass, rows: list[PersonRow], today: date) -> Preview:
    """Every row's problems (invalid ID, duplicate in the file, name mismatch, already enrolled) and the file's."""
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        check_person(session, row, training_class=training_class, today=today)
        key = (row.id_type, row.id_number)
        if not row.id_valid:
            continue
        if key in seen:
            row.problem("id_number", _l("与第 %(n)s 行的证件号码重复", n=seen[key]))
        seen.setdefault(key, row.line)
    problems = []
    if not training_class.is_open_for_enrollment:
        problems.append(str(_l("班级未开放报名")))
    if len(rows) > training_class.seats_left:
        problems.append(str(_l("名单共 %(n)s 人，本班只剩 %(s)s 个名额", n=len(rows), s=training_class.seats_left)))
    return Preview(rows, problems)


def import_rows(session: Session, *, actor, training_class: TrainingClass, rows: list[PersonRow],
                now: datetime) -> list[Enrolled]:
    """Enroll every row or none: any problem refuses the whole list (the caller rolls back)."""
    _check_open(training_class)
    checked = preview(session, training_class=training_class, rows=rows, today=now.date())
    if not checked.ok:
        first = (checked.problems or [f"{r.line}: {r.problems[0]}" for r in checked.bad_rows])[0]
        raise ValidationError(_l("名单有问题，未导入任何学员：%(p)s", p=first), code="bulk_invalid")
    _take_seats(session, training_class, len(rows))
    done = [_enroll_checked(session, actor=actor, training_class=training_class, row=row, source="bulk", now=now)
            for row in rows]
    audit.record(session, actor=actor, action="training.enroll_bulk", target=training_class,
                 after={"rows": len(rows), "new_accounts": sum(1 for d in done if d.new_account)}, at=now)
    return done


def rows_to_payload(rows: list[PersonRow]) -> list[list[str]]:
    return [[str(r.line), r.real_name, r.id_type, r.id_number, r.phone, r.employer_name] for r in rows]


def rows_from_payload(payload: list[list[str]]) -> list[PersonRow]:
    try:
        return [PersonRow(int(line), name, kind, number, phone, employer)
                for line, name, kind, number, phone, employer in payload]
    except (TypeError, ValueError):
        raise ValidationError(_l("导入数据无效，请重新上传"), code="bad_payload") from None
