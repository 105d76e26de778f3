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


# ---- the SQLite write intent of a request, declared per endpoint -------------------------------------------------

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes(view: Callable) -> Callable:
    """Endpoint marker (put it right under the route): this endpoint writes whatever its method — a GET that
    records something on the way (an overdue attempt finalised, a lapsed certificate made 失效). On SQLite its
    transaction takes the write lock when it begins, so a read-then-write never fails half-way. POST, PUT, PATCH
    and DELETE endpoints write without saying so."""
    view.writes = True  # type: ignore[attr-defined]
    return view


def writes_apart(view: Callable) -> Callable:
    """Endpoint marker: the request's own transaction only reads, whatever its method; what the endpoint writes,
    a service writes in a short transaction of its own (``db.durable_write`` / ``db.relaxed_durability``) —
    the public certificate verification and its log row."""
    view.writes = False  # type: ignore[attr-defined]
    return view


def authorised_by_header(header: str) -> Callable[[Callable], Callable]:
    """Endpoint marker: a request that carries ``header`` is authorised by it, not by the login session (the exam
    capability, exams/views/api.py): the app's hooks do not load the session user for it (``header_authorised``)."""

    def mark(view: Callable) -> Callable:
        view.authorising_header = header  # type: ignore[attr-defined]
        return view

    return mark


def header_authorised() -> bool:
    """Whether this request is authorised by a header its endpoint declares (``authorised_by_header``): hooks that
    check the session user (an initial password to change, an exam-room sign-in) leave it to the endpoint."""
    from flask import current_app

    header = getattr(current_app.view_functions.get(request.endpoint or ""), "authorising_header", None)
    return header is not None and header in request.headers


def declared_writes(view: Callable | None, method: str) -> bool:
    """Whether a request to ``view`` begins its transaction as a writer: as the endpoint declares (``writes``,
    ``writes_apart``), otherwise by its method. Read once per request, before the first statement."""
    declared = getattr(view, "writes", None)
    return method not in READ_METHODS if declared is None else declared


def form_error(form: FlaskForm, err: DomainError) -> None:
    """Show a service's error at its field (or above the form when it names none)."""
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = [*list(field.errors or []), str(err.message)]
    else:
        flash(str(err.message), "error")


def commit(session: Session) -> None:
    """The one commit of a request (for a view that writes without a service call that can refuse)."""
    session.commit()


def discard(session: Session) -> None:
    """End the request's transaction keeping nothing: a preview (dry run) that wrote on the way."""
    session.rollback()


def on_page(form: FlaskForm | None, err: DomainError) -> None:
    """``saved(…, show=on_page)``: the view puts the error on the page it renders itself (``Saved.error``)."""


class Saved:
    """What ``saved`` answers: true when the call succeeded and was committed; ``value`` is what it returned,
    ``error`` the ``DomainError`` it raised."""

    __slots__ = ("error", "ok", "value")

    def __init__(self, ok: bool, value: Any = None, error: DomainError | None = None) -> None:
        self.ok, self.value, self.error = ok, value, error

    def __bool__(self) -> bool:
        return self.ok


def saved(form: FlaskForm | None, call: Callable[[], Any], done: str | None = None, *,
          show: Callable[[FlaskForm, DomainError], None] | None = None) -> Saved:
    """Run one service call as a request's action: commit when it succeeds (then flash ``done``, if given);
    when it raises a ``DomainError``, roll back and show the error at its form field (or as a message), or as
    ``show(form, err)`` says (a form that spreads an error over several fields).

    The answer is true on success, and carries the call's result as ``.value``::

        if saved(form, lambda: service.rename(db, ...), _("已保存")):
            return redirect(...)
    """
    db = get_session()
    try:
        value = call()
    except DomainError as err:
        db.rollback()
        if show is not None:
            show(form, err)
        elif form is not None:
            form_error(form, err)
        else:
            flash(str(err.message), "error")
        return Saved(False, error=err)
    commit(db)
    if done is not None:
        flash(done, "success")
    return Saved(True, value)
