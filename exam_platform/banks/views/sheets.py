"""Excel pages: the template, upload → preview (every row's problems) → confirm, and export."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...config import MB, upload_limits
from ...extensions import LARGE_UPLOADS
from ...permissions import Role, role_required
from ...web import saved
from .. import jobs, sheets
from ..forms import ConfirmForm, UploadForm
from . import EDITORS, READERS, load_bank

bp = Blueprint("bank_sheets", __name__, url_prefix="/banks")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, name: str) -> Response:
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/template.xlsx")
@role_required(Role.QUESTION_AUTHOR, Role.INSTITUTION_STAFF)
def template():
    return _xlsx(sheets.template_bytes(), "question-template.xlsx")


@bp.get("/<code>/export.xlsx")
@role_required(*READERS)
def export(code: str):
    db, bank = load_bank(code)
    return _xlsx(sheets.export_bytes(db, bank), f"{bank.code}.xlsx")


@bp.route("/<code>/upload", methods=["GET", "POST"])
@role_required(*EDITORS)
def upload(code: str):
    db, bank = load_bank(code, edit=True)
    form = UploadForm()
    if form.validate_on_submit():
        limits = upload_limits()
        data = form.file.data.read(max(limits.xlsx_bytes, limits.bank_job_bytes) + 1)
        filename = form.file.data.filename or "upload.xlsx"
        if jobs.is_job_upload(data, filename):  # a zip of a bank file and its pictures, or a YAML bank file
            job = saved(form, lambda: jobs.create_job(db, user=current_user, bank=bank, data=data, filename=filename,
                                                      limits=limits, now=clock.now()))
            if job:
                jobs.start_worker(current_app._get_current_object())
                return redirect(url_for("bank_sheets.job", code=bank.code, job_id=job.value.id))
            return _upload_page(bank, form)
        if len(data) > limits.xlsx_bytes:
            data = data[: limits.xlsx_bytes + 1]  # refused for its size by the spreadsheet checks

        def check_and_keep():
            check = sheets.check_upload(db, bank=bank, data=data, file=filename)
            if not check.ok:  # every row's problems, and nothing kept or written
                return check, None
            return check, sheets.keep_upload(db, user=current_user, bank=bank, data=data, filename=filename,
                                             now=clock.now())

        kept = saved(form, check_and_keep)
        if kept:
            check, pending = kept.value
            if pending is None:
                return render_template("banks/upload_preview.html", bank=bank, pending=None, filename=filename,
                                       check=check, form=None), 400
            return redirect(url_for("bank_sheets.preview", code=bank.code, token=pending.token))
    return _upload_page(bank, form)


LARGE_UPLOADS["bank_sheets.upload"] = lambda: upload_limits().bank_job_bytes + MB


def _upload_page(bank, form):
    limits = upload_limits()
    return render_template("banks/upload.html", bank=bank, form=form, max_mb=f"{limits.xlsx_bytes / MB:g}",
                           max_rows=f"{limits.rows:,}", job_mb=f"{limits.bank_job_bytes / MB:g}",
                           job_rows=f"{limits.bank_job_rows:,}"), 400 if form.errors else 200


@bp.get("/<code>/imports/<int:job_id>")
@role_required(*EDITORS)
def job(code: str, job_id: int):
    """A background import: its progress bar (kept current by banks-import.js), then its result or its problems."""
    db, bank = load_bank(code, edit=True)
    found = jobs.get_job(db, job_id=job_id, user=current_user, bank=bank)
    return render_template("banks/import_job.html", bank=bank, job=found, progress=jobs.progress_of(found))


@bp.get("/<code>/imports/<int:job_id>/progress")
@role_required(*EDITORS)
def job_progress(code: str, job_id: int):
    """The job's progress as a small JSON the job page polls."""
    db, bank = load_bank(code, edit=True)
    found = jobs.get_job(db, job_id=job_id, user=current_user, bank=bank)
    response = jsonify(jobs.progress_of(found))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<code>/upload/<token>")
@role_required(*EDITORS)
def preview(code: str, token: str):
    db, bank = load_bank(code, edit=True)
    pending = sheets.get_upload(db, token=token, user=current_user, bank=bank, now=clock.now())
    check = sheets.check_upload(db, bank=bank, data=pending.data, file=pending.filename)
    return render_template("banks/upload_preview.html", bank=bank, pending=pending, filename=pending.filename,
                           check=check, form=ConfirmForm())


@bp.post("/<code>/upload/<token>")
@role_required(*EDITORS)
def confirm(code: str, token: str):
    db, bank = load_bank(code, edit=True)
    pending = sheets.get_upload(db, token=token, user=current_user, bank=bank, now=clock.now())
    if not ConfirmForm().validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "error")
        return redirect(url_for("bank_sheets.preview", code=bank.code, token=token))
    confirmed = saved(None, lambda: sheets.confirm_upload(db, actor=current_user, bank=bank, pending=pending,
                                                          now=clock.now()))
    if not confirmed:
        return redirect(url_for("bank_sheets.preview", code=bank.code, token=token))
    summary = confirmed.value
    flash(_("已导入：新增 %(a)s 道，修改 %(c)s 道，未变 %(u)s 道", a=summary.added, c=summary.changed,
            u=summary.unchanged), "success")
    return redirect(url_for("banks.bank", code=bank.code))
