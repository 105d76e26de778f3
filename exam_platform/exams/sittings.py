"""Sittings (考试场次): scheduled by the staff of an exam centre, for their own centre only."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from .. import audit
from ..accounts.models import Organization, RoleGrant, User
from ..banks.models import PaperRule
from ..catalog.models import Category
from ..catalog.service import rule_in_force
from ..clock import today_local
from ..errors import Conflict, NotFound, ValidationError
from ..permissions import Role
from .models import Attempt, AttemptState, Registration, RegistrationStatus, Sitting, SittingStaff, SittingStatus

STATUSES = ("draft", "published", "closed", "cancelled")
MAX_SEATS = 500


# ---- client subnets -----------------------------------------------------------------------------------------

def parse_subnets(text: str) -> list[str]:
    """Normalised CIDRs, one per line (or separated by commas/spaces); raise on any bad entry."""
    out = []
    for raw in text.replace(",", "\n").split():
        try:
            out.append(str(ipaddress.ip_network(raw.strip(), strict=False)))
        except ValueError:
            raise ValidationError(_l("无效的网段：%(net)s（示例：10.1.2.0/24）", net=raw), field="allowed_subnets",
                                  code="bad_subnet") from None
    return out


@lru_cache(maxsize=256)
def _networks(text: str) -> tuple:
    return tuple(ipaddress.ip_network(n, strict=False) for n in text.split())


def ip_allowed(subnets_text: str, ip: str | None) -> bool:
    """Whether a client address falls in a sitting's allowed subnets (empty list: any address)."""
    if not subnets_text.strip():
        return True
    try:
        addr = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    return any(addr in net for net in _networks(subnets_text))


# ---- reading ------------------------------------------------------------------------------------------------

def centres_of(user: User) -> list[Organization]:
    return sorted({g.organization for g in user.grants
                   if g.role == Role.CENTRE_STAFF and g.organization is not None}, key=lambda o: o.id)


def sittings_for_centres(centre_ids, *, status: str = ""):
    stmt = (select(Sitting).where(Sitting.centre_id.in_(list(centre_ids))).options(joinedload(Sitting.category))
            .order_by(Sitting.starts_at.desc()))
    if status:
        stmt = stmt.where(Sitting.status == status)
    return stmt


def get_sitting(session: Session, sitting_id: int) -> Sitting:
    sitting = session.get(Sitting, sitting_id, options=[joinedload(Sitting.centre), joinedload(Sitting.category)])
    if sitting is None:
        raise NotFound()
    return sitting


def blueprints_for(session: Session, category_id: int | None = None) -> list[PaperRule]:
    stmt = select(PaperRule).where(PaperRule.purpose == "exam", PaperRule.active.is_(True)).order_by(PaperRule.id)
    if category_id:
        stmt = stmt.where(PaperRule.category_id == category_id)
    return list(session.scalars(stmt))


def seats_taken(session: Session, sitting_id: int) -> int:
    return session.scalar(select(func.count(Registration.id)).where(
        Registration.sitting_id == sitting_id, Registration.status != RegistrationStatus.CANCELLED)) or 0


def staff(session: Session, sitting_id: int) -> list[tuple[SittingStaff, User]]:
    return list(session.execute(select(SittingStaff, User).join(User, User.id == SittingStaff.user_id)
                                .where(SittingStaff.sitting_id == sitting_id).order_by(SittingStaff.duty, User.id)))


def eligible_staff(session: Session, centre_id: int, duty: str) -> list[User]:
    roles = [Role.CENTRE_STAFF.value, Role.PROCTOR.value if duty == "proctor" else Role.EXAMINER.value]
    return list(session.scalars(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                                .where(RoleGrant.organization_id == centre_id, RoleGrant.role.in_(roles),
                                       User.active.is_(True)).distinct().order_by(User.id)))


def open_for_booking(session: Session, *, now: datetime):
    """Published self-booking sittings that have not begun."""
    return (select(Sitting).where(Sitting.status == SittingStatus.PUBLISHED, Sitting.self_booking.is_(True),
                                  Sitting.starts_at > now)
            .options(joinedload(Sitting.centre), joinedload(Sitting.category)).order_by(Sitting.starts_at))


