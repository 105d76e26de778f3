"""Roster import from an xlsx sheet: template, upload → preview (writes nothing), confirm (all or nothing).

The checked rows go to the confirm step in a signed, time-limited hidden field bound to the user and employer,
and every row is checked again on import."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ... import clock
from ...db import get_session
from ...permissions import Role, role_required
from ...spreadsheets import XLSX, SpreadsheetProblem
from ...web import discard, saved
from .. import roster
from ..forms import ConfirmImportForm, UploadForm
from . import _roster_page, bp, employer_id

_IMPORT_MAX_AGE = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="employers-roster-import")


@bp.get("/workers/template.xlsx")
@role_required(Role.EMPLOYER)
def roster_template():
    response = Response(roster.template_xlsx(), mimetype=XLSX)
    response.headers["Content-Disposition"] = "attachment; filename=roster-template.xlsx"
    return response


@bp.post("/workers/upload")
@role_required(Role.EMPLOYER)
def roster_upload():
    upload = UploadForm()
    if not upload.validate_on_submit():
        return _roster_page(upload=upload, status=400)
    try:
        rows = roster.parse_upload(upload.file.data.read())
    except SpreadsheetProblem as problem:
        upload.file.errors = [str(problem)]
        return _roster_page(upload=upload, status=400)
    db = get_session()
    checked = roster.preview(db, employer_id=employer_id(), rows=rows, today=clock.today_local())
    discard(db)  # a preview writes nothing
    confirm = None
    if checked.ok:
        confirm = ConfirmImportForm(payload=_serializer().dumps(
            {"e": employer_id(), "u": current_user.id, "rows": roster.rows_to_payload(checked.rows)}))
    return render_template("employers/import_preview.html", preview=checked, confirm=confirm,
                           upload=UploadForm()), 200 if checked.ok else 400


@bp.post("/workers/confirm")
@role_required(Role.EMPLOYER)
def roster_confirm():
    form = ConfirmImportForm()
    try:
        data = _serializer().loads(form.payload.data or "", max_age=_IMPORT_MAX_AGE) if form.validate() else None
    except BadSignature:
        data = None
    if not data or data.get("e") != employer_id() or data.get("u") != current_user.id:
        flash(_("导入已过期或无效，请重新上传名册"), "error")
        return redirect(url_for("employers.workers"))
    done: list = []
    if saved(None, lambda: done.extend(roster.import_rows(
            get_session(), actor=current_user, employer_id=employer_id(),
            rows=roster.rows_from_payload(data["rows"]), now=clock.now()))):
        flash(_("已导入 %(n)s 名人员", n=len(done)), "success")
        return redirect(url_for("employers.index"))
    return redirect(url_for("employers.workers"))
