"""村(居)安全员 and 乡镇分管领导: the regulator records them and their latest training; the targets count
the share trained in a period (培训率 / 轮训). Services never commit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..clock import today_local
from ..errors import NotFound, ValidationError
from .models import LocalOfficial

KINDS = {"village_officer": _l("村(居)安全员"), "township_leader": _l("乡镇分管领导")}


def officials(session: Session, kind: str = "") -> list[LocalOfficial]:
    stmt = select(LocalOfficial).order_by(LocalOfficial.kind, LocalOfficial.place, LocalOfficial.name)
    if kind:
        stmt = stmt.where(LocalOfficial.kind == kind)
    return list(session.scalars(stmt))


def get_official(session: Session, official_id: int) -> LocalOfficial:
    found = session.get(LocalOfficial, official_id)
    if found is None:
        raise NotFound()
    return found


def _check_training(trained_on: date | None, hours: float | None, today: date) -> None:
    if trained_on is not None and trained_on > today:
        raise ValidationError(_l("培训日期不能晚于今天"), field="trained_on", code="future")
    if hours is not None and not 0 < hours <= 200:
        raise ValidationError(_l("学时应大于 0 且不超过 200"), field="hours", code="bad_hours")
    if (trained_on is None) != (hours is None):
        raise ValidationError(_l("培训日期与学时应同时填写"), field="hours", code="half_training")


def add_official(session: Session, *, actor: Any, kind: str, name: str, place: str, trained_on: date | None,
                 hours: float | None, training: str, now: datetime) -> LocalOfficial:
    if kind not in KINDS:
        raise ValidationError(_l("请选择人员类别"), field="kind", code="bad_kind")
    name, place = (name or "").strip(), (place or "").strip()
    if not name or len(name) > 64:
        raise ValidationError(_l("姓名为空或过长"), field="name", code="bad_name")
    if not place or len(place) > 100:
        raise ValidationError(_l("请填写所在乡镇或村(居)"), field="place", code="bad_place")
    _check_training(trained_on, hours, today_local(now))
    row = LocalOfficial(kind=kind, name=name, place=place, trained_on=trained_on, hours=hours,
                        training=(training or "").strip()[:1000], recorded_by_id=getattr(actor, "id", None),
                        created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="reports.official.add", target=row,
                 after={"kind": kind, "place": place, "trained_on": str(trained_on)}, at=now)
    return row


def record_training(session: Session, *, actor: Any, official: LocalOfficial, trained_on: date | None,
                    hours: float | None, training: str, now: datetime) -> LocalOfficial:
    if trained_on is None or hours is None:
        raise ValidationError(_l("培训日期与学时应同时填写"), field="trained_on", code="half_training")
    _check_training(trained_on, hours, today_local(now))
    before = {"trained_on": str(official.trained_on), "hours": official.hours}
    official.trained_on, official.hours, official.training = trained_on, hours, (training or "").strip()[:1000]
    official.updated_at = now
    session.flush()
    audit.record(session, actor=actor, action="reports.official.training", target=official, before=before,
                 after={"trained_on": str(trained_on), "hours": hours}, at=now)
    return official


def delete_official(session: Session, *, actor: Any, official: LocalOfficial, now: datetime) -> None:
    audit.record(session, actor=actor, action="reports.official.delete", target=official,
                 before={"kind": official.kind, "place": official.place}, at=now)
    session.delete(official)
    session.flush()


def trained_share(session: Session, kind: str, start: date, end: date) -> dict[str, Any]:
    """Of the people of ``kind`` recorded, how many were trained in [start, end), and the rate (percent)."""
    recorded = session.scalar(select(func.count(LocalOfficial.id)).where(LocalOfficial.kind == kind)) or 0
    trained = session.scalar(select(func.count(LocalOfficial.id)).where(
        LocalOfficial.kind == kind, LocalOfficial.trained_on >= start, LocalOfficial.trained_on < end)) or 0
    return {"recorded": recorded, "trained": trained,
            "rate": None if not recorded else round(100.0 * trained / recorded, 1)}