# ---- writing ------------------------------------------------------------------------------------------------

def _check_values(session: Session, *, centre_id: int, blueprint: PaperRule, starts_at: datetime,
                  ends_at: datetime, minutes: int | None, seats: int, allowed_subnets: str, now: datetime,
                  require_future: bool = True) -> tuple[int, str, int]:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValidationError(_l("时间无效"), field="starts_at")
    if require_future and starts_at <= now:
        raise ValidationError(_l("开考时间应晚于现在"), field="starts_at")
    if ends_at <= starts_at:
        raise ValidationError(_l("结束时间应晚于开考时间"), field="ends_at")
    rule = rule_in_force(session, blueprint.category_id, today_local(starts_at))
    minutes = minutes or blueprint.minutes or rule.theory_minutes
    if not 5 <= minutes <= 600:
        raise ValidationError(_l("考试时长应在 5–600 分钟之间"), field="minutes")
    if (ends_at - starts_at).total_seconds() < minutes * 60:
        raise ValidationError(_l("考试窗口短于考试时长（%(m)s 分钟）", m=minutes), field="ends_at")
    if not 1 <= seats <= MAX_SEATS:
        raise ValidationError(_l("座位数应在 1–%(n)s 之间", n=MAX_SEATS), field="seats")
    centre = session.get(Organization, centre_id)
    if centre is None or centre.kind != "exam_centre":
        raise ValidationError(_l("考点无效"), field="centre_id")
    return minutes, "\n".join(parse_subnets(allowed_subnets)), rule.pass_mark


def create_sitting(session: Session, *, actor: User, centre_id: int, blueprint_id: int, title: str, room: str,
                   starts_at: datetime, ends_at: datetime, minutes: int | None, seats: int,
                   allowed_subnets: str = "", self_booking: bool = False, now: datetime) -> Sitting:
    blueprint = session.get(PaperRule, blueprint_id)
    if blueprint is None or blueprint.purpose != "exam" or not blueprint.active:
        raise ValidationError(_l("请选择有效的组卷规则"), field="blueprint_id")
    title = title.strip()
    if not title:
        raise ValidationError(_l("请填写场次名称"), field="title")
    minutes, subnets, pass_mark = _check_values(
        session, centre_id=centre_id, blueprint=blueprint, starts_at=starts_at, ends_at=ends_at, minutes=minutes,
        seats=seats, allowed_subnets=allowed_subnets, now=now)
    sitting = Sitting(centre_id=centre_id, category_id=blueprint.category_id, blueprint_id=blueprint.id,
                      title=title[:200], room=room.strip()[:100], starts_at=starts_at, ends_at=ends_at,
                      minutes=minutes, seats=seats, allowed_subnets=subnets, self_booking=self_booking,
                      pass_mark=pass_mark, status=SittingStatus.DRAFT, created_by_id=actor.id, created_at=now)
    session.add(sitting)
    session.flush()
    audit.record(session, actor=actor, action="sitting.create", target=sitting,
                 after={"title": sitting.title, "blueprint": blueprint.id, "starts": starts_at.isoformat()}, at=now)
    return sitting


