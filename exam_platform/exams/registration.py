"""Registration (报名): eligibility, 准考证号, the paper drawn at once, bulk import, check-in and absence."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, joinedload

from .. import audit, spreadsheets
from ..accounts import education, identity, idnumber
from ..accounts.models import Organization, User
from ..accounts.service import find_user_by_identity
from ..banks.models import PaperRule
from ..banks.paper import PoolIndex
from ..catalog.service import rule_in_force
from ..clock import local, today_local
from ..errors import Conflict, NotFound, ValidationError
from ..permissions import Role
from ..training.service import valid_completion
from . import drawing, eligibility, regions, retakes
from .models import ExamResult, ProctorEvent, Registration, RegistrationStatus, Sitting
from .sittings import seats_taken


@dataclass
class Eligibility:
    reasons: list[str] = field(default_factory=list)
    completion_id: int | None = None
    attempt_no: int = 1

    @property
    def ok(self) -> bool:
        return not self.reasons


def _age_on(user: User, on: date) -> int | None:
    if user.id_type != "resident_id":
        return None
    try:
        born = idnumber.birth_date(user.id_number)
    except ValueError:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def check_eligibility(session: Session, *, candidate: User, sitting: Sitting, now: datetime) -> Eligibility:
    """Every reason this candidate may not register for this sitting (empty: eligible)."""
    out = Eligibility()
    reasons = out.reasons
    if Role.CANDIDATE not in candidate.roles or not candidate.active:
        reasons.append(str(_l("该账号不是有效的考生账号")))
        return out
    if not sitting.is_published:
        reasons.append(str(_l("该场次未发布或已取消，不能报名")))
    if now >= sitting.starts_at:
        reasons.append(str(_l("该场次已开考，报名已截止")))
    if seats_taken(session, sitting.id) >= sitting.seats:
        reasons.append(str(_l("该场次座位已满")))
    if session.scalar(select(Registration.id).where(Registration.sitting_id == sitting.id,
                                                    Registration.candidate_id == candidate.id)):
        reasons.append(str(_l("该考生已报名此场次")))
    exam_day = today_local(sitting.starts_at)
    rule = rule_in_force(session, sitting.category_id, exam_day)
    age = _age_on(candidate, exam_day)
    if age is not None and age < rule.min_age:
        reasons.append(str(_l("考试当日未满 %(n)s 周岁", n=rule.min_age)))
    if refused := education.refusal(candidate.education, rule.min_education):
        reasons.append(refused)
    if rule.application_region != "nationwide":
        employer = session.get(Organization, candidate.employer_id) if candidate.employer_id else None
        works = [employer.region_code if employer else "",
                 *eligibility.work_regions(session, id_type=candidate.id_type, id_number=candidate.id_number)]
        if refused := regions.refusal(rule.application_region, centre_region=sitting.centre.region_code,
                                      residence=regions.residence_province(candidate.id_type, candidate.id_number),
                                      work_regions=works):
            reasons.append(refused)
    completion = valid_completion(session, trainee_id=candidate.id, category_id=sitting.category_id, on=exam_day)
    if completion is None:
        reasons.append(str(_l("没有该类别在考试当日有效的培训合格证明：请先完成培训")))
    else:
        out.completion_id = completion.id
        # Earlier registrations on this training completion: absent or failed ones use up attempts per part,
        # counted by the retake policy of the rule set in force on this exam date.
        earlier = list(session.execute(
            select(Registration.status, ExamResult.passed, ExamResult.theory_passed).outerjoin(
                ExamResult, ExamResult.registration_id == Registration.id)
            .where(Registration.candidate_id == candidate.id, Registration.completion_id == completion.id,
                   Registration.status != RegistrationStatus.CANCELLED, Registration.sitting_id != sitting.id)))
        failed = [p for row in earlier if (p := retakes.failed_part(*row))]
        pending = sum(1 for status, passed, _th in earlier if status != RegistrationStatus.ABSENT and passed is None)
        out.attempt_no = len(failed) + 1
        if pending:
            reasons.append(str(_l("该考生在本类别已有尚未出结果的考试报名")))
        refused = retakes.refusal(failed, retakes.Policy(rule.theory_attempts, rule.practical_attempts,
                                                         rule.after_last_failure))
        if refused:
            reasons.append(refused)
    valid_pass = session.scalar(select(ExamResult.id).where(
        ExamResult.candidate_id == candidate.id, ExamResult.category_id == sitting.category_id,
        ExamResult.passed.is_(True), ExamResult.valid_until >= exam_day))
    if valid_pass:
        reasons.append(str(_l("该考生本类别已有在有效期内的合格成绩，无需再考")))
    reasons.extend(eligibility.refusals(session, candidate_id=candidate.id, category_id=sitting.category_id,
                                        on=exam_day))
    return out


def new_ticket_no(now: datetime) -> str:
    """准考证号: two year digits and 18 random digits (about 60 bits: cannot be guessed or enumerated)."""
    return f"{now:%y}{secrets.randbelow(10**18):018d}"


def register(session: Session, *, actor: User, candidate: User, sitting: Sitting, now: datetime,
             index: PoolIndex | None = None) -> Registration:
    """Register a candidate (staff or the candidate themself) and draw the paper at once."""
    found = check_eligibility(session, candidate=candidate, sitting=sitting, now=now)
    if not found.ok:
        raise ValidationError("；".join(found.reasons), code="not_eligible", reasons=found.reasons)
    reg = Registration(sitting_id=sitting.id, candidate_id=candidate.id, ticket_no=new_ticket_no(now),
                       attempt_no=found.attempt_no, completion_id=found.completion_id,
                       status=RegistrationStatus.REGISTERED,
                       registered_by_id=None if actor.id == candidate.id else actor.id, created_at=now)
    try:
        with session.begin_nested():
            session.add(reg)
            session.flush()
    except IntegrityError:
        raise Conflict(_l("该考生已报名此场次"), code="already_registered") from None
    blueprint = session.get(PaperRule, sitting.blueprint_id)
    drawing.draw_paper(session, blueprint=blueprint, now=now, registration_id=reg.id, index=index,
                       on=today_local(sitting.starts_at))
    session.flush()
    audit.record(session, actor=actor, action="registration.create", target=reg,
                 after={"sitting": sitting.id, "candidate": candidate.id, "attempt_no": reg.attempt_no,
                        "self": actor.id == candidate.id}, at=now)
    return reg


def register_by_identity(session: Session, *, actor: User, sitting: Sitting, id_type: str, id_number: str,
                         real_name: str, now: datetime) -> Registration:
    """Register the candidate staff typed (ID number and name): never an unverified account whose name differs."""
    try:
        idnumber.validate(id_type, id_number)
    except idnumber.InvalidIdNumber as exc:  # a mistyped number is not "no such candidate"
        raise ValidationError(exc.args[0], field="id_number", code="invalid_id_number") from None
    except ValueError:  # an unknown document type: no such candidate either way
        pass
    candidate = find_user_by_identity(session, id_type, id_number)
    if candidate is None:
        raise ValidationError(_l("没有找到该证件号码的考生账号（考生需先注册）"), field="id_number",
                              code="unknown_candidate")
    conflict = identity.binding_problem(candidate, real_name)
    if conflict is not None:
        raise ValidationError(conflict, field="real_name", code="identity_conflict")
    return register(session, actor=actor, candidate=candidate, sitting=sitting, now=now)


# ---- bulk import (xlsx by ID number): preview, then all or nothing ---------------------------------------------

@dataclass
class ImportRow:
    row: int
    id_type: str
    id_number: str
    name: str
    candidate: User | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def masked_id(self) -> str:
        n = self.id_number
        return n[:3] + "*" * max(0, len(n) - 7) + n[-4:] if len(n) > 7 else "***"


ID_TYPE_BY_LABEL = {label: code.value for code, label in idnumber.ID_TYPE_LABELS.items()}


def parse_import(data: bytes) -> list[tuple[int, str, str, str]]:
    """(row, id type, id number, name) from an xlsx: columns 证件号码, 姓名, [证件类型]."""
    try:
        rows = spreadsheets.read_rows(data)
    except spreadsheets.SpreadsheetProblem as exc:
        raise ValidationError(str(exc), field="file", code="bad_file") from None
    out = []
    for number, cells in rows:
        cells = [*cells, "", "", ""]
        id_number = idnumber.normalise(str(cells[0]))
        name = str(cells[1]).strip()
        raw_type = str(cells[2]).strip()
        id_type = ID_TYPE_BY_LABEL.get(raw_type, raw_type or "resident_id")
        out.append((number, id_type, id_number, name))
    if not out:
        raise ValidationError(_l("表格中没有数据行"), field="file", code="empty_file")
    return out


def check_import(session: Session, *, sitting: Sitting, rows: list[tuple[int, str, str, str]],
                 now: datetime) -> list[ImportRow]:
    """Check every row without writing anything; a row's problems say why it would be refused."""
    checked: list[ImportRow] = []
    seen: set[tuple[str, str]] = set()
    free = sitting.seats - seats_taken(session, sitting.id)
    for number, id_type, id_number, name in rows:
        row = ImportRow(number, id_type, id_number, name)
        checked.append(row)
        if (id_type, id_number) in seen:
            row.problems.append(str(_l("与前面的行重复")))
            continue
        seen.add((id_type, id_number))
        row.candidate = find_user_by_identity(session, id_type, id_number)
        if row.candidate is None:
            row.problems.append(str(_l("没有该证件号码的考生账号")))
            continue
        conflict = identity.binding_problem(row.candidate, name)
        if conflict is not None:
            row.problems.append(str(conflict))
        found = check_eligibility(session, candidate=row.candidate, sitting=sitting, now=now)
        row.problems.extend(r for r in found.reasons if r != str(_l("该场次座位已满")))
    if len([r for r in checked if r.candidate]) > free:
        checked[-1].problems.append(str(_l("座位不足：剩余 %(n)s 个座位", n=max(free, 0))))
    return checked


