"""The author workbench: banks, the question list (search, filters, keyset paging, bulk actions),
one question (history, diff, candidate preview), create / edit / retire / restore, YAML export."""

from __future__ import annotations

import random

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ... import clock
from ...catalog.service import categories
from ...db import get_session
from ...errors import DomainError
from ...permissions import Role, can_edit_bank, can_read_bank, has_role, org_ids, require, role_required
from ...web import commit, form_error, saved
from .. import media, registry
from .. import questions as qs
from .. import review as reviews
from .. import search as finder
from ..forms import BankForm, BulkForm, QuestionForm, ReviewForm
from ..importer import export_bank_yaml, version_content

bp = Blueprint("banks", __name__, url_prefix="/banks")

PURPOSE_LABELS = {"exam": _l("考试题库"), "practice": _l("练习题库")}


@bp.app_context_processor
def _labels():
    return {"question_type_labels": finder.TYPE_LABELS, "question_status_labels": finder.STATUS_LABELS,
            "bank_purpose_labels": PURPOSE_LABELS, "is_shipped_bank": registry.is_shipped}

READERS = (Role.REGULATOR, Role.QUESTION_AUTHOR, Role.INSTITUTION_STAFF)
EDITORS = (Role.QUESTION_AUTHOR, Role.INSTITUTION_STAFF)


def load_bank(code: str, *, edit: bool = False):
    """The bank, if the current user may read (or edit) it; otherwise 404 (ids of others are not probed)."""
    db = get_session()
    bank = registry.get_bank(db, code)
    require(can_edit_bank(current_user, bank) if edit else can_read_bank(current_user, bank))
    return db, bank


def put_problems(form, err: DomainError) -> None:
    """Every (field, message) of a refused question at its field."""
    problems = err.details.get("problems") if err.details else None
    if not problems:
        form_error(form, err)
        return
    for p in problems:
        name = {"case": "stem"}.get(p.get("field") or "", p.get("field"))  # a case's text is typed as the stem
        field = getattr(form, name, None) if name else None
        if field is None:
            flash(p["message"], "error")
        else:
            field.errors = [*list(field.errors or []), p["message"]]


@bp.get("/")
@role_required(*READERS)
def index():
    db = get_session()
    cats = categories(db)
    try:
        category_id = int(request.args.get("category") or 0) or None
    except ValueError:
        category_id = None
    banks = registry.readable_banks(db, current_user, category_id=category_id)
    return render_template("banks/index.html", banks=banks, counts=registry.bank_counts(db, [b.id for b in banks]),
                           categories=cats, category_id=category_id)


