"""The holder's pages (my certificates, 复审 application, verification log, printable certificate) and the
training institution's list of its trainees' certificates."""

from __future__ import annotations

import base64

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ... import clock
from ...accounts import photos
from ...db import get_session
from ...errors import Conflict
from ...permissions import (
    Role,
    can_apply_review,
    can_print_certificate,
    can_read_certificate,
    org_ids,
    require,
    role_required,
)
from ...web import commit, paginate, saved, writes
from .. import issuance, lifecycle, printable, reviews, verification
from ..forms import ReviewApplyForm
from ..models import Certificate, CertificateEvent, ReviewApplication

bp = Blueprint("certificates", __name__, url_prefix="/certificates")

READERS = (Role.CANDIDATE, Role.REGULATOR, Role.INSTITUTION_STAFF)
LAYOUTS = ("a4", "card")


def _load(cert_id: int, allowed=can_read_certificate):
    db = get_session()
    cert = issuance.get_certificate(db, cert_id)
    require(allowed(current_user, cert))
    return db, cert


def _issued(cert: Certificate) -> None:
    if cert.is_pending or not cert.token:
        raise Conflict(_("证书尚未发放"), code="not_issued")


@bp.get("/")
@writes  # reading a certificate may make it 失效 (lazily)
@role_required(Role.CANDIDATE)
def mine():
    db = get_session()
    certs = list(db.scalars(select(Certificate).where(Certificate.holder_id == current_user.id)
                            .order_by(Certificate.created_at.desc(), Certificate.id.desc())))
    now = clock.now()
    if any([lifecycle.refresh_expiry(db, c, now=now) or issuance.issue_if_ready(db, c, now=now) for c in certs]):
        commit(db)
    return render_template("certificates/mine.html", certificates=certs)


@bp.get("/<int:cert_id>")
@writes  # reading a certificate may make it 失效 (lazily)
@role_required(*READERS)
def detail(cert_id: int):
    db, cert = _load(cert_id)
    if lifecycle.refresh_expiry(db, cert, now=clock.now()) or issuance.issue_if_ready(db, cert, now=clock.now()):
        commit(db)
    events = list(db.scalars(select(CertificateEvent).where(CertificateEvent.certificate_id == cert.id)
                             .order_by(CertificateEvent.at.desc(), CertificateEvent.id.desc())))
    applications = list(db.scalars(select(ReviewApplication).where(ReviewApplication.certificate_id == cert.id)
                                   .order_by(ReviewApplication.applied_at.desc())))
    state = reviews.review_state(db, cert, today=clock.today_local()) if cert.is_valid else None
    log = list(db.scalars(verification.log_for(db, cert).limit(10))) if can_print_certificate(current_user, cert) \
        else []
    return render_template("certificates/detail.html", cert=cert, events=events, applications=applications,
                           state=state, log=log)


@bp.route("/<int:cert_id>/review", methods=["GET", "POST"])
@role_required(Role.CANDIDATE)
def review_apply(cert_id: int):
    db, cert = _load(cert_id, can_apply_review)
    form = ReviewApplyForm()
    if form.validate_on_submit():
        if saved(form, lambda: reviews.apply(db, cert=cert, applicant=current_user, now=clock.now(),
                                             health_declared=form.health_declared.data,
                                             health_note=form.health_note.data or ""),
                 _("复审申请已提交，请等待审核")):
            return redirect(url_for("certificates.detail", cert_id=cert.id))
    state = reviews.review_state(db, cert, today=clock.today_local())
    status = 400 if form.is_submitted() else 200
    return render_template("certificates/review_apply.html", cert=cert, state=state, form=form), status


@bp.get("/<int:cert_id>/verifications")
@role_required(Role.CANDIDATE, Role.REGULATOR)
def verifications(cert_id: int):
    db, cert = _load(cert_id, can_print_certificate)
    page = paginate(db, verification.log_for(db, cert), per_page=50)
    return render_template("certificates/verifications.html", cert=cert, page=page)


@bp.get("/<int:cert_id>/print")
@role_required(Role.CANDIDATE, Role.REGULATOR)
def print_view(cert_id: int):
    _db, cert = _load(cert_id, can_print_certificate)
    _issued(cert)
    layout = request.args.get("layout", "a4")
    layout = layout if layout in LAYOUTS else "a4"
    qr = base64.b64encode(cert.qr_png).decode("ascii") if cert.qr_png else ""
    found = photos.photo_of(_db, cert.holder_id)  # the holder or the regulator: both may see it
    photo = base64.b64encode(found.jpeg).decode("ascii") if found else ""
    return render_template("certificates/print.html", cert=cert, layout=layout, qr=qr, photo=photo,
                           fields=printable.fields(cert), warning=printable.status_line(cert))


@bp.get("/<int:cert_id>/certificate.pdf")
@role_required(Role.CANDIDATE, Role.REGULATOR)
def pdf(cert_id: int):
    db, cert = _load(cert_id, can_print_certificate)
    _issued(cert)
    layout = request.args.get("layout", "a4")
    found = photos.photo_of(db, cert.holder_id)
    response = make_response(printable.certificate_pdf(cert, layout=layout if layout in LAYOUTS else "a4",
                                                       photo=found.jpeg if found else None))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{cert.id}.pdf"'
    return response


@bp.get("/trainees")
@role_required(Role.INSTITUTION_STAFF)
def trainees():
    db = get_session()
    orgs = org_ids(current_user, Role.INSTITUTION_STAFF)
    stmt = (select(Certificate).where(Certificate.institution_id.in_(orgs))
            .order_by(Certificate.created_at.desc(), Certificate.id.desc()))
    return render_template("certificates/trainees.html", page=paginate(db, stmt))


@bp.record_once
def _template_globals(state) -> None:
    """Status labels for every template (globals, so imported macros see them too)."""
    from .. import rules

    state.app.jinja_env.globals.update(
        cert_status_label=rules.status_label, cert_status_tone=rules.status_tone,
        cert_next_action=rules.certificate_next_action, next_action=rules.next_action,
        cert_event_labels=rules.EVENT_LABELS, cert_expiry_reasons=rules.EXPIRY_REASONS,
        cert_revocation_grounds=rules.REVOCATION_GROUNDS, cert_cancellation_grounds=rules.CANCELLATION_GROUNDS)
