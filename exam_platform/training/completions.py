"""Training completion (培训合格证明): issued when the hours (and the class's own test) are done; checked publicly.

The number is unguessable (80 random bits) because it is also the key of the public check page that the printed
QR code opens; that page shows a masked name and no ID digits. Validity comes from the rule set in force on the
day of issue (``completion_valid_months``); exam registration asks ``service.valid_completion``.
"""

from __future__ import annotations

import calendar
import secrets
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..accounts.idnumber import mask_name, mask_number
from ..catalog.service import rule_in_force
from ..clock import today_local
from ..errors import Conflict, NotFound, ValidationError
from ..printing import pdf_document, qr_png
from .models import Enrollment, TrainingCompletion
from .progress import enrollment_progress

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
KIND_LABELS = {"initial": "初训", "refresher": "复训"}


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def new_number(issued_on: date) -> str:
    return f"PX{issued_on:%Y}" + "".join(secrets.choice(_ALPHABET) for _ in range(16))


def get_completion(session: Session, completion_id: int) -> TrainingCompletion:
    row = session.get(TrainingCompletion, completion_id)
    if row is None:
        raise NotFound()
    return row


def find_by_number(session: Session, number: str) -> TrainingCompletion:
    row = session.scalar(select(TrainingCompletion).where(TrainingCompletion.number == (number or "").strip()))
    if row is None:
        raise NotFound()
    return row


def completion_of(session: Session, enrollment: Enrollment) -> TrainingCompletion | None:
    return session.scalar(select(TrainingCompletion).where(TrainingCompletion.enrollment_id == enrollment.id))


def trainee_completions(session: Session, trainee_id: int) -> list[TrainingCompletion]:
    return list(session.scalars(select(TrainingCompletion).where(TrainingCompletion.trainee_id == trainee_id)
                                .order_by(TrainingCompletion.issued_on.desc())))


def blockers(session: Session, enrollment: Enrollment) -> list[str]:
    """Why a completion cannot be issued for this enrollment now (empty when it can)."""
    cls = enrollment.training_class
    reasons = []
    if not enrollment.active:
        reasons.append(str(_l("学员已退班")))
    if not cls.under_way:
        reasons.append(str(_l("班级尚未开班或已取消")))
    progress = enrollment_progress(session, enrollment)
    if not progress.complete:
        reasons.append(str(_l("学时未达标：已完成 %(h)s 学时，规定 %(r)s 学时",
                              h=f"{progress.hours:.1f}", r=progress.required_hours)))
    if cls.final_test:
        if enrollment.test_score is None:
            reasons.append(str(_l("尚未登记结业考核成绩")))
        elif enrollment.test_score < (cls.final_test_pass_mark or 0):
            reasons.append(str(_l("结业考核未合格（%(s)s 分，合格线 %(p)s 分）", s=enrollment.test_score,
                                  p=cls.final_test_pass_mark)))
    if completion_of(session, enrollment) is not None:
        reasons.append(str(_l("已出具过培训合格证明")))
    return reasons


def issue(session: Session, *, actor, enrollment: Enrollment, now: datetime) -> TrainingCompletion:
    problems = blockers(session, enrollment)
    if problems:
        raise Conflict(problems[0], code="not_eligible")
    cls = enrollment.training_class
    issued_on = today_local(now)
    rule = rule_in_force(session, cls.category_id, issued_on)
    progress = enrollment_progress(session, enrollment)
    completion = TrainingCompletion(
        number=new_number(issued_on), trainee_id=enrollment.trainee_id, institution_id=cls.institution_id,
        category_id=cls.category_id, enrollment_id=enrollment.id, class_id=cls.id, kind=cls.kind,
        hours=progress.whole_hours, issued_on=issued_on,
        valid_until=add_months(issued_on, rule.completion_valid_months), issued_by_id=actor.id, created_at=now)
    try:
        with session.begin_nested():
            session.add(completion)
    except IntegrityError:  # issued by someone else a moment ago (one completion per enrollment)
        raise Conflict(_l("已出具过培训合格证明"), code="already_issued") from None
    audit.record(session, actor=actor, action="training.completion.issue", target=completion,
                 after={"enrollment": enrollment.id, "kind": cls.kind, "hours": completion.hours,
                        "valid_until": str(completion.valid_until)}, at=now)
    return completion


def revoke(session: Session, *, actor, completion: TrainingCompletion, reason: str, now: datetime) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("请填写撤销原因"), field="reason", code="reason_required")
    if completion.revoked:
        raise Conflict(_l("该证明已撤销"), code="already_revoked")
    completion.revoked, completion.revoked_at, completion.revoked_reason = True, now, reason
    audit.record(session, actor=actor, action="training.completion.revoke", target=completion, note=reason, at=now)


def public_facts(completion: TrainingCompletion, today: date) -> dict:
    """What the public check page may show: masked name, no ID digits."""
    return {"number": completion.number, "name": mask_name(completion.trainee.real_name),
            "category": completion.category.label, "kind": completion.kind,
            "institution": completion.institution.name, "hours": completion.hours,
            "issued_on": completion.issued_on, "valid_until": completion.valid_until,
            "status": completion.status_on(today)}


def completion_pdf(completion: TrainingCompletion, *, check_url: str, today: date) -> bytes:
    trainee = completion.trainee
    status = {"valid": "有效", "expired": "已过期", "revoked": "已撤销"}[completion.status_on(today)]

    def draw(new_page):
        page = new_page()
        page.text(105, 30, "培训合格证明", 22, centre=True)
        page.line(20, 38, 190, 38)
        y = page.rows(24, 52, [
            ("证明编号", completion.number),
            ("姓名", trainee.real_name),
            ("证件号码", mask_number(trainee.id_number)),
            ("培训类别", completion.category.label),
            ("培训类型", KIND_LABELS.get(completion.kind, completion.kind)),
            ("认定学时", f"{completion.hours} 学时"),
            ("培训机构", completion.institution.name),
            ("出具日期", completion.issued_on.isoformat()),
            ("有效期至", completion.valid_until.isoformat()),
            ("状态", status),
        ], size=12, line_mm=10)
        page.image_png(140, y + 6, 40, qr_png(check_url))
        page.text(24, y + 16, "扫描右侧二维码可在线核验本证明。", 10)
        page.text(24, y + 24, "本证明用于报名参加相应类别的考核。", 10)

    return pdf_document(draw, title=f"培训合格证明 {completion.number}")