def import_candidates(session: Session, *, actor: User, sitting: Sitting, candidate_ids: list[int],
                      now: datetime) -> list[Registration]:
    """All or nothing: every candidate of a previewed import is checked again; any problem refuses the whole import."""
    candidates = [session.get(User, cid) for cid in candidate_ids]
    problems = [c for c in candidates if c is None]
    free = sitting.seats - seats_taken(session, sitting.id)
    for c in candidates:
        if c is not None and not check_eligibility(session, candidate=c, sitting=sitting, now=now).ok:
            problems.append(c)
    if problems or len(set(candidate_ids)) != len(candidate_ids) or len(candidates) > free or not candidates:
        raise ValidationError(_l("有 %(n)s 行不符合报名条件，未导入任何考生", n=max(len(problems), 1)),
                              code="import_refused")
    index = drawing.pool_index(session, session.get(PaperRule, sitting.blueprint_id).bank_id)
    regs = [register(session, actor=actor, candidate=c, sitting=sitting, now=now, index=index) for c in candidates]
    audit.record(session, actor=actor, action="registration.import", target=sitting,
                 after={"count": len(regs)}, at=now)
    return regs


def import_registrations(session: Session, *, actor: User, sitting: Sitting,
                         rows: list[tuple[int, str, str, str]], now: datetime) -> list[Registration]:
    """Import spreadsheet rows at once (all or nothing)."""
    checked = check_import(session, sitting=sitting, rows=rows, now=now)
    bad = [r for r in checked if r.problems]
    if bad:
        raise ValidationError(_l("有 %(n)s 行不符合报名条件，未导入任何考生", n=len(bad)), code="import_refused")
    return import_candidates(session, actor=actor, sitting=sitting, candidate_ids=[r.candidate.id for r in checked],
                             now=now)


