"""批量查验: an employer pastes certificate numbers with names and sees each one's status."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from ... import clock
from ...db import get_session
from ...permissions import Role, role_required
from ...web import saved
from .. import batch, limits
from ..forms import VerifyForm
from . import bp, employer_id


@bp.route("/verify", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
@limits.batch_verify
def verify():
    form = VerifyForm()
    results, status = None, 200
    if form.validate_on_submit():
        checked = saved(form, lambda: batch.check(get_session(), batch.parse_lines(form.entries.data),
                                                  actor=current_user, employer_id=employer_id(), now=clock.now(),
                                                  today=clock.today_local()))
        if checked:
            results = checked.value
            form.entries.data = ""  # the answer shows the numbers masked; the typed list is not sent back
        else:
            status = 400
    elif form.errors:
        status = 400
    return render_template("employers/verify.html", form=form, results=results), status
