"""三级安全教育 pages: who is short of what, one worker's records (add, confirm, delete), their dates, and the
一人一档 PDF. Route module of the employer blueprint; everything scoped to the user's employer."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...accounts.models import Organization
from ...db import get_session
from ...permissions import Role, role_required
from ...web import saved
from .. import archive, coverage, education_rules, records
from ..forms import ConfirmForm, EducationRecordForm, EmptyForm, IndustryForm, WorkerDatesForm
from . import bp, employer_id, load_worker


def _industry_form(form: IndustryForm) -> IndustryForm:
    form.industry.choices = [(i, i) for i in education_rules.industries(on=clock.today_local())]
    return form


@bp.route("/education", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def education():
    """Everyone on the roster with what they are short of; the employer's industry (which sets the hours)."""
    db, today = get_session(), clock.today_local()
    form = _industry_form(IndustryForm(industry=records.industry_of(db, employer_id())))
    if form.validate_on_submit() and saved(form, lambda: records.set_industry(
            db, actor=current_user, employer_id=employer_id(), industry=form.industry.data, now=clock.now()),
            _("行业已保存")):
        return redirect(url_for("employers.education"))
    found = records.employer_education(db, employer_id(), today=today)
    return render_template("employers/education.html", found=found, form=form, today=today,
                           rules=education_rules.rules_on(today), industry=records.industry_of(db, employer_id()),
                           need_labels=records.NEED_LABELS, need_text=records.need_text,
                           level_label=records.level_label), 400 if form.errors else 200


def _record_form(form: EducationRecordForm) -> EducationRecordForm:
    form.occasion.choices = [(k.value, str(v)) for k, v in records.OCCASION_LABELS.items()]
    form.level.choices = [("", _("（不分级）")), *[(k.value, str(v)) for k, v in records.LEVEL_LABELS.items() if k]]
    return form


def _worker_page(worker, *, form=None, dates=None, status: int = 200):
    db, today = get_session(), clock.today_local()
    return render_template(
        "employers/education_worker.html", worker=worker, today=today,
        standing=records.worker_standing(db, worker, today=today),
        found=records.records_of(db, [worker.id])[worker.id],
        form=form or _record_form(EducationRecordForm(held_on=today)),
        dates=dates or WorkerDatesForm(obj=worker), confirm_form=ConfirmForm(confirmed_on=today),
        delete_form=EmptyForm(), occasion_labels=records.OCCASION_LABELS, level_label=records.level_label,
        need_labels=records.NEED_LABELS, need_text=records.need_text), status


@bp.route("/workers/<int:worker_id>/education", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def worker_education(worker_id: int):
    worker = load_worker(worker_id)
    form = _record_form(EducationRecordForm())
    if not form.validate_on_submit():
        return _worker_page(worker, form=form if request.method == "POST" else None,
                            status=400 if form.errors else 200)
    if not saved(form, lambda: records.add_record(
            get_session(), actor=current_user, worker=worker, occasion=form.occasion.data, level=form.level.data,
            held_on=form.held_on.data, hours=float(form.hours.data), content=form.content.data,
            trainer=form.trainer.data, confirmed_on=form.confirmed_on.data, now=clock.now())):
        return _worker_page(worker, form=form, status=400)
    flash(_("记录已保存"), "success")
    return redirect(url_for("employers.worker_education", worker_id=worker.id))


@bp.post("/workers/<int:worker_id>/education/dates")
@role_required(Role.EMPLOYER)
def worker_dates(worker_id: int):
    worker = load_worker(worker_id)
    form = WorkerDatesForm()
    if form.validate_on_submit() and saved(form, lambda: records.set_worker_dates(
            get_session(), actor=current_user, worker=worker, started_on=form.started_on.data,
            reassigned_on=form.reassigned_on.data, away_since=form.away_since.data, now=clock.now()), _("日期已保存")):
        return redirect(url_for("employers.worker_education", worker_id=worker.id))
    return _worker_page(worker, dates=form, status=400)


@bp.post("/workers/<int:worker_id>/education/<int:record_id>/confirm")
@role_required(Role.EMPLOYER)
def record_confirm(worker_id: int, record_id: int):
    worker = load_worker(worker_id)
    record = records.get_record(get_session(), worker, record_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        saved(None, lambda: records.confirm_record(
                get_session(), actor=current_user, record=record, confirmed_on=form.confirmed_on.data, now=clock.now()),
                _("已记录本人确认"))
    return redirect(url_for("employers.worker_education", worker_id=worker.id))


@bp.post("/workers/<int:worker_id>/education/<int:record_id>/delete")
@role_required(Role.EMPLOYER)
def record_delete(worker_id: int, record_id: int):
    worker = load_worker(worker_id)
    record = records.get_record(get_session(), worker, record_id)
    if EmptyForm().validate_on_submit():
        saved(None, lambda: records.delete_record(
                get_session(), actor=current_user, record=record, now=clock.now()), _("记录已删除"))
    return redirect(url_for("employers.worker_education", worker_id=worker.id))


@bp.get("/workers/<int:worker_id>/archive.pdf")
@role_required(Role.EMPLOYER)
def worker_archive(worker_id: int):
    worker = load_worker(worker_id)
    db, today = get_session(), clock.today_local()
    employer = db.get(Organization, worker.employer_id)
    pdf = archive.archive_pdf(worker, employer_name=employer.name, industry=records.industry_of(db, worker.employer_id),
                              slots=coverage.worker_slots(db, worker, today=today),
                              standing=records.worker_standing(db, worker, today=today),
                              found=records.records_of(db, [worker.id])[worker.id], today=today)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename=archive-{worker.id}.pdf", "Cache-Control": "no-store"})