# ---- reading, cancelling ---------------------------------------------------------------------------------------

def get_registration(session: Session, registration_id: int) -> Registration:
    reg = session.get(Registration, registration_id,
                      options=[joinedload(Registration.sitting), joinedload(Registration.candidate)])
    if reg is None:
        raise NotFound()
    return reg


def registrations_of(session: Session, sitting_id: int) -> list[Registration]:
    return list(session.scalars(select(Registration).where(Registration.sitting_id == sitting_id)
                                .options(joinedload(Registration.candidate))
                                .order_by(Registration.seat, Registration.id)))


def candidate_registrations(session: Session, candidate_id: int) -> list[Registration]:
    return list(session.scalars(select(Registration).join(Sitting, Sitting.id == Registration.sitting_id)
                                .options(contains_eager(Registration.sitting).joinedload(Sitting.category))
                                .where(Registration.candidate_id == candidate_id)
                                .order_by(Sitting.starts_at.desc())))


def cancel_registration(session: Session, *, actor: User, registration: Registration, now: datetime) -> None:
    if not registration.awaiting_check_in:
        raise Conflict(_l("只有尚未签到的报名可以取消"), code="not_cancellable")
    if now >= registration.sitting.starts_at:
        raise Conflict(_l("考试已开始，不能取消报名"), code="sitting_started")
    registration.status = RegistrationStatus.CANCELLED
    audit.record(session, actor=actor, action="registration.cancel", target=registration, at=now)


