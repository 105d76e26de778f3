"""Account rules: organisations, users, role grants (教考分离), passwords and sessions.

Functions take the session, the acting user and plain values; they add/flush and audit, never commit.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload

from .. import audit
from ..errors import Conflict, NotFound, ValidationError
from ..permissions import ROLE_ORG_KIND, OrgKind, Role, conflicting_side
from . import idnumber, passwords
from .models import Organization, RoleGrant, User

# ---- organisations ---------------------------------------------------------------------------------

def create_organization(session: Session, *, actor: User | None, name: str, kind: str, region_code: str = "",
                        contact: str = "", now: datetime) -> Organization:
    name = name.strip()
    if not name:
        raise ValidationError(_l("请填写机构名称"), field="name")
    if kind not in set(OrgKind):
        raise ValidationError(_l("机构类型无效"), field="kind")
    if region_code and not (region_code.isdigit() and len(region_code) == 6):
        raise ValidationError(_l("行政区划代码应为6位数字"), field="region_code")
    if session.scalar(select(Organization.id).where(Organization.name == name)):
        raise Conflict(_l("已有同名机构"), field="name")
    org = Organization(name=name, kind=kind, region_code=region_code, contact=contact.strip(), created_at=now)
    session.add(org)
    session.flush()
    audit.record(session, actor=actor, action="organization.create", target=org,
                 after={"name": name, "kind": kind, "region": region_code}, at=now)
    return org


def update_organization(session: Session, *, actor: User, org: Organization, name: str, region_code: str,
                        contact: str, active: bool, now: datetime) -> Organization:
    name = name.strip()
    if not name:
        raise ValidationError(_l("请填写机构名称"), field="name")
    if region_code and not (region_code.isdigit() and len(region_code) == 6):
        raise ValidationError(_l("行政区划代码应为6位数字"), field="region_code")
    clash = session.scalar(select(Organization.id).where(Organization.name == name, Organization.id != org.id))
    if clash:
        raise Conflict(_l("已有同名机构"), field="name")
    before = {"name": org.name, "region": org.region_code, "active": org.active}
    org.name, org.region_code, org.contact, org.active = name, region_code, contact.strip(), active
    audit.record(session, actor=actor, action="organization.update", target=org, before=before,
                 after={"name": name, "region": region_code, "active": active}, at=now)
    return org


def organizations(session: Session, *, kind: str | None = None, q: str = ""):
    stmt = select(Organization).order_by(Organization.kind, Organization.name)
    if kind:
        stmt = stmt.where(Organization.kind == kind)
    if q:
        stmt = stmt.where(Organization.name.contains(q.strip()))
    return stmt


def get_organization(session: Session, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound()
    return org


# ---- users -----------------------------------------------------------------------------------------

def _check_identity(session: Session, *, id_type: str, id_number: str, user_id: int | None, today,
                    unique: bool = True) -> str:
    try:
        number = idnumber.validate(id_type, id_number, today=today)
    except (idnumber.InvalidIdNumber, ValueError) as exc:
        raise ValidationError(str(exc) if isinstance(exc, idnumber.InvalidIdNumber) else _l("证件类型无效"),
                              field="id_number") from None
    if not unique:
        return number
    clash = session.scalar(select(User.id).where(User.id_type == id_type, User.id_number == number))
    if clash and clash != user_id:
        raise Conflict(_l("该证件号码已有账号"), field="id_number")
    return number


def _check_new_user(session: Session, *, username: str, real_name: str, id_type: str, id_number: str,
                    password: str, phone: str, today) -> str:
    """Every check of a new account except whether its ID number is taken; the normalised number."""
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-@" for c in username):
        raise ValidationError(_l("用户名只能包含字母、数字和 . _ - @，且不超过64个字符"), field="username")
    if not real_name or len(real_name) > 64:
        raise ValidationError(_l("请填写真实姓名（不超过64个字符）"), field="real_name")
    if any(not ch.isprintable() for ch in real_name):
        raise ValidationError(_l("姓名中含有无效字符"), field="real_name")
    if phone and not (phone.isdigit() and 5 <= len(phone) <= 20):
        raise ValidationError(_l("电话号码格式不正确"), field="phone")
    number = _check_identity(session, id_type=id_type, id_number=id_number, user_id=None, today=today,
                             unique=False)
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise Conflict(_l("用户名已被使用"), field="username")
    problem = passwords.policy_problem(password, username=username, id_number=number)
    if problem:
        raise ValidationError(problem, field="password")
    return number


def create_user(session: Session, *, actor: User | None, username: str, real_name: str, id_type: str,
                id_number: str, password: str, phone: str = "", employer_id: int | None = None,
                must_change_password: bool = False, now: datetime) -> User:
    username = username.strip()
    real_name = real_name.strip()
    number = _check_new_user(session, username=username, real_name=real_name, id_type=id_type,
                             id_number=id_number, password=password, phone=phone, today=now.date())
    _check_identity(session, id_type=id_type, id_number=number, user_id=None, today=now.date())
    user = User(username=username, real_name=real_name, id_type=id_type, id_number=number, phone=phone,
                employer_id=employer_id, password_hash=passwords.hash_password(password),
                must_change_password=must_change_password, created_at=now)
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.create", target=user,
                 after={"username": username, "name": idnumber.mask_name(real_name)}, at=now)
    return user


def register_self(session: Session, *, username: str, real_name: str, id_type: str, id_number: str,
                  password: str, phone: str = "", now: datetime) -> User | None:
    """公开注册: a new, unverified candidate account — or, when the ID number already has an account, nothing.

    Both cases do the same work (every field check, one password hash, one row written) and the caller answers
    them alike, so the page tells no one whether a number has an account. The attempt on a taken number is
    audited against that account: staff see who tried to register on it.
    """
    username, real_name = username.strip(), real_name.strip()
    number = _check_new_user(session, username=username, real_name=real_name, id_type=id_type,
                             id_number=id_number, password=password, phone=phone, today=now.date())
    holder = session.scalar(select(User).where(User.id_type == id_type, User.id_number == number))
    if holder is None:
        user = create_user(session, actor=None, username=username, real_name=real_name, id_type=id_type,
                           id_number=number, password=password, phone=phone, now=now)
        grant_role(session, actor=None, user=user, role=Role.CANDIDATE, organization_id=None, now=now)
        return user
    passwords.hash_password(password)  # the time creating the account would have taken
    audit.record(session, actor=None, action="user.register_number_taken", target=holder,
                 after={"username": username, "name": idnumber.mask_name(real_name)}, at=now)
    return None


def update_user(session: Session, *, actor: User, user: User, real_name: str, phone: str,
                employer_id: int | None, now: datetime) -> User:
    real_name = real_name.strip()
    if not real_name or len(real_name) > 64 or any(not ch.isprintable() for ch in real_name):
        raise ValidationError(_l("请填写真实姓名（不超过64个字符）"), field="real_name")
    if phone and not (phone.isdigit() and 5 <= len(phone) <= 20):
        raise ValidationError(_l("电话号码格式不正确"), field="phone")
    before = {"name": idnumber.mask_name(user.real_name), "phone": user.phone, "employer": user.employer_id}
    user.real_name, user.phone, user.employer_id = real_name, phone, employer_id
    audit.record(session, actor=actor, action="user.update", target=user, before=before,
                 after={"name": idnumber.mask_name(real_name), "phone": phone, "employer": employer_id}, at=now)
    return user


def find_user_by_identity(session: Session, id_type: str, id_number: str) -> User | None:
    try:
        number = idnumber.validate(id_type, id_number)
    except (idnumber.InvalidIdNumber, ValueError):
        return None
    return session.scalar(select(User).where(User.id_type == id_type, User.id_number == number))


def users(session: Session, *, q: str = "", role: str = "", org_id: int | None = None):
    stmt = select(User).order_by(User.id)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(User.username.ilike(like), User.real_name.like(like),
                              User.id_number == idnumber.normalise(q), User.phone == q.strip()))
    if role or org_id:
        sub = select(RoleGrant.user_id)
        if role:
            sub = sub.where(RoleGrant.role == role)
        if org_id:
            sub = sub.where(RoleGrant.organization_id == org_id)
        stmt = stmt.where(User.id.in_(sub))
    return stmt


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def set_active(session: Session, *, actor: User, user: User, active: bool, now: datetime) -> None:
    if user.id == actor.id and not active:
        raise ValidationError(_l("不能停用自己的账号"))
    if user.active == active:
        return
    user.active = active
    user.session_version += 1  # a disabled user's open sessions end at once
    audit.record(session, actor=actor, action="user.enable" if active else "user.disable", target=user,
                 before={"active": not active}, after={"active": active}, at=now)


def reset_password(session: Session, *, actor: User, user: User, new_password: str, now: datetime) -> None:
    problem = passwords.policy_problem(new_password, username=user.username, id_number=user.id_number)
    if problem:
        raise ValidationError(problem, field="password")
    user.password_hash = passwords.hash_password(new_password)
    user.session_version += 1
    user.must_change_password = True
    audit.record(session, actor=actor, action="user.reset_password", target=user, at=now)


def change_password(session: Session, *, user: User, current: str, new_password: str, now: datetime) -> None:
    if not passwords.verify_password(user.password_hash, current):
        raise ValidationError(_l("当前密码不正确"), field="current_password")
    problem = passwords.policy_problem(new_password, username=user.username, id_number=user.id_number)
    if problem:
        raise ValidationError(problem, field="new_password")
    if passwords.verify_password(user.password_hash, new_password):
        raise ValidationError(_l("新密码不能与当前密码相同"), field="new_password")
    user.password_hash = passwords.hash_password(new_password)
    user.session_version += 1
    user.must_change_password = False
    audit.record(session, actor=user, action="user.change_password", target=user, at=now)


def end_all_sessions(session: Session, *, user: User) -> None:
    user.session_version += 1


def record_login_unlock(session: Session, *, actor: User, user: User, attempts: int, now: datetime) -> None:
    """Audit a staff unlock of the account's login window (the view then empties it: login_throttle.unlock)."""
    audit.record(session, actor=actor, action="user.unlock_login", target=user, before={"attempts": attempts},
                 after={"attempts": 0}, at=now)


