"""Candidate pages (考生): my exams and results, self-booking, the exam client, mock exams; and the training
institution's view of its trainees' outcomes (pass/fail and score only — never a question)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...accounts import photos
from ...banks.models import PaperRule
from ...db import get_session, restart_as_writer
from ...permissions import Role, org_ids, require, role_required
from ...web import commit, paginate, saved
from .. import attempts, device, overview
from .. import registration as reg_service
from .. import sittings as sitting_service

bp = Blueprint("exams_my", __name__, url_prefix="/exams")


@bp.get("/my")
@role_required(Role.CANDIDATE)
def my_exams():
    now = clock.now()
    mine = overview.my_exams(get_session(), candidate=current_user, now=now)
    return render_template("exams/my.html", regs=mine.registrations, attempts=mine.attempts, results=mine.results,
                           mocks=mine.mocks, open_sittings=mine.open_sittings, not_bookable=mine.not_bookable,
                           now=now)


@bp.post("/sittings/<int:sitting_id>/book")
@role_required(Role.CANDIDATE)
def book(sitting_id: int):
    db = get_session()
    sitting = sitting_service.get_sitting(db, sitting_id)
    require(sitting.self_bookable)
    saved(None, lambda: reg_service.register(db, actor=current_user, candidate=current_user, sitting=sitting,
                                             now=clock.now()),
          _("预约成功，请打印准考证"),
          show=lambda _form, err: flash(_("不能预约：%(why)s", why=str(err.message)), "error"))
    return redirect(url_for("exams_my.my_exams"))


@bp.post("/registrations/<int:registration_id>/withdraw")
@role_required(Role.CANDIDATE)
def withdraw(registration_id: int):
    db = get_session()
    registration = reg_service.get_registration(db, registration_id)
    require(registration.candidate_id == current_user.id)
    saved(None, lambda: reg_service.cancel_registration(db, actor=current_user, registration=registration,
                                                        now=clock.now()), _("已取消预约"))
    return redirect(url_for("exams_my.my_exams"))


def _client_page(*, start_url: str, title: str, ticket_no: str = "", seat: str = "", restart_url: str = "",
                 photo: bool = False):
    """The exam client: a static page with no site navigation (the candidate, the ticket and the clock only);
    everything else goes through the JSON API."""
    response = make_response(render_template("exams/take.html", start_url=start_url, title=title, ticket_no=ticket_no,
                                             seat=seat, restart_url=restart_url, photo=photo,
                                             grace=current_app.config["EXAM_SAVE_GRACE_SECONDS"]))
    device.ensure(response)
    return response


@bp.get("/attempts/<int:attempt_id>/media/<name>")
@role_required(Role.CANDIDATE)
def picture(attempt_id: int, name: str):
    """A picture of the candidate's own paper, by its per-paper name, while the attempt is in progress."""
    from ...banks import media
    from .. import client_paper

    db = get_session()
    attempt = attempts.get_own_attempt(db, attempt_id=attempt_id, candidate=current_user)
    require(attempt.state == "in_progress")
    digest = client_paper.picture_of_paper(db, attempt.paper, name) if len(name) == 32 else None
    stored = media.blob(db, digest) if digest else None
    require(stored is not None)
    return current_app.response_class(stored.data, headers=media.headers(stored.content_type))


@bp.get("/take/<int:registration_id>")
@role_required(Role.CANDIDATE)
def take(registration_id: int):
    registration = reg_service.get_registration(get_session(), registration_id)
    require(registration.candidate_id == current_user.id)
    return _client_page(start_url=url_for("exams_api.start", registration_id=registration.id),
                        title=registration.sitting.title, ticket_no=registration.ticket_no, seat=registration.seat,
                        photo=bool(photos.has_photo(get_session(), [current_user.id])))


def _mock_blueprint(blueprint_id: int) -> PaperRule:
    blueprint = get_session().get(PaperRule, blueprint_id)
    require(blueprint is not None and blueprint.purpose == "mock" and blueprint.active)
    return blueprint


@bp.get("/mock/<int:blueprint_id>")
@role_required(Role.CANDIDATE)
def mock(blueprint_id: int):
    """模拟考试, linked from training pages: same client and rules; no registration, no certificate."""
    blueprint = _mock_blueprint(blueprint_id)
    return _client_page(start_url=url_for("exams_api.start_mock", blueprint_id=blueprint.id),
                        title=_("模拟考试：%(name)s", name=blueprint.name),
                        restart_url=url_for("exams_my.restart_mock", blueprint_id=blueprint.id))


@bp.post("/mock/<int:blueprint_id>/restart")
@role_required(Role.CANDIDATE)
def restart_mock(blueprint_id: int):
    """Abandon the running mock exam of this blueprint (ungraded) and open a new paper: self-study has no proctor."""
    db = get_session()
    blueprint = _mock_blueprint(blueprint_id)
    running = attempts.running_mock(db, candidate=current_user, blueprint_id=blueprint.id)
    if running is not None:
        attempts.abandon_mock(db, attempt=running, candidate=current_user, now=clock.now())
        commit(db)
        flash(_("已放弃上一次模拟考试，下面是一份新试卷"), "success")
    return redirect(url_for("exams_my.mock", blueprint_id=blueprint.id))


@bp.get("/attempts/<int:attempt_id>/result")
@role_required(Role.CANDIDATE)
def attempt_result(attempt_id: int):
    """Refreshes itself every 2 s while the grading is queued (评分中): a read (SQLite: no write lock), unless the
    attempt is found overdue — then it takes the write lock, reads again and finalises it."""
    db = get_session()
    attempt = attempts.get_own_attempt(db, attempt_id=attempt_id, candidate=current_user)
    now, grace = clock.now(), current_app.config["EXAM_SAVE_GRACE_SECONDS"]
    if attempt.overdue(now, grace):
        restart_as_writer(db)
        attempt = attempts.get_own_attempt(db, attempt_id=attempt_id, candidate=current_user)
    attempts.finalise_if_overdue(db, attempt, now=now, grace=grace)
    if attempt.in_progress:
        commit(db)
        return redirect(url_for("exams_my.take", registration_id=attempt.registration_id) if attempt.registration_id
                        else url_for("exams_my.mock", blueprint_id=attempt.paper.blueprint_id))
    outcome = attempts.outcome(db, attempt)
    commit(db)
    return render_template("exams/attempt_result.html", attempt=attempt, outcome=outcome)


# ---- training institutions: their trainees' outcomes -----------------------------------------------------------

@bp.get("/trainees")
@role_required(Role.INSTITUTION_STAFF)
def institution_results():
    """Published results of candidates whose registration rests on this institution's training completion."""
    stmt = overview.trainee_results(org_ids(current_user, Role.INSTITUTION_STAFF))
    page = paginate(get_session(), stmt, scalars=False)
    return render_template("exams/institution_results.html", page=page)