@bp.route("/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def bank_new():
    db = get_session()
    form = BankForm()
    form.category_id.choices = [(c.id, c.label) for c in categories(db)]
    author = has_role(current_user, Role.QUESTION_AUTHOR)
    if not author:
        form.purpose.choices = [("practice", _("练习题库"))]
    if form.validate_on_submit():
        owner = None if author else min(org_ids(current_user, Role.INSTITUTION_STAFF))
        created = saved(form, lambda: registry.create_bank(
            db, actor=current_user, code=form.code.data, title=form.title.data, category_id=form.category_id.data,
            purpose=form.purpose.data, owner_org_id=owner, now=clock.now()), _("题库已创建"))
        if created:
            return redirect(url_for("banks.bank", code=created.value.code))
    return render_template("banks/bank_form.html", form=form), 400 if form.errors else 200


@bp.get("/questions")
@role_required(*READERS)
def search():
    """Questions across every bank the user may read (optionally of one category)."""
    db = get_session()
    try:
        category_id = int(request.args.get("category") or 0) or None
    except ValueError:
        category_id = None
    banks = registry.readable_banks(db, current_user, category_id=category_id)
    f = finder.QuestionFilter.from_args(request.args)
    result = finder.page(db, finder.filtered([b.id for b in banks], f), after=request.args.get("after"),
                     before=request.args.get("before"))
    return render_template("banks/questions.html", bank=None, banks={b.id: b for b in banks}, page=result, f=f,
                           topics=finder.topics(db, [b.id for b in banks]), categories=categories(db),
                           category_id=category_id, bulk_form=None)


@bp.get("/<code>/")
@role_required(*READERS)
def bank(code: str):
    db, bank = load_bank(code)
    f = finder.QuestionFilter.from_args(request.args)
    result = finder.page(db, finder.filtered([bank.id], f), after=request.args.get("after"),
                     before=request.args.get("before"))
    bulk_form = None
    if can_edit_bank(current_user, bank):
        bulk_form = BulkForm(formdata=None, q=f.q, f_topic=f.topic, f_type=f.type, f_difficulty=f.difficulty or "",
                             f_status=f.status, expected=result.total)
    return render_template("banks/questions.html", bank=bank, banks={bank.id: bank}, page=result, f=f,
                           topics=finder.topics(db, [bank.id]), categories=None, category_id=None, bulk_form=bulk_form,
                           counts=registry.bank_counts(db, [bank.id])[bank.id],
                           watch=finder.provenance_watch(db, bank.id, clock.today_local()))


@bp.post("/<code>/bulk")
@role_required(*EDITORS)
def bulk(code: str):
    db, bank = load_bank(code, edit=True)
    form = BulkForm()
    f = finder.QuestionFilter.from_args({"q": form.q.data or "", "topic": form.f_topic.data or "",
                                     "type": form.f_type.data or "", "difficulty": form.f_difficulty.data or "",
                                     "status": form.f_status.data or "active"})
    back = url_for("banks.bank", code=bank.code, **f.as_args())
    if not form.validate_on_submit():
        flash(_("批量操作未执行：请检查所填内容"), "error")
        return redirect(back)
    done = saved(None, lambda: qs.bulk(db, actor=current_user, bank=bank, f=f, action=form.action.data,
                                       topic=form.topic.data or "", expected=form.expected.data, now=clock.now()))
    if not done:
        return redirect(back)
    flash(_("已对 %(n)s 道试题执行“%(action)s”", n=done.value, action=qs.BULK_ACTIONS[form.action.data]), "success")
    return redirect(url_for("banks.bank", code=bank.code, **(f.as_args() if form.action.data == "topic" else {})))


@bp.get("/<code>/export.yaml")
@role_required(*READERS)
def export_yaml(code: str):
    db, bank = load_bank(code)
    return Response(export_bank_yaml(db, bank), mimetype="application/x-yaml",
                    headers={"Content-Disposition": f'attachment; filename="{bank.code}.yaml"'})


@bp.route("/<code>/questions/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def question_new(code: str):
    db, bank = load_bank(code, edit=True)
    form = QuestionForm()
    if not form.is_submitted():
        form.key.data = qs.next_key(db, bank)
        form.topic.data = request.args.get("topic", "")
    if form.validate_on_submit():
        created = saved(form, lambda: qs.create_question(db, actor=current_user, bank=bank, content=form.content(),
                                                         now=clock.now()), show=put_problems)
        if created:
            flash(_("试题 %(key)s 已创建", key=created.value.key), "success")
            return redirect(url_for("banks.question", code=bank.code, key=created.value.key))
    return render_template("banks/question_form.html", bank=bank, form=form, question=None,
                           topics=finder.topics(db, [bank.id])), 400 if form.errors else 200


@bp.get("/<code>/questions/<key>")
@role_required(*READERS)
def question(code: str, key: str):
    db, bank = load_bank(code)
    question = qs.get_question(db, bank, key)
    versions = qs.history(db, question)
    from .. import lints

    superseded = "；".join(lints.superseded(version_content(question.key, versions[0])))
    return render_template("banks/question.html", bank=bank, question=question, version=versions[0],
                           versions=versions, can_edit=can_edit_bank(current_user, bank), superseded=superseded,
                           reviews=reviews.steps(db, question), review_form=ReviewForm(),
                           decisions=reviews.DECISIONS)


@bp.post("/<code>/questions/<key>/review")
@role_required(*EDITORS)
def question_review(code: str, key: str):
    """A review step (four eyes: never by the writer of the current version), recorded with its comment."""
    db, bank = load_bank(code, edit=True)
    question = qs.get_question(db, bank, key)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "error")
    elif saved(None, lambda: reviews.decide(db, actor=current_user, bank=bank, question=question,
                                              decision=form.decision.data, comment=form.comment.data or "",
                                              now=clock.now())):
        flash(_("已记录：%(d)s", d=reviews.DECISIONS[form.decision.data]), "success")
    return redirect(url_for("banks.question", code=bank.code, key=question.key))


@bp.post("/<code>/questions/<key>/successor")
@role_required(*EDITORS)
def question_successor(code: str, key: str):
    """The successor of a question whose basis was superseded: a draft valid from the new edition's day; the old
    question ends the day before. The author goes on to rewrite the successor."""
    db, bank = load_bank(code, edit=True)
    question = qs.get_question(db, bank, key)
    made = saved(None, lambda: qs.create_successor(db, actor=current_user, bank=bank, question=question,
                                                   now=clock.now()))
    if not made:
        return redirect(url_for("banks.question", code=bank.code, key=question.key))
    flash(_("已新建后继题 %(key)s（草稿）：请按新版本修改后送审", key=made.value.key), "success")
    return redirect(url_for("banks.question_edit", code=bank.code, key=made.value.key))


@bp.get("/<code>/media/<sha256>")
@role_required(*READERS)
def picture(code: str, sha256: str):
    """A picture of a question of this bank, for its readers (the workbench, the preview, the sample paper)."""
    db, bank = load_bank(code)
    require(len(sha256) == 64 and registry.bank_has_picture(db, bank, sha256))
    stored = media.blob(db, sha256)
    require(stored is not None)
    return Response(stored.data, headers=media.headers(stored.content_type))


@bp.route("/<code>/questions/<key>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def question_edit(code: str, key: str):
    db, bank = load_bank(code, edit=True)
    question = qs.get_question(db, bank, key)
    form = QuestionForm()
    if not form.is_submitted():
        form.fill(question.key, qs.current_version(db, question))
    if form.validate_on_submit():
        edited = saved(form, lambda: qs.edit_question(db, actor=current_user, bank=bank, question=question,
                                                      content=form.content(), now=clock.now()), show=put_problems)
        if edited:
            version = edited.value
            if version is None:
                flash(_("内容没有变化，未生成新版本"), "info")
            else:
                flash(_("已保存为第 %(n)s 版", n=version.number), "success")
            return redirect(url_for("banks.question", code=bank.code, key=question.key))
    return render_template("banks/question_form.html", bank=bank, form=form, question=question,
                           topics=finder.topics(db, [bank.id])), 400 if form.errors else 200


@bp.get("/<code>/questions/<key>/diff")
@role_required(*READERS)
def question_diff(code: str, key: str):
    db, bank = load_bank(code)
    question = qs.get_question(db, bank, key)
    versions = qs.history(db, question)
    try:
        new_no = int(request.args.get("b") or versions[0].number)
        old_no = int(request.args.get("a") or max(1, new_no - 1))
    except ValueError:
        new_no, old_no = versions[0].number, max(1, versions[0].number - 1)
    old, new = qs.get_version(db, question, old_no), qs.get_version(db, question, new_no)
    return render_template("banks/diff.html", bank=bank, question=question, old=old, new=new,
                           fields=qs.diff(old, new), versions=versions)


@bp.get("/<code>/questions/<key>/preview")
@role_required(*READERS)
def question_preview(code: str, key: str):
    db, bank = load_bank(code)
    question = qs.get_question(db, bank, key)
    try:
        number = int(request.args.get("v") or 0)
    except ValueError:
        number = 0
    version = qs.get_version(db, question, number) if number else qs.current_version(db, question)
    shuffle = request.args.get("shuffle") == "1"
    order = list(range(len(version.options)))
    if shuffle:
        random.SystemRandom().shuffle(order)
    return render_template("banks/preview.html", bank=bank, question=question, version=version, order=order,
                           shuffle=shuffle)


@bp.post("/<code>/questions/<key>/retire")
@role_required(*EDITORS)
def question_retire(code: str, key: str):
    return _set_status(code, key, "retired")


@bp.post("/<code>/questions/<key>/restore")
@role_required(*EDITORS)
def question_restore(code: str, key: str):
    return _set_status(code, key, "active")


def _set_status(code: str, key: str, status: str):
    db, bank = load_bank(code, edit=True)
    question = qs.get_question(db, bank, key)
    if qs.set_status(db, actor=current_user, bank=bank, question=question, status=status, now=clock.now()):
        commit(db)
        flash(_("试题已停用，不再进入新组的试卷") if status == "retired" else _("试题已恢复"), "success")
    return redirect(url_for("banks.question", code=bank.code, key=question.key))
