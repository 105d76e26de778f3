"""培训合格证明: printable page and PDF (with a QR code), revocation, and the public check page the QR opens."""

from __future__ import annotations

import base64

from flask import Response, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...accounts.idnumber import mask_number
from ...accounts.service import find_user_by_identity
from ...catalog.models import Category
from ...catalog.service import categories
from ...db import get_session
from ...errors import ValidationError
from ...extensions import limiter
from ...permissions import Role, can_manage_training, can_read_completion, require, role_required
from ...printing import qr_png
from ...web import saved
from .. import completions, exemptions
from ..forms import ExemptionForm, ReasonForm
from . import bp, institution_id, public_url


def _load(completion_id: int, *, manage: bool = False):
    row = completions.get_completion(get_session(), completion_id)
    require(can_manage_training(current_user, row.institution_id) if manage else can_read_completion(current_user, row))
    return row


def _check_url(row) -> str:
    return public_url("training.completion_check", number=row.number)


def _page(row, form=None, status: int = 200):
    qr = base64.b64encode(qr_png(_check_url(row))).decode()
    return render_template("training/completion.html", c=row, qr=qr, check_url=_check_url(row),
                           masked_id=mask_number(row.trainee.id_number), today=clock.today_local(),
                           form=form or ReasonForm()), status


@bp.get("/completions/<int:completion_id>")
@role_required(Role.INSTITUTION_STAFF, Role.CANDIDATE, Role.REGULATOR)
def completion_view(completion_id: int):
    return _page(_load(completion_id))


@bp.get("/completions/<int:completion_id>.pdf")
@role_required(Role.INSTITUTION_STAFF, Role.CANDIDATE, Role.REGULATOR)
def completion_pdf(completion_id: int):
    row = _load(completion_id)
    pdf = completions.completion_pdf(row, check_url=_check_url(row), today=clock.today_local())
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename=completion-{row.number}.pdf"
    return response


@bp.post("/completions/<int:completion_id>/revoke")
@role_required(Role.INSTITUTION_STAFF)
def completion_revoke(completion_id: int):
    row = _load(completion_id, manage=True)
    form = ReasonForm()
    if form.validate_on_submit():
        if saved(form, lambda: completions.revoke(get_session(), actor=current_user, completion=row,
                                                  reason=form.reason.data, now=clock.now()), _("培训合格证明已撤销")):
            return redirect(url_for("training.completion_view", completion_id=row.id))
    return _page(row, form=form, status=400)


@bp.get("/c/<number>")
@limiter.limit(lambda: current_app.config["RATELIMIT_VERIFY_IP"])
def completion_check(number: str):
    """Public: anyone holding the printed QR sees the completion's status with a masked name."""
    row = completions.find_by_number(get_session(), number)
    facts = completions.public_facts(row, clock.today_local())
    return render_template("training/completion_check.html", f=facts)


# ---- 免于培训 (a 职业技能等级证书 where the rule set in force allows it) ---------------------------------------

def _exemption_form() -> ExemptionForm:
    db, today = get_session(), clock.today_local()
    form = ExemptionForm()
    form.category_id.choices = [(c.id, c.label) for c in categories(db) if exemptions.allowed(db, c.id, today)]
    form.level.choices = [(k, str(v)) for k, v in exemptions.LEVEL_LABELS.items()]
    return form


@bp.route("/exemptions/new", methods=["GET", "POST"])
@role_required(Role.INSTITUTION_STAFF)
def exemption_new():
    form = _exemption_form()
    if form.validate_on_submit():
        db = get_session()

        def record():
            trainee = find_user_by_identity(db, form.id_type.data, form.id_number.data)
            if trainee is None or trainee.real_name != form.real_name.data.strip():
                raise ValidationError(_("没有该证件号码与姓名的账号：请先为其办理培训报名或由本人注册"),
                                      field="id_number")
            category = db.get(Category, form.category_id.data or 0)
            if category is None:
                raise ValidationError(_("请选择类别"), field="category_id")
            return exemptions.record(
                db, actor=current_user, institution_id=institution_id(), trainee=trainee, category=category,
                number=form.number.data, occupation=form.occupation.data, level=form.level.data,
                issuer=form.issuer.data, issued_on=form.issued_on.data, document_checked=form.document_checked.data,
                now=clock.now())

        if done := saved(form, record, _("已登记职业技能等级证书，出具免于培训的培训合格证明")):
            return redirect(url_for("training.completion_view", completion_id=done.value.id))
    return render_template("training/exemption_form.html", form=form), 400 if form.errors else 200
