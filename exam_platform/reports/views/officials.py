"""The regulator's list of 村(居)安全员 and 乡镇分管领导 with their training (route module of the reports blueprint)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ... import clock
from ...db import get_session
from ...permissions import Role, role_required
from ...web import saved
from .. import officials
from ..forms import OfficialForm, OfficialTrainingForm
from . import bp


def _hours(value):
    return float(value) if value is not None else None


@bp.route("/officials", methods=["GET", "POST"])
@role_required(Role.REGULATOR)
def officials_page():
    db = get_session()
    form = OfficialForm()
    form.kind.choices = [(k, str(v)) for k, v in officials.KINDS.items()]
    if form.validate_on_submit() and saved(form, lambda: officials.add_official(
            db, actor=current_user, kind=form.kind.data, name=form.name.data, place=form.place.data,
            trained_on=form.trained_on.data, hours=_hours(form.hours.data), training=form.training.data or "",
            now=clock.now()), _("已登记")):
        return redirect(url_for("reports.officials_page"))
    return render_template("reports/officials.html", form=form, rows=officials.officials(db), kinds=officials.KINDS,
                           training_form=OfficialTrainingForm(trained_on=clock.today_local())), \
        400 if request.method == "POST" else 200


@bp.post("/officials/<int:official_id>/training")
@role_required(Role.REGULATOR)
def official_training(official_id: int):
    db = get_session()
    official = officials.get_official(db, official_id)
    form = OfficialTrainingForm()
    if form.validate_on_submit():
        saved(None, lambda: officials.record_training(
                db, actor=current_user, official=official, trained_on=form.trained_on.data,
                hours=_hours(form.hours.data), training=form.training.data or "", now=clock.now()), _("培训已记录"))
    elif form.errors:
        flash(_("培训日期与学时应同时填写"), "error")
    return redirect(url_for("reports.officials_page"))


@bp.post("/officials/<int:official_id>/delete")
@role_required(Role.REGULATOR)
def official_delete(official_id: int):
    db = get_session()
    official = officials.get_official(db, official_id)
    if FlaskForm().validate_on_submit():
        saved(None, lambda: officials.delete_official(
                db, actor=current_user, official=official, now=clock.now()), _("已删除"))
    return redirect(url_for("reports.officials_page"))