# ---- roles -----------------------------------------------------------------------------------------

def grant_role(session: Session, *, actor: User | None, user: User, role: str, organization_id: int | None,
               now: datetime) -> RoleGrant:
    try:
        role_enum = Role(role)
    except ValueError:
        raise ValidationError(_l("角色无效"), field="role") from None
    need_kind = ROLE_ORG_KIND[role_enum]
    org = session.get(Organization, organization_id) if organization_id else None
    if need_kind is None:
        org = None
    elif org is None or org.kind != need_kind:
        raise ValidationError(_l("该角色必须授予在相应类型的机构中"), field="organization_id")
    if conflicting_side(user.roles, role_enum):
        raise Conflict(_l("教考分离：同一人不能同时担任培训机构角色和考试（题库、考点）角色"), field="role",
                       code="separation_of_duties")
    for g in user.grants:
        if g.role == role_enum and g.organization_id == (org.id if org else None):
            raise Conflict(_l("该用户已拥有此角色"), field="role")
    grant = RoleGrant(role=role_enum.value, organization_id=org.id if org else None,
                      granted_by_id=getattr(actor, "id", None), created_at=now)
    user.grants.append(grant)
    session.flush()
    audit.record(session, actor=actor, action="role.grant", target=user,
                 after={"role": role_enum.value, "org": org.id if org else None}, at=now)
    return grant


