"""培训合格证明: printable page and PDF (with a QR code), revocation, and the public check page the QR opens."""

from __future__ import annotations

import base64

from flask import Response, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..accounts.idnumber import mask_number
from ..db import get_session
from ..extensions import limiter
from ..permissions import Role, can_manage_training, can_read_completion, require, role_required
from ..printing import qr_png
from ..web import saved
from . import completions
from .forms import ReasonForm
from .views import bp, public_url


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
