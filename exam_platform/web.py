"""Small helpers that views of every area share: paging, putting service errors on forms, committing."""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, request
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter, Map

from .db import get_session
from .errors import DomainError

# The largest id: id columns are INTEGER (PostgreSQL: 32-bit, "integer out of range" above this; SQLite's driver
# raises OverflowError above 2**63 - 1). A larger id names nothing.
MAX_ID = 2**31 - 1


class DatabaseIntConverter(IntegerConverter):
    """``<int:…>`` for ids: values above ``MAX_ID`` match no route (404) instead of reaching the database driver."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        bound = MAX_ID if max is None else builtins.min(max, MAX_ID)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bound, signed=signed)


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(session: Session, stmt, *, per_page: int = 25, scalars: bool = True) -> Page:
    """One page of ``stmt`` (page number from ``?page=``) with the total count."""
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    query = stmt.limit(per_page).offset((page - 1) * per_page)
    items = list(session.scalars(query)) if scalars else list(session.execute(query))
    return Page(items=items, page=page, per_page=per_page, total=total)


def form_error(form: FlaskForm, err: DomainError) -> None:
    """Show a service's error at its field (or above the form when it names none)."""
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = [*list(field.errors or []), str(err.message)]
    else:
        flash(str(err.message), "error")


def commit(session: Session) -> None:
    """The one commit of a request."""
    session.commit()


def saved(form: FlaskForm | None, call: Callable[[], Any]) -> bool:
    """Run one service call as a request's action: commit when it succeeds; when it raises a ``DomainError``, roll
    back and show the error at its form field (or as a message). The views that still write this out by hand are
    issue #18's to move here."""
    db = get_session()
    try:
        call()
    except DomainError as err:
        db.rollback()
        if form is not None:
            form_error(form, err)
        else:
            flash(str(err.message), "error")
        return False
    commit(db)
    return True

