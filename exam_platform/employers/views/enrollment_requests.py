"""送培申请 pages. The employer's side (ask, follow, withdraw) on the employer blueprint; the institution's side
(its inbox, accept, decline) on ``inbox_bp``: it lives here, above training, because training must not know
employers (docs/architecture.md) — an institution sees only requests addressed to it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...db import get_session
from ...permissions import Role, can_answer_request, can_manage_request, org_ids, require, role_required
from ...web import saved
from .. import enrollment_requests as requests
from .. import roster
from ..forms import DeclineForm, EmptyForm, RequestForm
from . import bp, employer_id

inbox_bp = Blueprint("employer_requests", __name__, url_prefix="/institution/requests")


def _request_form(form: RequestForm) -> RequestForm:
    db = get_session()
    form.class_id.choices = [(c.id, f"{c.institution.name} · {c.title} · {c.category.label} · "
                                    f"{c.starts_on:%Y-%m-%d} ({_('余 %(n)s 席', n=c.seats_left)})")
                             for c in requests.open_classes(db)]
    form.worker_ids.choices = [(w.id, f"{w.real_name}（{w.post.name}）") for w in roster.workers_of(db, employer_id())]
    return form


def load_request(request_id: int):
    req = requests.get_request(get_session(), request_id)
    require(can_manage_request(current_user, req))
    return req


@bp.route("/requests", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def requests_page():
    db = get_session()
    form = _request_form(RequestForm(worker_ids=[int(i) for i in request.args.getlist("worker") if i.isdigit()]))
    if form.validate_on_submit() and saved(form, lambda: requests.create_request(
            db, actor=current_user, employer_id=employer_id(), class_id=form.class_id.data,
            worker_ids=form.worker_ids.data or [], note=form.note.data or "", now=clock.now()),
            _("申请已发送给培训机构")):
        return redirect(url_for("employers.requests_page"))
    return render_template("employers/requests.html", form=form, found=requests.requests_of_employer(db, employer_id()),
                           labels=requests.STATUS_LABELS), 400 if request.method == "POST" else 200


@bp.get("/requests/<int:request_id>")
@role_required(Role.EMPLOYER)
def request_detail(request_id: int):
    req = load_request(request_id)
    return render_template("employers/request.html", req=req, labels=requests.STATUS_LABELS,
                           rows=requests.request_progress(get_session(), req), withdraw_form=EmptyForm())


@bp.post("/requests/<int:request_id>/withdraw")
@role_required(Role.EMPLOYER)
def request_withdraw(request_id: int):
    req = load_request(request_id)
    if EmptyForm().validate_on_submit() and saved(None, lambda: requests.withdraw_request(
            get_session(), actor=current_user, req=req, now=clock.now())):
        flash(_("申请已撤回"), "success")
    return redirect(url_for("employers.request_detail", request_id=req.id))


# ---- the institution's side ---------------------------------------------------------------------------

def load_incoming(request_id: int):
    req = requests.get_request(get_session(), request_id)
    require(can_answer_request(current_user, req))
    return req


@inbox_bp.get("")
@role_required(Role.INSTITUTION_STAFF)
def inbox():
    found = requests.requests_to(get_session(), org_ids(current_user, Role.INSTITUTION_STAFF))
    return render_template("employers/inbox.html", found=found, labels=requests.STATUS_LABELS)


def _incoming_page(req, decline_form=None, status: int = 200, new_accounts=()):
    return render_template("employers/incoming.html", req=req, labels=requests.STATUS_LABELS,
                           new_accounts=new_accounts,
                           accept_form=EmptyForm(), decline_form=decline_form or DeclineForm(),
                           rows=requests.request_progress(get_session(), req)), status


@inbox_bp.get("/<int:request_id>")
@role_required(Role.INSTITUTION_STAFF)
def incoming(request_id: int):
    return _incoming_page(load_incoming(request_id))


@inbox_bp.post("/<int:request_id>/accept")
@role_required(Role.INSTITUTION_STAFF)
def accept(request_id: int):
    req = load_incoming(request_id)
    done: list = []
    if EmptyForm().validate_on_submit() and saved(None, lambda: done.extend(requests.accept(
            get_session(), actor=current_user, req=req, now=clock.now()))):
        flash(_("已接收，%(n)s 人已报名", n=len(done)), "success")
        # Initial passwords of new accounts are shown once, in this response (never stored, never in a flash).
        return _incoming_page(req, new_accounts=[d for d in done if d.new_account])
    return redirect(url_for("employer_requests.incoming", request_id=req.id))


@inbox_bp.post("/<int:request_id>/decline")
@role_required(Role.INSTITUTION_STAFF)
def decline(request_id: int):
    req = load_incoming(request_id)
    form = DeclineForm()
    if form.validate_on_submit() and saved(form, lambda: requests.decline(
            get_session(), actor=current_user, req=req, reason=form.reason.data, now=clock.now()), _("已拒绝该申请")):
        return redirect(url_for("employer_requests.incoming", request_id=req.id))
    return _incoming_page(req, form, 400)
