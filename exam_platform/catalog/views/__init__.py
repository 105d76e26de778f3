"""Regulator pages: the category catalogue and its rule sets."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...db import get_session
from ...errors import DomainError, NotFound
from ...permissions import Role, role_required
from ...web import commit, discard, saved
from .. import export, forms, impact, publishing, rulesheet, service, versions

bp = Blueprint("catalog", __name__, url_prefix="/catalog")


@bp.get("/")
@role_required(Role.REGULATOR, Role.QUESTION_AUTHOR)
def index():
    db = get_session()
    cats = service.categories(db)
    today = clock.today_local()
    in_force = {c.id: service.rule_in_force(db, c.id, today) for c in cats}
    return render_template("catalog/index.html", categories=cats, groups=service.GROUPS, in_force=in_force,
                           today=today)


@bp.get("/<code>")
@role_required(Role.REGULATOR, Role.QUESTION_AUTHOR)
def category(code: str):
    db = get_session()
    cat = service.get_category(db, code)
    return render_template("catalog/category.html", category=cat, groups=service.GROUPS,
                           in_force=service.rule_in_force(db, cat.id, clock.today_local()))


@bp.post("/reload")
@role_required(Role.REGULATOR)
def reload():
    db = get_session()
    loaded = saved(None, lambda: service.load_catalog(db, actor=current_user, now=clock.now()))
    if loaded:
        summary = loaded.value
        flash(_("目录已重新加载：新增类别 %(a)s，更新类别 %(u)s，新增规则集 %(r)s，更新规则集 %(ru)s",
                a=summary.categories_added, u=summary.categories_updated, r=summary.rule_sets_added,
                ru=summary.rule_sets_updated), "success")
    return redirect(url_for("catalog.index"))


# ---- rule-set versions per category group, and publishing a new one ------------------------------------------

@bp.get("/rules/<group>")
@role_required(Role.REGULATOR, Role.QUESTION_AUTHOR)
def rule_versions(group: str):
    if group not in service.GROUPS:
        raise NotFound()
    db = get_session()
    today = clock.today_local()
    versions = rulesheet.versions(db, group)
    form = forms.PublishForm.for_version(_in_force(versions, today))
    return render_template("catalog/rules.html", group=group, groups=service.GROUPS, versions=versions,
                           fields=rulesheet.FIELDS, today=today, form=form, impact=None,
                           next_action_words=rulesheet.NEXT_ACTION_WORDS, catalogue=_catalogue(db, group))


@bp.post("/rules/<group>")
@role_required(Role.REGULATOR)
def publish(group: str):
    if group not in service.GROUPS:
        raise NotFound()
    db = get_session()
    today = clock.today_local()
    form = forms.PublishForm()
    found = None
    if form.validate():
        proposal = form.proposal(group)
        try:
            publishing.prepare(db, proposal, today=today)
            if form.publish.data:
                counts = publishing.publish(db, proposal, actor=current_user, now=clock.now())
                moved = impact.follow_up(db, actor=current_user, now=clock.now())
                commit(db)
                flash(_("规则已发布：新增版本 %(a)s 个，更正版本 %(c)s 个；%(n)s 张证书的下一步已按新规则重新确定",
                        a=counts["added"], c=counts["corrected"], n=moved), "success")
                return redirect(url_for("catalog.rule_versions", group=group))
            found = impact.preview(db, proposal, today=today)
        except DomainError as err:
            form_field = getattr(form, err.field or "", None)
            if form_field is not None:
                form_field.errors = [*form_field.errors, str(err.message)]
            else:
                form.form_errors.append(str(err.message))
    discard(db)  # a preview keeps nothing
    return render_template("catalog/rules.html", group=group, groups=service.GROUPS,
                           versions=rulesheet.versions(db, group), fields=rulesheet.FIELDS, today=today, form=form,
                           impact=found, next_action_words=rulesheet.NEXT_ACTION_WORDS,
                           catalogue=_catalogue(db, group)), 200 if found else 400


@bp.get("/rules/<group>/export")
@role_required(Role.REGULATOR, Role.QUESTION_AUTHOR)
def export_rules(group: str):
    """The group's rule-set versions as catalog.yaml profiles (to write a browser-published version back)."""
    if group not in service.GROUPS:
        raise NotFound()
    text = export.rules_yaml(get_session(), group)
    return Response(text, mimetype="text/yaml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="rules-{group}.yaml"'})


def _catalogue(db, group: str) -> list:
    return versions.overview(db) if group == "special" else []


def _in_force(versions, today):
    current = [v for v in versions if v.effective_from <= today]
    return (current or versions)[-1].rule if versions else None
