"""The blueprint editor (组卷规则): list, create, edit (authors) or read (regulator), whether the bank can
satisfy it, and a sample paper drawn with a random seed."""

from __future__ import annotations

import random
import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ... import clock
from ...catalog.service import rule_in_force
from ...db import get_session
from ...errors import DomainError, ValidationError
from ...permissions import Role, can_manage_blueprints, role_required
from ...web import paginate, saved
from .. import paper_rules as bps
from .. import pool
from ..forms import PaperRuleForm
from ..models import Bank
from ..paper import InsufficientPool, shown_letters

bp = Blueprint("blueprints", __name__, url_prefix="/blueprints")

READERS = (Role.REGULATOR, Role.QUESTION_AUTHOR)
SECTION_FIELDS = (("true_false", "tf"), ("single", "single"), ("multiple", "multiple"))


def parse_quotas(text: str) -> dict[str, int]:
    """``知识点: 题数`` per line (either colon) → {topic: count}; a line that does not read raises at the field."""
    quotas: dict[str, int] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = re.fullmatch(r"\s*(.+?)\s*[:：]\s*(\d+)\s*", line)
        if not match or int(match.group(2)) < 1:
            raise ValidationError(_l("第 %(n)s 行应写作“知识点: 题数”，题数为正整数", n=number), field="topic_quotas")
        quotas[match.group(1)] = quotas.get(match.group(1), 0) + int(match.group(2))
    return quotas


def form_values(form: PaperRuleForm) -> bps.PaperRuleValues:
    sections = []
    for qtype, prefix in SECTION_FIELDS:
        count = getattr(form, f"{prefix}_count").data or 0
        if count:
            sections.append({"type": qtype, "count": count, "points": getattr(form, f"{prefix}_points").data or 0})
    shares = {str(n): getattr(form, f"diff_{n}").data for n in range(1, 6)}
    mix = {k: v / 100 for k, v in shares.items() if v} if any(shares.values()) else {}
    return bps.PaperRuleValues(
        name=form.name.data or "", bank_id=form.bank_id.data or 0, purpose=form.purpose.data, sections=sections,
        minutes=form.minutes.data or 0, pass_mark=form.pass_mark.data or 0,
        topic_quotas=parse_quotas(form.topic_quotas.data), difficulty_mix=mix,
        review_policy=form.review_policy.data, partial_credit=bool(form.partial_credit.data),
        active=bool(form.active.data))


def fill_form(form: PaperRuleForm, values: bps.PaperRuleValues) -> None:
    form.name.data, form.bank_id.data, form.purpose.data = values.name, values.bank_id, values.purpose
    for qtype, prefix in SECTION_FIELDS:
        section = next((s for s in values.sections if s["type"] == qtype), None)
        getattr(form, f"{prefix}_count").data = section["count"] if section else 0
        if section:
            getattr(form, f"{prefix}_points").data = section["points"]
    form.topic_quotas.data = "\n".join(f"{t}: {n}" for t, n in values.topic_quotas.items())
    for n in range(1, 6):
        share = values.difficulty_mix.get(str(n))
        getattr(form, f"diff_{n}").data = round(share * 100) if share else None
    form.minutes.data, form.pass_mark.data = values.minutes, values.pass_mark
    form.review_policy.data, form.partial_credit.data = values.review_policy, values.partial_credit
    form.active.data = values.active


def bank_choices(db) -> list[tuple[int, str]]:
    banks = db.scalars(select(Bank).order_by(Bank.category_id, Bank.purpose, Bank.code))
    return [(b.id, f"{b.code} · {b.title}") for b in banks]


def feasibility(db, values: bps.PaperRuleValues) -> dict:
    """Total points, rule problems at fields and whether the bank has enough questions in every stratum."""
    bank, found = bps.check_values(db, values)
    shortages = pool.check_blueprint(db, values) if bank is not None and values.sections and not any(
        f == "sections" for f, _r in found) else []
    return {"total_points": values.total_points, "errors": [{"field": f, "message": str(r)} for f, r in found],
            "shortages": shortages, "ok": not found and not shortages}


def sample_paper(db, values, seed: int) -> dict:
    try:
        items = pool.draw(pool.spec_of(values), pool.pool_index(db, values.bank_id), random.Random(seed))  # noqa: S311
    except InsufficientPool as short:
        return {"seed": seed, "items": [], "problems": short.problems}
    versions = pool.versions_by_id(db, [i.version_id for i in items])
    # pictures are served by the bank that holds the question (a layered blueprint draws from several)
    banks = {b.id: b for b in db.scalars(select(Bank).where(Bank.id.in_({v.bank_id for v in versions.values()})))}
    shown = []
    for item in items:
        version = versions[item.version_id]
        if item.part is not None:  # a case question: shown once, with its parts
            if item.part == 0:
                shown.append({"version": version, "order": [], "points": sum(p["points"] for p in version.parts),
                              "key": _("见各小题"), "bank": banks[version.bank_id]})
            continue
        order = list(item.order) if item.order else list(range(len(version.options)))
        letters = shown_letters(order) if order else {}
        if version.type == "true_false":
            key = _("正确") if version.answer else _("错误")
        else:
            answer = [version.answer] if isinstance(version.answer, str) else version.answer
            key = "".join(s for s, o in letters.items() if o in answer)
        shown.append({"version": version, "order": order, "points": item.points, "key": key,
                      "bank": banks[version.bank_id]})
    return {"seed": seed, "items": shown, "problems": []}


