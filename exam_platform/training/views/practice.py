"""Trainee pages: practice from practice banks by topic, answers checked at once, and the wrong-answer book."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...db import get_session
from ...permissions import Role, can_practise, require, role_required
from ...web import commit, on_page, saved
from .. import practice
from ..forms import EmptyForm
from . import bp, mock_exam_url


def _bank(bank_id: int):
    bank = practice.get_practice_bank(get_session(), current_user.id, bank_id)
    require(can_practise(current_user, bank))
    return bank


@bp.get("/practice")
@role_required(Role.CANDIDATE)
def practice_home():
    db = get_session()
    banks = practice.practice_banks(db, current_user.id)
    return render_template("training/practice_home.html", banks=banks,
                           wrong=len(practice.wrong_book(db, current_user.id)),
                           mock_urls={b.id: mock_exam_url(b) for b in banks})


@bp.get("/practice/<int:bank_id>")
@role_required(Role.CANDIDATE)
def practice_bank(bank_id: int):
    bank = _bank(bank_id)
    return render_template("training/practice_bank.html", bank=bank, topics=practice.topics(get_session(), bank),
                           mock_url=mock_exam_url(bank))


def _question_page(bank, version, topic: str, error: str = "", status: int = 200):
    return render_template("training/practice_question.html", bank=bank, q=version, topic=topic, error=error,
                           letters=practice.LETTERS, form=EmptyForm()), status


@bp.get("/practice/<int:bank_id>/media/<sha256>")
@role_required(Role.CANDIDATE)
def practice_picture(bank_id: int, sha256: str):
    """A picture of a question of a practice bank the trainee may practise (never of another bank)."""
    from flask import Response

    from ...banks import media, registry

    bank = _bank(bank_id)
    db = get_session()
    require(len(sha256) == 64 and registry.bank_has_picture(db, bank, sha256))
    stored = media.blob(db, sha256)
    require(stored is not None)
    return Response(stored.data, headers=media.headers(stored.content_type))


@bp.get("/practice/<int:bank_id>/question")
@role_required(Role.CANDIDATE)
def practice_question(bank_id: int):
    bank = _bank(bank_id)
    db = get_session()
    topic = request.args.get("topic", "")
    question_id = request.args.get("q", type=int)
    if question_id:
        version = practice.current_version_of(db, bank, question_id)
    else:
        version = practice.next_question(db, trainee_id=current_user.id, bank=bank, topic=topic)
    if version is None:
        flash(_("该题库（或该知识点）暂无题目"), "info")
        return redirect(url_for("training.practice_bank", bank_id=bank.id))
    return _question_page(bank, version, topic)


@bp.post("/practice/<int:bank_id>/answer")
@role_required(Role.CANDIDATE)
def practice_answer(bank_id: int):
    bank = _bank(bank_id)
    db = get_session()
    version = practice.practice_version(db, bank, request.form.get("version_id", type=int) or 0)
    topic = request.form.get("topic", "")
    if not EmptyForm().validate_on_submit():
        return _question_page(bank, version, topic, status=400)
    answered = saved(None, lambda: practice.answer(db, trainee_id=current_user.id, bank=bank, version_id=version.id,
                                                   raw=request.form.getlist("answer"), now=clock.now()), show=on_page)
    if not answered:
        return _question_page(bank, version, topic, error=str(answered.error.message), status=400)
    return redirect(url_for("training.practice_result", bank_id=bank.id, attempt_id=answered.value.id,
                            topic=topic or None))


@bp.get("/practice/<int:bank_id>/result/<int:attempt_id>")
@role_required(Role.CANDIDATE)
def practice_result(bank_id: int, attempt_id: int):
    bank = _bank(bank_id)
    attempt, version = practice.get_attempt(get_session(), trainee_id=current_user.id, bank=bank,
                                            attempt_id=attempt_id)
    return render_template("training/practice_result.html", bank=bank, attempt=attempt, q=version,
                           topic=request.args.get("topic", ""), letters=practice.LETTERS)


@bp.get("/practice/wrong")
@role_required(Role.CANDIDATE)
def wrong_book():
    entries = practice.wrong_book(get_session(), current_user.id)
    return render_template("training/wrong_book.html", entries=entries, letters=practice.LETTERS,
                           form=EmptyForm())


@bp.post("/practice/wrong/<int:entry_id>/remove")
@role_required(Role.CANDIDATE)
def wrong_remove(entry_id: int):
    db = get_session()
    if EmptyForm().validate_on_submit():
        practice.remove_wrong(db, trainee_id=current_user.id, entry_id=entry_id)
        commit(db)
        flash(_("已移出错题本"), "success")
    return redirect(url_for("training.wrong_book"))
