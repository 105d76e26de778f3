"""The issuing authority's pages: registry search and export, the approval queue (batch approve), a certificate's
file with its actions (暂扣/恢复/撤销/注销/补发/违章), the 复审 queue, and the signing keys."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from ... import clock
from ...db import get_session
from ...permissions import Role, role_required
from ...web import commit, paginate, saved, writes
from .. import issuance, keys, lifecycle, registry, reviews, verification
from ..forms import CancelForm, ReasonForm, ReviewDecisionForm, RevokeForm, ViolationForm
from ..models import Certificate, CertificateEvent, CertificateToken, ReviewApplication, Violation

bp = Blueprint("registry", __name__, url_prefix="/registry")

ACTIONS = {
    # action: (form class, service call, success message)
    "suspend": (ReasonForm, lambda db, cert, f, now: lifecycle.suspend(
        db, cert, actor=current_user, now=now, reason=f.reason.data), _l("证书已暂扣")),
    "reinstate": (ReasonForm, lambda db, cert, f, now: lifecycle.reinstate(
        db, cert, actor=current_user, now=now, reason=f.reason.data), _l("证书已恢复")),
    "revoke": (RevokeForm, lambda db, cert, f, now: lifecycle.revoke(
        db, cert, actor=current_user, now=now, ground=f.ground.data, reason=f.reason.data), _l("证书已撤销")),
    "cancel": (CancelForm, lambda db, cert, f, now: lifecycle.cancel(
        db, cert, actor=current_user, now=now, ground=f.ground.data, reason=f.reason.data), _l("证书已注销")),
    "reissue": (ReasonForm, lambda db, cert, f, now: lifecycle.reissue(
        db, cert, actor=current_user, now=now, reason=f.reason.data), _l("已补发，旧二维码已作废")),
    "refuse": (ReasonForm, lambda db, cert, f, now: issuance.refuse(
        db, cert, actor=current_user, now=now, reason=f.reason.data), _l("已不予发证")),
    "violation": (ViolationForm, lambda db, cert, f, now: lifecycle.record_violation(
        db, cert, actor=current_user, now=now, occurred_on=f.occurred_on.data, serious=f.serious.data,
        description=f.description.data), _l("违章已记录")),
}


def _forms() -> dict:
    return {name: form_class(prefix=name) for name, (form_class, _call, _msg) in ACTIONS.items()}


def _detail_page(db, cert, forms, status=200):
    events = list(db.scalars(select(CertificateEvent).where(CertificateEvent.certificate_id == cert.id)
                             .order_by(CertificateEvent.at.desc(), CertificateEvent.id.desc())))
    tokens = list(db.scalars(select(CertificateToken).where(CertificateToken.certificate_id == cert.id)
                             .order_by(CertificateToken.version.desc())))
    violations = list(db.scalars(select(Violation).where(Violation.certificate_id == cert.id)
                                 .order_by(Violation.occurred_on.desc())))
    applications = list(db.scalars(select(ReviewApplication).where(ReviewApplication.certificate_id == cert.id)
                                   .order_by(ReviewApplication.applied_at.desc())))
    log = list(db.scalars(verification.log_for(db, cert).limit(10)))
    return render_template("certificates/registry/detail.html", cert=cert, events=events, tokens=tokens,
                           violations=violations, applications=applications, log=log, forms=forms), status


@bp.get("/")
@role_required(Role.REGULATOR)
def index():
    db = get_session()
    f = registry.RegistryFilter.from_args(request.args)
    page = paginate(db, registry.search(f, today=clock.today_local()))
    return render_template("certificates/registry/index.html", page=page, f=f,
                           choices=registry.filter_choices(db), args=request.args)


@bp.get("/export.xlsx")
@role_required(Role.REGULATOR)
def export():
    db = get_session()
    f = registry.RegistryFilter.from_args(request.args)
    data = registry.export_xlsx(db, f, actor=current_user, today=clock.today_local(), now=clock.now())
    commit(db)  # the audit line of the export
    response = make_response(data)
    response.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = "attachment; filename=certificates.xlsx"
    return response


@bp.get("/pending")
@role_required(Role.REGULATOR)
def pending():
    db = get_session()
    page = paginate(db, issuance.pending_queue(db), per_page=100)
    return render_template("certificates/registry/pending.html", page=page)


@bp.post("/pending/approve")
@role_required(Role.REGULATOR)
def approve():
    db = get_session()
    ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()][:500]
    if not ids:
        flash(_("请先选择要发证的证书"), "error")
        return redirect(url_for("registry.pending"))
    issued, problems = issuance.approve_many(db, ids=ids, actor=current_user, now=clock.now())
    commit(db)
    flash(_("已审批发证 %(n)s 本", n=issued), "success")
    for problem in problems:
        flash(problem, "error")
    return redirect(url_for("registry.pending"))


@bp.get("/<int:cert_id>")
@writes  # reading a certificate may make it 失效 (lazily)
@role_required(Role.REGULATOR)
def detail(cert_id: int):
    db = get_session()
    cert = issuance.get_certificate(db, cert_id)
    if lifecycle.refresh_expiry(db, cert, now=clock.now()) or issuance.issue_if_ready(db, cert, now=clock.now()):
        commit(db)
    return _detail_page(db, cert, _forms())


@bp.post("/<int:cert_id>/<action>")
@role_required(Role.REGULATOR)
def act(cert_id: int, action: str):
    if action not in ACTIONS:
        abort(404)
    db = get_session()
    cert = issuance.get_certificate(db, cert_id)
    form_class, call, message = ACTIONS[action]
    forms = _forms()
    form = forms[action] = form_class(prefix=action)
    if form.validate_on_submit():
        if saved(form, lambda: call(db, cert, form, clock.now()), str(message)):
            return redirect(url_for("registry.detail", cert_id=cert.id))
    return _detail_page(db, cert, forms, status=400)


@bp.get("/reviews")
@role_required(Role.REGULATOR)
def review_queue():
    db = get_session()
    page = paginate(db, reviews.review_queue(db))
    return render_template("certificates/registry/reviews.html", page=page, form=ReviewDecisionForm())


@bp.route("/reviews/<int:application_id>", methods=["GET", "POST"])
@role_required(Role.REGULATOR)
def review_decide(application_id: int):
    db = get_session()
    application = reviews.get_application(db, application_id)
    form = ReviewDecisionForm()
    if form.validate_on_submit():
        if saved(form, lambda: reviews.decide(db, application=application, actor=current_user, now=clock.now(),
                                              approve=form.decision.data == "approve", reason=form.reason.data or ""),
                 _("复审审核已完成")):
            return redirect(url_for("registry.review_queue"))
    state = reviews.review_state(db, application.certificate, today=clock.today_local())
    status = 400 if form.is_submitted() else 200
    return render_template("certificates/registry/review.html", application=application, form=form,
                           state=state), status


@bp.get("/keys")
@role_required(Role.REGULATOR)
def signing_keys():
    db = get_session()
    counts = dict(db.execute(select(Certificate.kid, func.count(Certificate.id)).where(Certificate.kid.is_not(None))
                             .group_by(Certificate.kid)).all())
    return render_template("certificates/registry/keys.html", keys=keys.all_keys(db), counts=counts)