def _editor(form, *, blueprint=None, status: int = 200, preview: bool = False):
    db = get_session()
    report = sample = None
    rules = None
    if form.bank_id.data:
        bank = db.get(Bank, form.bank_id.data)
        if bank is not None:
            rules = rule_in_force(db, bank.category_id, clock.today_local())
    if preview or blueprint is not None:
        try:
            values = form_values(form)
        except ValidationError as err:
            form.topic_quotas.errors = [*form.topic_quotas.errors, str(err.message)]
            values = None
        if values is not None and values.bank_id:
            report = feasibility(db, values)
            if report["ok"]:
                sample = sample_paper(db, values, random.SystemRandom().randrange(10**9)) if preview else None
    return render_template("banks/blueprint_form.html", form=form, blueprint=blueprint, report=report,
                           sample=sample, rules=rules, editable=can_manage_blueprints(current_user)), status


@bp.get("/")
@role_required(*READERS)
def index():
    db = get_session()
    try:
        bank_id = int(request.args.get("bank") or 0) or None
    except ValueError:
        bank_id = None
    page = paginate(db, bps.blueprints(db, bank_id=bank_id), per_page=50)
    return render_template("banks/blueprints.html", page=page, bank=db.get(Bank, bank_id) if bank_id else None)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.QUESTION_AUTHOR)
def new():
    db = get_session()
    form = PaperRuleForm()
    form.bank_id.choices = bank_choices(db)
    if not form.is_submitted():
        form.bank_id.data = int(request.args.get("bank") or 0) or None
        bank = db.get(Bank, form.bank_id.data) if form.bank_id.data else None
        if bank is not None:
            rules = rule_in_force(db, bank.category_id, clock.today_local())
            form.minutes.data, form.pass_mark.data = rules.theory_minutes, rules.pass_mark
            form.purpose.data = "exam" if bank.purpose == "exam" else "mock"
        return _editor(form)
    preview = "preview" in request.form
    if form.validate_on_submit() and not preview:
        created = saved(form, lambda: bps.create_blueprint(db, actor=current_user, values=form_values(form),
                                                           now=clock.now()),
                        _("组卷规则已保存"), show=put_blueprint_errors)
        if created:
            return redirect(url_for("blueprints.detail", blueprint_id=created.value.id))
    return _editor(form, status=400 if form.errors else 200, preview=preview)


@bp.get("/<int:blueprint_id>")
@role_required(*READERS)
def detail(blueprint_id: int):
    db = get_session()
    blueprint = bps.get_blueprint(db, blueprint_id)
    form = PaperRuleForm(formdata=None)
    form.bank_id.choices = bank_choices(db)
    fill_form(form, bps.values_of(blueprint))
    return _editor(form, blueprint=blueprint)


@bp.post("/<int:blueprint_id>")
@role_required(Role.QUESTION_AUTHOR)
def update(blueprint_id: int):
    db = get_session()
    blueprint = bps.get_blueprint(db, blueprint_id)
    form = PaperRuleForm()
    form.bank_id.choices = bank_choices(db)
    preview = "preview" in request.form
    if form.validate_on_submit() and not preview:
        if saved(form, lambda: bps.update_blueprint(db, actor=current_user, blueprint=blueprint,
                                                    values=form_values(form), now=clock.now()),
                 _("组卷规则已保存"), show=put_blueprint_errors):
            return redirect(url_for("blueprints.detail", blueprint_id=blueprint.id))
    return _editor(form, blueprint=blueprint, status=400 if form.errors else 200, preview=preview)


@bp.get("/<int:blueprint_id>/sample")
@role_required(*READERS)
def sample(blueprint_id: int):
    db = get_session()
    blueprint = bps.get_blueprint(db, blueprint_id)
    try:
        seed = int(request.args.get("seed") or 0) or random.SystemRandom().randrange(10**9)
    except ValueError:
        seed = random.SystemRandom().randrange(10**9)
    return render_template("banks/blueprint_sample.html", blueprint=blueprint,
                           sample=sample_paper(db, blueprint, seed))


@bp.get("/<int:blueprint_id>/sample.pdf")
@role_required(*READERS)
def sample_pdf(blueprint_id: int):
    """The sample paper (same seed → same paper) as a PDF with its pictures (banks/paper_pdf.py)."""
    from flask import Response

    from ..paper_pdf import sample_pdf as render_pdf

    db = get_session()
    blueprint = bps.get_blueprint(db, blueprint_id)
    try:
        seed = int(request.args.get("seed") or 0) or random.SystemRandom().randrange(10**9)
    except ValueError:
        seed = random.SystemRandom().randrange(10**9)
    data = render_pdf(db, sample_paper(db, blueprint, seed), title=_("样卷：%(name)s", name=blueprint.name))
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="sample-{blueprint.id}-{seed}.pdf"'})


def put_blueprint_errors(form: PaperRuleForm, err: DomainError) -> None:
    problems = (err.details or {}).get("problems") or [{"field": err.field, "message": str(err.message)}]
    for p in problems:
        field = getattr(form, p["field"], None) if p.get("field") else None
        if field is None:
            flash(p["message"], "error")
        else:
            field.errors = [*list(field.errors or []), p["message"]]
