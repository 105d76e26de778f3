"""实名核验 pages: staff of a training institution or an exam centre look up the account on the number of the
document in front of them, then verify it or set it aside (see identity.py)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...db import get_session
from ...errors import DomainError, ValidationError
from ...extensions import limiter
from ...permissions import IDENTITY_ROLES, role_required
from ...web import form_error, saved
from .. import education, identity, idnumber
from ..forms import EducationForm, IdentityForm

bp = Blueprint("identity", __name__, url_prefix="/identity")


@bp.app_template_filter("mask_name")
def _mask_name(name: str) -> str:
    return idnumber.mask_name(name or "")


@bp.app_context_processor
def _identity_labels():
    return {"identity_status_label": identity.status_label, "identity_method_label": identity.method_label}


def _staff_key() -> str:
    return "identity-lookup:" + str(getattr(current_user, "id", ""))


def _education_form(account=None) -> EducationForm:
    form = EducationForm()
    form.education.choices = [("", _("请选择"))] + [(lvl.value, str(education.LABELS[lvl])) for lvl in education.ORDER]
    if account is not None and not form.education.data:
        form.education.data = account.education
    return form


def _page(form: IdentityForm, account=None, looked: bool = False, status: int = 200, education_form=None):
    return render_template("accounts/identity.html", form=form, account=account, looked=looked,
                           education_form=education_form or _education_form(account),
                           education_label=education.label), status


@bp.route("/", methods=["GET", "POST"])
@role_required(*IDENTITY_ROLES)
@limiter.limit("120 per hour", key_func=_staff_key, methods=["POST"])
def check():
    form = IdentityForm()
    if not form.validate_on_submit():
        return _page(form, status=400 if form.errors else 200)
    try:
        account = identity.lookup(get_session(), id_type=form.id_type.data, id_number=form.id_number.data,
                                  today=clock.today_local())
    except DomainError as err:
        form_error(form, err)
        return _page(form, status=400)
    return _page(form, account, looked=True)


def _decide(decision, done_message: str):
    """Verify or set aside the account on the document's number: the staff member confirms the document."""
    form = IdentityForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    db = get_session()
    account = None

    def decide():
        nonlocal account
        account = identity.lookup(db, id_type=form.id_type.data, id_number=form.id_number.data,
                                  today=clock.today_local())
        if account is None:
            raise ValidationError(_("该证件号码没有账号"), field="id_number")
        if not form.document_checked.data:
            raise ValidationError(_("请先核对身份证件原件与在场者本人"), field="document_checked")
        decision(db, account, form)

    if not saved(form, decide, done_message):
        return _page(form, account, looked=True, status=400)
    return redirect(url_for("identity.check"))


@bp.post("/verify")
@role_required(*IDENTITY_ROLES)
def verify():
    return _decide(lambda db, account, form: identity.verify(
        db, actor=current_user, user=account, method=identity.CheckMethod.DOCUMENT_ON_SITE,
        document_name=form.real_name.data, now=clock.now()), _("实名核验已完成"))


@bp.post("/set-aside")
@role_required(*IDENTITY_ROLES)
def set_aside():
    return _decide(lambda db, account, form: identity.set_aside(db, actor=current_user, user=account,
                                                                now=clock.now()),
                   _("该账号已搁置并停用，证件号码已释放：现在可以为证件持有人报名或由本人重新注册"))


@bp.post("/education")
@role_required(*IDENTITY_ROLES)
def record_education():
    """文化程度 from the diploma, for the account on the document's number (audited)."""
    form = _education_form()
    db = get_session()
    found = []

    def record():
        account = identity.lookup(db, id_type=form.id_type.data, id_number=form.id_number.data,
                                  today=clock.today_local())
        if account is None:
            raise ValidationError(_("该证件号码没有账号"), field="id_number")
        found.append(account)
        education.record(db, actor=current_user, user=account, level=form.education.data,
                         document_checked=form.education_checked.data, now=clock.now())

    if form.validate_on_submit() and saved(form, record):
        flash(_("已登记文化程度：%(level)s", level=education.label(found[0].education)), "success")
        return redirect(url_for("identity.check"))
    return _page(form, found[0] if found else None, looked=True, status=400, education_form=form)
