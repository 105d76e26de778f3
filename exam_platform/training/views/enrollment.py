"""Staff pages: enrollment (one by one, bulk xlsx with preview), a trainee's record in a class, issuing completion.

Initial passwords of new accounts are shown once, in the response to the POST that created them (never stored in
clear, never put in the session cookie or a flash message). The bulk preview carries the checked rows to the
confirm step in a signed, time-limited hidden field, and the import checks every row again (all or nothing).
"""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ... import clock
from ...db import get_session
from ...permissions import Role, require, role_required
from ...spreadsheets import SpreadsheetProblem
from ...web import discard, saved
from .. import attendance, completions, courseware, enrollment, progress
from ..forms import ConfirmImportForm, EmptyForm, EnrollForm, TestScoreForm, UploadForm
from . import bp, load_class

_IMPORT_MAX_AGE = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="training-bulk-enroll")


def _enroll_page(cls, form=None, upload=None, status: int = 200):
    return render_template("training/enroll.html", cls=cls, form=form or EnrollForm(),
                           upload=upload or UploadForm()), status


@bp.route("/classes/<int:class_id>/enroll", methods=["GET", "POST"])
@role_required(Role.INSTITUTION_STAFF)
def enroll(class_id: int):
    cls = load_class(class_id)
    form = EnrollForm()
    if not form.validate_on_submit():
        return _enroll_page(cls, form, status=400 if form.errors else 200)
    db = get_session()
    done = saved(form, lambda: enrollment.enroll_one(
        db, actor=current_user, training_class=cls, real_name=form.real_name.data, id_type=form.id_type.data,
        id_number=form.id_number.data, phone=form.phone.data or "", employer_name=form.employer_name.data or "",
        in_person=form.in_person.data, now=clock.now(), despite_warnings=form.despite_warnings.data))
    if not done:
        return _enroll_page(cls, form, status=400)
    return render_template("training/enrolled.html", cls=cls, done=[done.value])


@bp.get("/classes/<int:class_id>/enroll/template.xlsx")
@role_required(Role.INSTITUTION_STAFF)
def enroll_template(class_id: int):
    load_class(class_id)
    response = Response(enrollment.template_xlsx(),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = "attachment; filename=enrollment-template.xlsx"
    return response


@bp.post("/classes/<int:class_id>/enroll/upload")
@role_required(Role.INSTITUTION_STAFF)
def enroll_upload(class_id: int):
    cls = load_class(class_id)
    upload = UploadForm()
    if not upload.validate_on_submit():
        return _enroll_page(cls, upload=upload, status=400)
    try:
        rows = enrollment.parse_upload(upload.file.data.read())
    except SpreadsheetProblem as problem:
        upload.file.errors = [str(problem)]
        return _enroll_page(cls, upload=upload, status=400)
    db = get_session()
    checked = enrollment.preview(db, training_class=cls, rows=rows, today=clock.today_local())
    discard(db)  # a preview writes nothing
    confirm = None
    if checked.ok:
        payload = _serializer().dumps({"c": cls.id, "u": current_user.id,
                                       "rows": enrollment.rows_to_payload(checked.rows)})
        confirm = ConfirmImportForm(payload=payload)
    return render_template("training/enroll_preview.html", cls=cls, preview=checked, confirm=confirm,
                           upload=UploadForm())


@bp.post("/classes/<int:class_id>/enroll/confirm")
@role_required(Role.INSTITUTION_STAFF)
def enroll_confirm(class_id: int):
    cls = load_class(class_id)
    form = ConfirmImportForm()
    try:
        data = _serializer().loads(form.payload.data or "", max_age=_IMPORT_MAX_AGE) if form.validate() else None
    except BadSignature:
        data = None
    if not data or data.get("c") != cls.id or data.get("u") != current_user.id:
        flash(_("导入已过期或无效，请重新上传名单"), "error")
        return redirect(url_for("training.enroll", class_id=cls.id))
    db = get_session()
    done = saved(None, lambda: enrollment.import_rows(db, actor=current_user, training_class=cls,
                                                      rows=enrollment.rows_from_payload(data["rows"]), now=clock.now()))
    if not done:
        return redirect(url_for("training.enroll", class_id=cls.id))
    return render_template("training/enrolled.html", cls=cls, done=done.value)


# ---- one trainee in a class ----------------------------------------------------------------------------

def _load(class_id: int, enrollment_id: int, *, manage: bool = True):
    cls = load_class(class_id, manage=manage)
    row = enrollment.get_enrollment(get_session(), cls.id, enrollment_id)
    require(row.institution_id == cls.institution_id)
    return cls, row


def _enrollment_page(cls, row, score_form=None, status: int = 200):
    db = get_session()
    lessons = courseware.lessons_of(db, institution_id=cls.institution_id, category_id=cls.category_id,
                                    published_only=True)
    return render_template(
        "training/enrollment.html", cls=cls, e=row, progress=progress.enrollment_progress(db, row),
        records=attendance.records_of_enrollment(db, row), lessons=lessons,
        studies=courseware.study_records(db, row), completion=completions.completion_of(db, row),
        blockers=completions.blockers(db, row), score_form=score_form or TestScoreForm(score=row.test_score),
        action_form=EmptyForm()), status


@bp.get("/classes/<int:class_id>/enrollments/<int:enrollment_id>")
@role_required(Role.INSTITUTION_STAFF, Role.REGULATOR)
def enrollment_detail(class_id: int, enrollment_id: int):
    return _enrollment_page(*_load(class_id, enrollment_id, manage=False))


@bp.post("/classes/<int:class_id>/enrollments/<int:enrollment_id>/withdraw")
@role_required(Role.INSTITUTION_STAFF)
def enrollment_withdraw(class_id: int, enrollment_id: int):
    cls, row = _load(class_id, enrollment_id)
    db = get_session()
    if EmptyForm().validate_on_submit():
        saved(None, lambda: enrollment.withdraw(db, actor=current_user, enrollment=row, now=clock.now()),
              _("学员已退班"))
    return redirect(url_for("training.enrollment_detail", class_id=cls.id, enrollment_id=row.id))


@bp.post("/classes/<int:class_id>/enrollments/<int:enrollment_id>/score")
@role_required(Role.INSTITUTION_STAFF)
def enrollment_score(class_id: int, enrollment_id: int):
    cls, row = _load(class_id, enrollment_id)
    form = TestScoreForm()
    if form.validate_on_submit():
        if saved(form, lambda: enrollment.record_test_score(get_session(), actor=current_user, enrollment=row,
                                                            score=form.score.data, now=clock.now()),
                 _("结业考核成绩已登记")):
            return redirect(url_for("training.enrollment_detail", class_id=cls.id, enrollment_id=row.id))
    return _enrollment_page(cls, row, score_form=form, status=400)


@bp.post("/classes/<int:class_id>/enrollments/<int:enrollment_id>/complete")
@role_required(Role.INSTITUTION_STAFF)
def enrollment_complete(class_id: int, enrollment_id: int):
    cls, row = _load(class_id, enrollment_id)
    db = get_session()
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("training.enrollment_detail", class_id=cls.id, enrollment_id=row.id))
    done = saved(None, lambda: completions.issue(db, actor=current_user, enrollment=row, now=clock.now()),
                 _("培训合格证明已出具"))
    if not done:
        return redirect(url_for("training.enrollment_detail", class_id=cls.id, enrollment_id=row.id))
    return redirect(url_for("training.completion_view", completion_id=done.value.id))