# ---- check-in at the centre -------------------------------------------------------------------------------------

def find_ticket(session: Session, *, sitting: Sitting, ticket_no: str) -> Registration:
    ticket_no = "".join(ticket_no.split())
    reg = session.scalar(select(Registration).where(Registration.ticket_no == ticket_no,
                                                    Registration.sitting_id == sitting.id))
    if reg is None:
        raise ValidationError(_l("本场次没有该准考证号"), field="ticket_no", code="unknown_ticket")
    return reg


def lookup_ticket(session: Session, *, sitting: Sitting, ticket_no: str) -> Registration | None:
    """The first step of check-in: the registration behind a typed or scanned 准考证号 of this sitting, or None."""
    ticket_no = "".join((ticket_no or "").split())
    if not ticket_no:
        return None
    return session.scalar(select(Registration).where(Registration.ticket_no == ticket_no,
                                                     Registration.sitting_id == sitting.id))


def checkin_window(sitting: Sitting, *, early_minutes: int, late_minutes: int) -> tuple[datetime, datetime]:
    """When check-in (签到) is open: from ``early_minutes`` before the start to ``late_minutes`` after it — never
    after the sitting's end, and only on the sitting's day (Shanghai)."""
    day = local(sitting.starts_at).replace(hour=0, minute=0, second=0, microsecond=0)
    opens = max(sitting.starts_at - timedelta(minutes=max(0, early_minutes)), day.astimezone(UTC))
    closes = min(sitting.starts_at + timedelta(minutes=max(0, late_minutes)), sitting.ends_at,
                 (day + timedelta(days=1)).astimezone(UTC))
    return opens, closes


def _taken_seats(session: Session, sitting: Sitting, *, other_than: int | None = None) -> set[str]:
    """Seats held in the room: checked in, or assigned in advance to a registration that is not cancelled."""
    return {seat for reg_id, seat in session.execute(
        select(Registration.id, Registration.seat).where(Registration.sitting_id == sitting.id,
                                                         Registration.status != RegistrationStatus.CANCELLED,
                                                         Registration.seat != ""))
            if reg_id != other_than}


def next_free_seat(session: Session, sitting: Sitting, *, other_than: int | None = None) -> str:
    """座位号 the next check-in gets: the lowest number of the room not held by anyone else."""
    taken = _taken_seats(session, sitting, other_than=other_than)
    return next(str(n) for n in range(1, sitting.seats + len(taken) + 2) if str(n) not in taken)


def assign_seats(session: Session, *, actor: User, sitting: Sitting, now: datetime) -> int:
    """Assign 座位号 in advance to every registration without one (in registration order); returns how many."""
    if not sitting.is_published:
        raise Conflict(_l("只有已发布的场次可以编排座位"), code="sitting_not_published")
    waiting = list(session.scalars(select(Registration).where(
        Registration.sitting_id == sitting.id,
        Registration.status.in_((RegistrationStatus.REGISTERED, RegistrationStatus.CHECKED_IN)),
        Registration.seat == "").order_by(Registration.id)))
    for reg in waiting:
        reg.seat = next_free_seat(session, sitting, other_than=reg.id)
        session.flush()
    audit.record(session, actor=actor, action="sitting.assign_seats", target=sitting, after={"seats": len(waiting)},
                 at=now)
    return len(waiting)