def revoke_role(session: Session, *, actor: User, user: User, grant_id: int, now: datetime) -> None:
    grant = next((g for g in user.grants if g.id == grant_id), None)
    if grant is None:
        raise NotFound()
    if user.id == actor.id and grant.role == Role.REGULATOR:
        raise ValidationError(_l("不能撤销自己的监管角色"))
    user.grants.remove(grant)
    user.session_version += 1
    audit.record(session, actor=actor, action="role.revoke", target=user,
                 before={"role": grant.role, "org": grant.organization_id}, at=now)


# ---- login -----------------------------------------------------------------------------------------

def username_key(username: str) -> str:
    """The form of a typed username that login matches on (case and surrounding whitespace ignored).

    Every input that reaches one account has the same key, so login limits count per account by it."""
    return username.strip().lower()


def authenticate(session: Session, *, username: str, password: str, now: datetime) -> User | None:
    """The user for these credentials, or None; the same work is done whether or not the user exists."""
    user = session.scalar(select(User).where(func.lower(User.username) == username_key(username)))
    if user is None:
        passwords.verify_password(passwords.DUMMY_HASH, password)
        return None
    if not passwords.verify_password(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = now
    return user


# Every authenticated request runs this: the user and its role grants in one query, built once so that its
# cache key is memoised (``session.get`` with options builds and keys a new query each time). A grant's
# organisation is left to load when a page reads it (staff pages only; a candidate's grant has none).
_SESSION_USER = (select(User).where(User.id == bindparam("user_id"))
                 .options(joinedload(User.grants).lazyload(RoleGrant.organization)))


def load_session_user(session: Session, token: str) -> User | None:
    """Flask-Login's loader: ``"<id>:<session_version>"`` → the user while that version is current."""
    try:
        user_id, version = (int(p) for p in token.split(":", 1))
    except ValueError:
        return None
    user = session.execute(_SESSION_USER, {"user_id": user_id}).unique().scalar_one_or_none()
    if user is None or user.session_version != version or not user.active:
        return None
    return user
