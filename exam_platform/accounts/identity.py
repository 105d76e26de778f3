"""实名核验: an account's identity counts only once staff have checked it against the physical document.

Anyone may register with any valid ID number, so a self-registered account is *unverified*: it may study and
practise, but it is not bound silently to what staff type (enrollment, exam registration) when the names differ,
and it cannot be checked in to an exam. Staff of a training institution or an exam centre, with the person and
their document in front of them, either **verify** the account (who, when and how are recorded on the user and
in the audit trail) or **set it aside** when someone else registered on that number: the account is disabled and
its number freed, so the real holder can be enrolled or register anew.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, ValidationError
from ..permissions import is_staff_account
from . import idnumber
from .models import User


class IdentityStatus(enum.StrEnum):
    UNVERIFIED = "unverified"  # 未核验: self-registered, created from a list, or from before verification existed
    VERIFIED = "verified"      # 已核验
    SET_ASIDE = "set_aside"    # 已搁置: registered on someone else's number; disabled, number freed


class CheckMethod(enum.StrEnum):
    DOCUMENT_ON_SITE = "document_on_site"        # 实名核验页面：现场核验身份证件原件
    DOCUMENT_AT_CHECKIN = "document_at_checkin"  # 考场签到时核验身份证件原件
    ENROLLED_IN_PERSON = "enrolled_in_person"    # 培训报名时本人在场，核验身份证件原件
    DEMO = "demo"                                # 演示数据（seed-demo 创建，并非真实核验）


STATUS_LABELS = {
    IdentityStatus.UNVERIFIED: _l("未实名核验"),
    IdentityStatus.VERIFIED: _l("已实名核验"),
    IdentityStatus.SET_ASIDE: _l("已搁置（证件号码被冒用）"),
}
METHOD_LABELS = {
    CheckMethod.DOCUMENT_ON_SITE: _l("现场核验身份证件原件"),
    CheckMethod.DOCUMENT_AT_CHECKIN: _l("考场签到时核验身份证件原件"),
    CheckMethod.ENROLLED_IN_PERSON: _l("培训报名时本人在场核验证件原件"),
    CheckMethod.DEMO: _l("演示数据（未经真实核验）"),
}

#: The message for a self-registered person, and for the public registration page whatever happened.
HOW_TO_GO_ON = _l("如已有账号，请直接用原用户名登录，忘记密码请联系培训机构或考点重置；如证件号码被他人冒用，"
                  "请携身份证件原件到培训机构或考点进行实名核验。自行注册的账号须经实名核验后才能参加考试。")


def lookup(session: Session, *, id_type: str, id_number: str, today) -> User | None:
    """The account on this document's number (None: no account), or a ``ValidationError`` for a bad number."""
    try:
        number = idnumber.validate(id_type, id_number, today=today)
    except (idnumber.InvalidIdNumber, ValueError) as exc:
        message = str(exc) if isinstance(exc, idnumber.InvalidIdNumber) else _l("证件类型无效")
        raise ValidationError(message, field="id_number") from None
    return session.scalar(select(User).where(User.id_type == id_type, User.id_number == number))


def status_label(user: User) -> str:
    return str(STATUS_LABELS.get(IdentityStatus(user.identity_status), user.identity_status))


def method_label(user: User) -> str:
    method = user.identity_check_method
    return str(METHOD_LABELS[CheckMethod(method)]) if method in set(CheckMethod) else ""


def binding_problem(user: User, typed_name: str):
    """Why staff who typed ``typed_name`` and an ID number may not bind the person to ``user`` (that number's
    account), or None. An unverified account is bound only when the name matches exactly: a differing name is
    a conflict for staff to resolve with the document in hand, never something to pass over."""
    typed = typed_name.strip()
    if typed == user.real_name.strip():
        return None
    if user.identity_status == IdentityStatus.VERIFIED:
        return _l("姓名与该证件号码已有账号的姓名不一致") if typed else None
    if not typed:
        return _l("该证件号码的账号未实名核验：请填写姓名，以便与账号核对")
    return _l("冲突：该证件号码已有一个未实名核验的账号，账号姓名（%(account)s）与填写的姓名不一致。"
              "请本人携身份证件原件，由工作人员在「实名核验」页面核验该账号或将其搁置后再办理",
              account=idnumber.mask_name(user.real_name))


def _check_target(user: User) -> None:
    # Staff of institutions and centres verify candidates; staff accounts are the regulator's business.
    if is_staff_account(user):
        raise Conflict(_l("工作人员账号不在此核验，请联系监管部门"), code="staff_account")
    if user.identity_status == IdentityStatus.SET_ASIDE:
        raise Conflict(_l("该账号已被搁置"), code="set_aside")


def verify(session: Session, *, actor: User, user: User, method: CheckMethod, document_name: str | None = None,
           now: datetime) -> User:
    """Record that ``actor`` checked ``user``'s identity against the document; ``document_name`` (the name on the
    document) corrects a wrongly typed account name. Verifying a verified account changes nothing."""
    _check_target(user)
    name = (document_name or user.real_name).strip()
    if not name or len(name) > 64 or any(not ch.isprintable() for ch in name):
        raise ValidationError(_l("请填写证件上的姓名"), field="real_name")
    if user.identity_status == IdentityStatus.VERIFIED and name == user.real_name:
        return user
    before = {"status": user.identity_status, "name": idnumber.mask_name(user.real_name)}
    user.real_name = name
    user.identity_status, user.identity_checked_at = IdentityStatus.VERIFIED.value, now
    user.identity_checked_by_id, user.identity_check_method = actor.id, CheckMethod(method).value
    audit.record(session, actor=actor, action="identity.verify", target=user, before=before,
                 after={"status": user.identity_status, "name": idnumber.mask_name(name), "method": method}, at=now)
    return user


def set_aside(session: Session, *, actor: User, user: User, now: datetime) -> User:
    """The account was registered on someone else's ID number: disable it and free the number (kept on the
    account, suffixed, for whoever investigates). A verified account is never set aside here."""
    _check_target(user)
    if user.identity_status == IdentityStatus.VERIFIED:
        raise Conflict(_l("该账号已实名核验，不能搁置；如有疑问请联系监管部门"), code="verified")
    user.identity_status, user.identity_checked_at = IdentityStatus.SET_ASIDE.value, now
    user.identity_checked_by_id = actor.id
    user.identity_check_method = CheckMethod.DOCUMENT_ON_SITE.value
    user.id_number = f"{user.id_number}/{user.id}"  # no longer matches any lookup by the number
    user.active = False
    user.session_version += 1  # its open sessions end at once
    audit.record(session, actor=actor, action="identity.set_aside", target=user,
                 before={"status": IdentityStatus.UNVERIFIED.value, "name": idnumber.mask_name(user.real_name)},
                 after={"status": user.identity_status, "active": False}, at=now)
    return user


def mark_demo(user: User, *, now: datetime) -> None:
    """Demo accounts (seed-demo) count as verified and say so: the method reads 演示数据, not a document check."""
    user.identity_status, user.identity_checked_at = IdentityStatus.VERIFIED.value, now
    user.identity_check_method = CheckMethod.DEMO.value
    if not user.education:
        user.education, user.education_checked_at = "senior_middle", now  # 演示数据：高中
