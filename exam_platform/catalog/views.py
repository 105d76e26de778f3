"""Regulator pages: the category catalogue and its rule sets."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..db import get_session
from ..errors import DomainError
from ..permissions import Role, role_required
from . import service

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
    try:
        summary = service.load_catalog(db, actor=current_user, now=clock.now())
    except DomainError as err:
        db.rollback()
        flash(str(err.message), "error")
    else:
        db.commit()
        flash(_("目录已重新加载：新增类别 %(a)s，更新类别 %(u)s，新增规则集 %(r)s，更新规则集 %(ru)s",
                a=summary.categories_added, u=summary.categories_updated, r=summary.rule_sets_added,
                ru=summary.rule_sets_updated), "success")
    return redirect(url_for("catalog.index"))