def check_in(session: Session, *, actor: User, registration: Registration, identity_confirmed: bool, seat: str,
             now: datetime, verify_identity: bool = False, early_minutes: int = 60,
             late_minutes: int = 30) -> Registration:
    """Check a candidate in — only inside the sitting's check-in window (``checkin_window``); an unverified identity
    only when the operator verifies it on the spot (``verify_identity``: the document was checked against the
    account's name and number). The seat: the one typed, else the one assigned in advance, else the next free."""
    sitting = registration.sitting
    if not identity_confirmed:
        raise ValidationError(_l("请先核对证件与本人，确认身份后再签到"), field="identity_confirmed",
                              code="identity_not_confirmed")
    if not registration.live:
        raise Conflict(_l("该报名已取消"), code="registration_cancelled")
    if registration.checked_in:
        raise Conflict(_l("该考生已签到（座位 %(s)s）", s=registration.seat), code="already_checked_in")
    opens, closes = checkin_window(sitting, early_minutes=early_minutes, late_minutes=late_minutes)
    if not sitting.is_published or now >= closes:
        raise Conflict(_l("该场次签到已截止（%(t)s）", t=f"{local(closes):%Y-%m-%d %H:%M}"), code="checkin_closed")
    if now < opens:
        raise Conflict(_l("签到尚未开始：%(t)s 起可以签到", t=f"{local(opens):%Y-%m-%d %H:%M}"),
                       code="checkin_not_open")
    candidate = registration.candidate
    if not candidate.identity_verified:
        if not verify_identity:
            raise ValidationError(
                _l("%(name)s 的账号尚未实名核验：请核对身份证件原件上的姓名（%(name)s）和号码（%(number)s）"
                   "与本人一致后，勾选「当场实名核验」再签到", name=candidate.real_name,
                   number=candidate.id_number),
                field="verify_identity", code="identity_unverified")
        identity.verify(session, actor=actor, user=candidate, method=identity.CheckMethod.DOCUMENT_AT_CHECKIN,
                        now=now)
    seat = seat.strip()[:20]
    if seat and seat in _taken_seats(session, sitting, other_than=registration.id):
        raise ValidationError(_l("该座位已有考生"), field="seat", code="seat_taken")
    seat = seat or registration.seat or next_free_seat(session, sitting, other_than=registration.id)
    registration.status, registration.seat = RegistrationStatus.CHECKED_IN, seat
    registration.checked_in_at, registration.identity_confirmed_by_id = now, actor.id
    audit.record(session, actor=actor, action="registration.check_in", target=registration,
                 after={"seat": seat, "identity_confirmed_by": actor.id}, at=now)
    return registration


def mark_absent(session: Session, *, actor: User, registration: Registration, now: datetime) -> None:
    if not registration.awaiting_check_in:
        raise Conflict(_l("只有未签到的考生可以记为缺考"), code="not_absentable")
    if now < registration.sitting.starts_at:
        raise Conflict(_l("开考后才能记缺考"), code="not_started")
    registration.status = RegistrationStatus.ABSENT
    session.add(ProctorEvent(sitting_id=registration.sitting_id, actor_id=actor.id, kind="absent",
                             reason=f"{registration.ticket_no}", at=now))
    audit.record(session, actor=actor, action="registration.absent", target=registration, at=now)


def centre_ids_of(session: Session, candidate_id: int) -> set[int]:
    """The centres where ``candidate_id`` is registered (any sitting, not cancelled): their staff may see the
    candidate's photo (``permissions.can_see_photo``)."""
    return set(session.scalars(select(Sitting.centre_id).join(Registration, Registration.sitting_id == Sitting.id)
                               .where(Registration.candidate_id == candidate_id,
                                      Registration.status != RegistrationStatus.CANCELLED).distinct()))