def update_sitting(session: Session, *, actor: User, sitting: Sitting, title: str, room: str,
                   starts_at: datetime, ends_at: datetime, minutes: int | None, seats: int, allowed_subnets: str,
                   self_booking: bool, now: datetime) -> Sitting:
    if not sitting.editable:
        raise Conflict(_l("该场次已结束或已取消，不能修改"), code="sitting_locked")
    started = sitting.starts_at <= now
    taken = seats_taken(session, sitting.id)
    if seats < taken:
        raise ValidationError(_l("已有 %(n)s 人报名，座位数不能少于报名人数", n=taken), field="seats")
    if started and (starts_at != sitting.starts_at or minutes != sitting.minutes):
        raise Conflict(_l("考试已开始，不能再修改开考时间和时长（请在监考台为考生延时）"), code="sitting_started")
    blueprint = session.get(PaperRule, sitting.blueprint_id)
    minutes, subnets, pass_mark = _check_values(
        session, centre_id=sitting.centre_id, blueprint=blueprint, starts_at=starts_at, ends_at=ends_at,
        minutes=minutes, seats=seats, allowed_subnets=allowed_subnets, now=now, require_future=not started)
    before = {"starts": sitting.starts_at.isoformat(), "ends": sitting.ends_at.isoformat(), "minutes": sitting.minutes,
              "seats": sitting.seats, "subnets": sitting.allowed_subnets, "room": sitting.room}
    sitting.title, sitting.room = (title.strip() or sitting.title)[:200], room.strip()[:100]
    sitting.starts_at, sitting.ends_at, sitting.minutes, sitting.seats = starts_at, ends_at, minutes, seats
    sitting.allowed_subnets, sitting.self_booking, sitting.pass_mark = subnets, self_booking, pass_mark
    # Running attempts carry their own copy of the subnets (the save path reads no other row): keep it in step.
    session.execute(update(Attempt).where(
        Attempt.registration_id.in_(select(Registration.id).where(Registration.sitting_id == sitting.id)),
        Attempt.state == AttemptState.IN_PROGRESS).values(allowed_subnets=subnets))
    audit.record(session, actor=actor, action="sitting.update", target=sitting, before=before,
                 after={"starts": starts_at.isoformat(), "ends": ends_at.isoformat(), "minutes": minutes,
                        "seats": seats, "subnets": subnets, "room": sitting.room}, at=now)
    return sitting


def publish_sitting(session: Session, *, actor: User, sitting: Sitting, now: datetime) -> None:
    if not sitting.is_draft:
        raise Conflict(_l("只有草稿状态的场次可以发布"), code="not_draft")
    if sitting.starts_at <= now:
        raise Conflict(_l("开考时间已过，不能发布"), code="too_late")
    sitting.status = SittingStatus.PUBLISHED
    audit.record(session, actor=actor, action="sitting.publish", target=sitting, at=now)


def cancel_sitting(session: Session, *, actor: User, sitting: Sitting, reason: str, now: datetime) -> int:
    """Cancel a sitting that has not begun; its registrations are cancelled too (returns how many)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_l("请填写取消原因"), field="reason")
    if not sitting.editable:
        raise Conflict(_l("该场次已结束或已取消"), code="sitting_locked")
    if sitting.starts_at <= now and sitting.is_published:
        raise Conflict(_l("考试已开始，不能取消"), code="sitting_started")
    regs = list(session.scalars(select(Registration).where(Registration.sitting_id == sitting.id,
                                                           Registration.status != RegistrationStatus.CANCELLED)))
    for reg in regs:
        reg.status = RegistrationStatus.CANCELLED
    sitting.status, sitting.cancel_reason = SittingStatus.CANCELLED, reason[:2000]
    audit.record(session, actor=actor, action="sitting.cancel", target=sitting,
                 after={"registrations": len(regs)}, note=reason, at=now)
    return len(regs)


def assign_staff(session: Session, *, actor: User, sitting: Sitting, user_id: int, duty: str,
                 now: datetime) -> SittingStaff:
    if duty not in ("proctor", "examiner"):
        raise ValidationError(_l("职责无效"), field="duty")
    if user_id not in {u.id for u in eligible_staff(session, sitting.centre_id, duty)}:
        raise ValidationError(_l("只能指派本考点具有相应角色的人员"), field="user_id", code="not_centre_staff")
    if session.scalar(select(SittingStaff.id).where(SittingStaff.sitting_id == sitting.id,
                                                    SittingStaff.user_id == user_id, SittingStaff.duty == duty)):
        raise Conflict(_l("该人员已被指派"), field="user_id")
    row = SittingStaff(sitting_id=sitting.id, user_id=user_id, duty=duty)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="sitting.assign", target=sitting,
                 after={"user": user_id, "duty": duty}, at=now)
    return row


def unassign_staff(session: Session, *, actor: User, sitting: Sitting, assignment_id: int, now: datetime) -> None:
    row = session.get(SittingStaff, assignment_id)
    if row is None or row.sitting_id != sitting.id:
        raise NotFound()
    session.delete(row)
    audit.record(session, actor=actor, action="sitting.unassign", target=sitting,
                 before={"user": row.user_id, "duty": row.duty}, at=now)


def category_choices(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.position)))
