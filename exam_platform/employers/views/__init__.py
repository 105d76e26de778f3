"""Employer staff pages (生产经营单位): 持证率 and the gap list, the roster, posts. Everything is scoped to the
employer the user works for; another employer's worker or post answers 404."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...db import get_session
from ...errors import NotFound
from ...permissions import Role, can_manage_worker, employer_ids, require, role_required
from ...spreadsheets import download
from ...web import saved
from .. import coverage, roster
from ..forms import EmptyForm, PostForm, UploadForm, WorkerForm

bp = Blueprint("employers", __name__, url_prefix="/employer")


def employer_id() -> int:
    """The employer whose roster the user keeps (one organisation per account in practice: the first)."""
    ids = employer_ids(current_user)
    if not ids:
        raise NotFound()
    return min(ids)


def load_worker(worker_id: int):
    worker = roster.get_worker(get_session(), worker_id)
    require(can_manage_worker(current_user, worker))
    return worker


# ---- 持证率 and the gap list ------------------------------------------------------------------------------

@bp.get("/")
@role_required(Role.EMPLOYER)
def index():
    today = clock.today_local()
    found = coverage.employer_coverage(get_session(), employer_id(), today=today)
    return render_template("employers/index.html", coverage=found, today=today)


def gap_sheet(found: coverage.Coverage) -> tuple[str, list[str], list[list[Any]]]:
    head = [_("姓名"), _("证件号码"), _("岗位"), _("类别"), _("持证情况"), _("证书有效期至"), _("下次复审/换证"),
            _("下一步")]
    rows = [[s.worker.real_name, s.masked_id, s.worker.post.name, s.category.label, s.result.standing.label,
             s.result.fact.valid_until if s.result.fact else None, s.result.due, s.result.next_step]
            for s in found.gaps]
    return _("持证缺口"), head, rows


@bp.get("/gaps/export")
@role_required(Role.EMPLOYER)
def gaps_export():
    """The gap list as xlsx (default) or ``?format=csv``."""
    today = clock.today_local()
    found = coverage.employer_coverage(get_session(), employer_id(), today=today)
    fmt = "csv" if request.args.get("format") == "csv" else "xlsx"
    return download([gap_sheet(found)], filename=f"持证缺口-{today.isoformat()}", fmt=fmt)


# ---- roster ------------------------------------------------------------------------------------------------

def _worker_form(form: WorkerForm) -> WorkerForm:
    form.post_id.choices = [(p.id, p.name) for p in roster.posts_of(get_session(), employer_id())]
    return form


def _roster_page(form: WorkerForm | None = None, upload: UploadForm | None = None, status: int = 200):
    db = get_session()
    return render_template("employers/workers.html", workers=roster.workers_of(db, employer_id()),
                           form=form or _worker_form(WorkerForm()), upload=upload or UploadForm(),
                           remove_form=EmptyForm()), status


@bp.route("/workers", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def workers():
    form = _worker_form(WorkerForm())
    if not form.validate_on_submit():
        return _roster_page(form, status=400 if form.errors else 200)
    if not saved(form, lambda: roster.add_worker(
            get_session(), actor=current_user, employer_id=employer_id(), real_name=form.real_name.data,
            id_type=form.id_type.data, id_number=form.id_number.data, post_id=form.post_id.data, now=clock.now())):
        return _roster_page(form, status=400)
    flash(_("已加入名册"), "success")
    return redirect(url_for("employers.workers"))


@bp.get("/workers/<int:worker_id>")
@role_required(Role.EMPLOYER)
def worker_detail(worker_id: int):
    worker = load_worker(worker_id)
    slots = coverage.worker_slots(get_session(), worker, today=clock.today_local())
    return render_template("employers/worker.html", worker=worker, slots=slots, remove_form=EmptyForm())


@bp.post("/workers/<int:worker_id>/remove")
@role_required(Role.EMPLOYER)
def worker_remove(worker_id: int):
    worker = load_worker(worker_id)
    if EmptyForm().validate_on_submit():
        saved(None, lambda: roster.remove_worker(
                get_session(), actor=current_user, worker=worker, now=clock.now()), _("已从名册移除"))
    return redirect(url_for("employers.workers"))


# ---- posts -------------------------------------------------------------------------------------------------

def _post_form(form: PostForm) -> PostForm:
    form.category_ids.choices = [(c.id, c.label) for c in roster.category_choices(get_session())]
    return form


def _save_post(form: PostForm, post=None) -> bool:
    return saved(form, lambda: roster.save_post(
        get_session(), actor=current_user, employer_id=employer_id(), name=form.name.data,
        category_ids=form.category_ids.data or [], post=post, now=clock.now()))


@bp.route("/posts", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def posts():
    form = _post_form(PostForm())
    if form.validate_on_submit() and _save_post(form):
        flash(_("岗位已保存"), "success")
        return redirect(url_for("employers.posts"))
    status = 400 if request.method == "POST" else 200
    return render_template("employers/posts.html", posts=roster.posts_of(get_session(), employer_id()),
                           form=form, delete_form=EmptyForm()), status


@bp.route("/posts/<int:post_id>", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def post_edit(post_id: int):
    post = roster.get_post(get_session(), employer_id(), post_id)
    form = _post_form(PostForm(obj=post, category_ids=[c.id for c in post.categories]))
    if form.validate_on_submit() and _save_post(form, post):
        flash(_("岗位已保存"), "success")
        return redirect(url_for("employers.posts"))
    status = 400 if request.method == "POST" else 200
    return render_template("employers/post.html", post=post, form=form), status


@bp.post("/posts/<int:post_id>/delete")
@role_required(Role.EMPLOYER)
def post_delete(post_id: int):
    post = roster.get_post(get_session(), employer_id(), post_id)
    if EmptyForm().validate_on_submit():
        saved(None, lambda: roster.delete_post(
                get_session(), actor=current_user, post=post, now=clock.now()), _("岗位已删除"))
    return redirect(url_for("employers.posts"))
