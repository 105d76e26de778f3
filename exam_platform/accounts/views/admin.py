"""Regulator administration: organisations, users and role grants, and the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import audit, clock
from ...clock import SHANGHAI
from ...db import get_session
from ...permissions import ROLE_ORG_KIND, OrgKind, Role, role_required
from ...web import commit, paginate, saved
from .. import login_throttle, service
from ..forms import ORG_KIND_LABELS, ROLE_LABELS, GrantForm, OrganizationForm, ResetPasswordForm, UserEditForm, UserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _org_choices(kind: str | None = None, blank: str | None = None) -> list[tuple[int, str]]:
    orgs = get_session().scalars(service.organizations(get_session(), kind=kind))
    choices = [(o.id, o.name) for o in orgs]
    return [(0, blank), *choices] if blank is not None else choices


# ---- organisations ---------------------------------------------------------------------------------

@bp.get("/organizations")
@role_required(Role.REGULATOR)
def organizations():
    db = get_session()
    kind = request.args.get("kind", "")
    q = request.args.get("q", "")
    page = paginate(db, service.organizations(db, kind=kind or None, q=q))
    return render_template("accounts/organizations.html", page=page, kind=kind, q=q, kinds=ORG_KIND_LABELS)


@bp.route("/organizations/new", methods=["GET", "POST"])
@role_required(Role.REGULATOR)
def organization_new():
    form = OrganizationForm()
    if form.validate_on_submit():
        if saved(form, lambda: service.create_organization(
                get_session(), actor=current_user, name=form.name.data, kind=form.kind.data,
                region_code=form.region_code.data or "", contact=form.contact.data or "", now=clock.now()),
                _("机构已创建")):
            return redirect(url_for("admin.organizations"))
    return render_template("accounts/organization_form.html", form=form, org=None)


@bp.route("/organizations/<int:org_id>", methods=["GET", "POST"])
@role_required(Role.REGULATOR)
def organization_edit(org_id: int):
    db = get_session()
    org = service.get_organization(db, org_id)
    form = OrganizationForm(obj=org)
    form.kind.render_kw = {"disabled": True}
    if form.validate_on_submit():
        if saved(form, lambda: service.update_organization(
                db, actor=current_user, org=org, name=form.name.data, region_code=form.region_code.data or "",
                contact=form.contact.data or "", active=form.active.data, now=clock.now()), _("机构已保存")):
            return redirect(url_for("admin.organizations"))
    return render_template("accounts/organization_form.html", form=form, org=org)


# ---- users -----------------------------------------------------------------------------------------

@bp.get("/users")
@role_required(Role.REGULATOR)
def users():
    db = get_session()
    q, role = request.args.get("q", ""), request.args.get("role", "")
    page = paginate(db, service.users(db, q=q, role=role))
    return render_template("accounts/users.html", page=page, q=q, role=role, roles=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(Role.REGULATOR)
def user_new():
    form = UserForm()
    form.employer_id.choices = _org_choices(OrgKind.EMPLOYER, blank=_("（无）"))
    if form.validate_on_submit():
        created = saved(form, lambda: service.create_user(
            get_session(), actor=current_user, username=form.username.data, real_name=form.real_name.data,
            id_type=form.id_type.data, id_number=form.id_number.data, phone=form.phone.data or "",
            password=form.password.data, employer_id=form.employer_id.data or None, must_change_password=True,
            now=clock.now()), _("用户已创建，请为其授予角色"))
        if created:
            return redirect(url_for("admin.user_detail", user_id=created.value.id))
    return render_template("accounts/user_new.html", form=form)


def _user_page(user, edit_form=None, grant_form=None, reset_form=None, status: int = 200):
    db = get_session()
    if edit_form is None:
        edit_form = UserEditForm(obj=user, employer_id=user.employer_id or 0)
    edit_form.employer_id.choices = _org_choices(OrgKind.EMPLOYER, blank=_("（无）"))
    grant_form = grant_form or GrantForm()
    grant_form.organization_id.choices = _org_choices(blank=_("（考生无需机构）"))
    recent = db.scalars(audit.search(db).where(audit.AuditRecord.target_type == "User",
                                               audit.AuditRecord.target_id == str(user.id)).limit(20))
    login_attempts = login_throttle.unknown_browser_attempts(service.username_key(user.username))
    return render_template("accounts/user_detail.html", user=user, edit_form=edit_form, grant_form=grant_form,
                           reset_form=reset_form or ResetPasswordForm(), roles=ROLE_LABELS,
                           role_org_kind=ROLE_ORG_KIND, history=list(recent), login_attempts=login_attempts), status


@bp.get("/users/<int:user_id>")
@role_required(Role.REGULATOR)
def user_detail(user_id: int):
    return _user_page(service.get_user(get_session(), user_id))


@bp.post("/users/<int:user_id>/edit")
@role_required(Role.REGULATOR)
def user_edit(user_id: int):
    db = get_session()
    user = service.get_user(db, user_id)
    form = UserEditForm()
    form.employer_id.choices = _org_choices(OrgKind.EMPLOYER, blank="")
    if form.validate_on_submit():
        if saved(form, lambda: service.update_user(
                db, actor=current_user, user=user, real_name=form.real_name.data, phone=form.phone.data or "",
                employer_id=form.employer_id.data or None, now=clock.now()), _("用户信息已保存")):
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _user_page(user, edit_form=form, status=400)


@bp.post("/users/<int:user_id>/grants")
@role_required(Role.REGULATOR)
def user_grant(user_id: int):
    db = get_session()
    user = service.get_user(db, user_id)
    form = GrantForm()
    form.organization_id.choices = _org_choices(blank="")
    if form.validate_on_submit():
        if saved(form, lambda: service.grant_role(
                db, actor=current_user, user=user, role=form.role.data,
                organization_id=form.organization_id.data or None, now=clock.now()), _("角色已授予")):
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _user_page(user, grant_form=form, status=400)


@bp.post("/users/<int:user_id>/grants/<int:grant_id>/revoke")
@role_required(Role.REGULATOR)
def user_revoke(user_id: int, grant_id: int):
    db = get_session()
    user = service.get_user(db, user_id)
    saved(None, lambda: service.revoke_role(db, actor=current_user, user=user, grant_id=grant_id, now=clock.now()),
          _("角色已撤销"))
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/active")
@role_required(Role.REGULATOR)
def user_set_active(user_id: int):
    db = get_session()
    user = service.get_user(db, user_id)
    saved(None, lambda: service.set_active(db, actor=current_user, user=user,
                                           active=request.form.get("active") == "1", now=clock.now()),
          _("账号状态已更新"))
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
@role_required(Role.REGULATOR)
def user_reset_password(user_id: int):
    db = get_session()
    user = service.get_user(db, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        if saved(form, lambda: service.reset_password(db, actor=current_user, user=user,
                                                      new_password=form.password.data, now=clock.now()),
                 _("密码已重置，用户下次登录需修改密码")):
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _user_page(user, reset_form=form, status=400)


@bp.post("/users/<int:user_id>/login-unlock")
@role_required(Role.REGULATOR)
def user_unlock_login(user_id: int):
    db = get_session()
    user = service.get_user(db, user_id)
    account = service.username_key(user.username)
    attempts, _limit = login_throttle.unknown_browser_attempts(account)
    service.record_login_unlock(db, actor=current_user, user=user, attempts=attempts, now=clock.now())
    commit(db)
    login_throttle.unlock(account)
    flash(_("已解除该账号的登录限制"), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


# ---- audit -----------------------------------------------------------------------------------------

def _parse_day(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=SHANGHAI)
    except ValueError:
        return None


@bp.get("/audit")
@role_required(Role.REGULATOR)
def audit_log():
    db = get_session()
    args = request.args
    since, until = _parse_day(args.get("since", "")), _parse_day(args.get("until", ""))
    stmt = audit.search(db, action=args.get("action", ""), actor=args.get("actor", ""),
                        target_type=args.get("target_type", ""), role=args.get("role", ""), since=since,
                        until=until + timedelta(days=1) if until else None)
    page = paginate(db, stmt, per_page=50)
    return render_template("core/audit.html", page=page, args=args, **audit.filter_choices(db))


@bp.get("/organizations/<int:org_id>/members")
@role_required(Role.REGULATOR)
def organization_members(org_id: int):
    db = get_session()
    org = service.get_organization(db, org_id)
    page = paginate(db, service.users(db, org_id=org.id))
    return render_template("accounts/users.html", page=page, q="", role="", roles=ROLE_LABELS, org=org)


