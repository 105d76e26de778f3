"""Records of "三级"安全教育 and 班组长 training, the employer's industry and the workers' start/转岗 dates; who is
short of what (``education.standing`` under the rules in force). Services never commit; lookups are scoped."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..accounts import idnumber
from ..clock import today_local
from ..errors import NotFound, ValidationError
from . import education, education_rules
from .models import EducationRecord, EmployerProfile, Level, Occasion, Worker

OCCASION_LABELS = {Occasion.INITIAL: _l("岗前三级教育"), Occasion.REASSIGNMENT: _l("转岗/复岗教育"),
                   Occasion.YEARLY: _l("年度再培训"), Occasion.TEAM_LEADER: _l("班组长培训")}
LEVEL_LABELS = {Level.COMPANY: _l("厂（矿）/公司级"), Level.WORKSHOP: _l("车间（工段、区、队）级"),
                Level.TEAM: _l("班组级"), Level.NONE: ""}
NEED_LABELS = {education.INITIAL: _l("岗前三级教育"), education.REASSIGNMENT: _l("转岗/复岗重新教育"),
               education.YEARLY: _l("年度再培训")}
GENERAL = "一般行业"


def level_label(level: str) -> str:
    return str(LEVEL_LABELS.get(level, level))


# ---- the employer's industry ---------------------------------------------------------------------------

def industry_of(session: Session, employer_id: int) -> str:
    profile = session.get(EmployerProfile, employer_id)
    return profile.industry if profile else GENERAL


def set_industry(session: Session, *, actor: Any, employer_id: int, industry: str, now: datetime) -> EmployerProfile:
    if industry not in education_rules.industries(on=today_local(now)):
        raise ValidationError(_l("请选择行业"), field="industry", code="bad_industry")
    profile = session.get(EmployerProfile, employer_id)
    before = {"industry": profile.industry} if profile else None
    if profile is None:
        profile = EmployerProfile(employer_id=employer_id, industry=industry, updated_at=now)
        session.add(profile)
    profile.industry, profile.updated_at = industry, now
    session.flush()
    audit.record(session, actor=actor, action="employers.industry.set", target=profile, before=before,
                 after={"industry": industry}, at=now)
    return profile


# ---- a worker's dates ------------------------------------------------------------------------------------

def set_worker_dates(session: Session, *, actor: Any, worker: Worker, started_on: date | None,
                     reassigned_on: date | None, away_since: date | None, now: datetime) -> Worker:
    """上岗日期, the latest 转岗/复岗 date and, for a return, the day the worker left."""
    today = today_local(now)
    for name, day in (("started_on", started_on), ("reassigned_on", reassigned_on), ("away_since", away_since)):
        if day is not None and day > today:
            raise ValidationError(_l("日期不能晚于今天"), field=name, code="future")
    if away_since is not None and reassigned_on is None:
        raise ValidationError(_l("填写离岗日期时请同时填写复岗日期"), field="reassigned_on", code="return_without_date")
    if away_since is not None and away_since >= reassigned_on:
        raise ValidationError(_l("离岗日期应早于复岗日期"), field="away_since", code="bad_order")
    if started_on is not None and reassigned_on is not None and reassigned_on < started_on:
        raise ValidationError(_l("转岗/复岗日期应晚于上岗日期"), field="reassigned_on", code="bad_order")
    before = {"started_on": str(worker.started_on), "reassigned_on": str(worker.reassigned_on),
              "away_since": str(worker.away_since)}
    worker.started_on, worker.reassigned_on, worker.away_since = started_on, reassigned_on, away_since
    worker.updated_at = now
    session.flush()
    audit.record(session, actor=actor, action="employers.worker.dates", target=worker, before=before,
                 after={"started_on": str(started_on), "reassigned_on": str(reassigned_on),
                        "away_since": str(away_since)}, at=now)
    return worker


# ---- records ----------------------------------------------------------------------------------------------

def records_of(session: Session, worker_ids: list[int]) -> dict[int, list[EducationRecord]]:
    found: dict[int, list[EducationRecord]] = defaultdict(list)
    if worker_ids:
        for r in session.scalars(select(EducationRecord).where(EducationRecord.worker_id.in_(worker_ids))
                                 .order_by(EducationRecord.held_on, EducationRecord.id)):
            found[r.worker_id].append(r)
    return found


def get_record(session: Session, worker: Worker, record_id: int) -> EducationRecord:
    record = session.get(EducationRecord, record_id)
    if record is None or record.worker_id != worker.id:
        raise NotFound()
    return record


def add_record(session: Session, *, actor: Any, worker: Worker, occasion: str, level: str, held_on: date | None,
               hours: float | None, content: str, trainer: str, confirmed_on: date | None,
               now: datetime) -> EducationRecord:
    today = today_local(now)
    if occasion not in Occasion._value2member_map_:
        raise ValidationError(_l("请选择教育类型"), field="occasion", code="bad_occasion")
    rules = education_rules.rules_on(held_on or today)
    if occasion in (Occasion.INITIAL, Occasion.REASSIGNMENT):
        allowed = rules.levels if occasion == Occasion.INITIAL else rules.reassignment_levels
        if level not in allowed:
            raise ValidationError(_l("请选择本次教育的级别"), field="level", code="bad_level")
    else:
        level = ""
    if held_on is None or held_on > today:
        raise ValidationError(_l("请填写培训日期（不晚于今天）"), field="held_on", code="bad_date")
    if hours is None or not 0 < hours <= 200:
        raise ValidationError(_l("学时应大于 0 且不超过 200"), field="hours", code="bad_hours")
    if confirmed_on is not None and not held_on <= confirmed_on <= today:
        raise ValidationError(_l("确认日期应在培训日期与今天之间"), field="confirmed_on", code="bad_confirmation")
    content, trainer = (content or "").strip(), (trainer or "").strip()
    if not content:
        raise ValidationError(_l("请填写培训内容"), field="content", code="no_content")
    if not trainer or len(trainer) > 64:
        raise ValidationError(_l("请填写授课人"), field="trainer", code="no_trainer")
    record = EducationRecord(employer_id=worker.employer_id, worker_id=worker.id, occasion=occasion, level=level,
                             held_on=held_on, hours=float(hours), content=content[:2000], trainer=trainer,
                             confirmed_on=confirmed_on, recorded_by_id=getattr(actor, "id", None), created_at=now)
    session.add(record)
    session.flush()
    audit.record(session, actor=actor, action="employers.education.add", target=record,
                 after={"worker": worker.id, "occasion": occasion, "level": level, "held_on": str(held_on),
                        "hours": float(hours), "confirmed": confirmed_on is not None}, at=now)
    return record


def confirm_record(session: Session, *, actor: Any, record: EducationRecord, confirmed_on: date | None,
                   now: datetime) -> EducationRecord:
    """The worker signed the record (签字确认) on ``confirmed_on``."""
    if record.confirmed_on is not None:
        raise ValidationError(_l("该记录已确认"), code="already_confirmed")
    if confirmed_on is None or not record.held_on <= confirmed_on <= today_local(now):
        raise ValidationError(_l("确认日期应在培训日期与今天之间"), field="confirmed_on", code="bad_confirmation")
    record.confirmed_on = confirmed_on
    session.flush()
    audit.record(session, actor=actor, action="employers.education.confirm", target=record,
                 after={"confirmed_on": str(confirmed_on)}, at=now)
    return record


def delete_record(session: Session, *, actor: Any, record: EducationRecord, now: datetime) -> None:
    audit.record(session, actor=actor, action="employers.education.delete", target=record,
                 before={"worker": record.worker_id, "occasion": record.occasion, "level": record.level,
                         "held_on": str(record.held_on), "hours": record.hours}, at=now)
    session.delete(record)
    session.flush()


# ---- who is short of what ---------------------------------------------------------------------------------

def facts(worker: Worker, industry: str) -> education.WorkerFacts:
    return education.WorkerFacts(industry=industry, started_on=worker.started_on,
                                 reassigned_on=worker.reassigned_on, away_since=worker.away_since)


def record_facts(records: list[EducationRecord]) -> list[education.RecordFact]:
    return [education.RecordFact(r.occasion, r.level, r.held_on, r.hours, r.confirmed_on is not None)
            for r in records]


def worker_standing(session: Session, worker: Worker, *, today: date) -> education.EducationStanding:
    rules = education_rules.rules_on(today)
    found = records_of(session, [worker.id])[worker.id]
    return education.standing(rules, facts(worker, industry_of(session, worker.employer_id)), record_facts(found),
                              today=today)


@dataclass
class WorkerEducation:
    worker: Worker
    standing: education.EducationStanding
    records: list[EducationRecord]

    @property
    def masked_id(self) -> str:
        return idnumber.mask_number(self.worker.id_number)


def employer_education(session: Session, employer_id: int, *, today: date) -> list[WorkerEducation]:
    """Every worker of the roster with their standing (three queries, whatever the roster's size)."""
    rules = education_rules.rules_on(today)
    industry = industry_of(session, employer_id)
    workers = list(session.scalars(select(Worker).where(Worker.employer_id == employer_id)
                                   .order_by(Worker.real_name, Worker.id)))
    found = records_of(session, [w.id for w in workers])
    return [WorkerEducation(w, education.standing(rules, facts(w, industry), record_facts(found[w.id]), today=today),
                            found[w.id]) for w in workers]


def need_text(need: education.Need) -> str:
    """What is missing, in words (学时 and levels)."""
    parts = []
    if need.missing_levels:
        parts.append(str(_l("缺%(levels)s", levels="、".join(level_label(lv) for lv in need.missing_levels))))
    if need.hours_short:
        parts.append(str(_l("差 %(h)s 学时（已 %(d)s / 应 %(r)s）", h=f"{need.hours_short:g}",
                            d=f"{need.hours_done:g}", r=f"{need.hours_required:g}")))
    return "；".join(parts)


def trained_workers(session: Session, start: date, end: date) -> int:
    """其他从业人员培训人数: distinct workers of every employer with a confirmed 三级/再培训/班组长 record held in
    [start, end) (the regulator's target counts people, not sessions)."""
    from sqlalchemy import func

    return session.scalar(select(func.count(func.distinct(EducationRecord.worker_id))).where(
        EducationRecord.held_on >= start, EducationRecord.held_on < end,
        EducationRecord.confirmed_on.is_not(None))) or 0
