"""Posts (岗位) and the roster (名册) of an employer: add, change, remove — one by one or from an xlsx sheet
(preview, then all or nothing). Services never commit; every lookup is scoped to the employer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..accounts import idnumber
from ..catalog.models import Category
from ..errors import Conflict, NotFound, ValidationError
from ..spreadsheets import CheckedRow, SpreadsheetProblem, read_table, write_xlsx
from .models import Post, Worker

TEMPLATE_HEADER = ["姓名", "证件类型", "证件号码", "岗位"]
_ID_TYPES_BY_LABEL = {label: kind.value for kind, label in idnumber.ID_TYPE_LABELS.items()}


# ---- posts ---------------------------------------------------------------------------------------------

def posts_of(session: Session, employer_id: int) -> list[Post]:
    return list(session.scalars(select(Post).where(Post.employer_id == employer_id).order_by(Post.name)))


def get_post(session: Session, employer_id: int, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None or post.employer_id != employer_id:
        raise NotFound()
    return post


def category_choices(session: Session) -> list[Category]:
    """The catalogue's categories a post may require."""
    return list(session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.position)))


def _categories(session: Session, category_ids: list[int]) -> list[Category]:
    wanted = set(category_ids or [])
    found = [c for c in category_choices(session) if c.id in wanted]
    if len(found) != len(wanted):
        raise ValidationError(_l("请选择目录中的类别"), field="category_ids", code="bad_category")
    return found


def save_post(session: Session, *, actor: Any, employer_id: int, name: str, category_ids: list[int],
              now: datetime, post: Post | None = None) -> Post:
    """Create a post, or change one's name and required categories (an empty list: no certificate needed)."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ValidationError(_l("岗位名称为空或过长"), field="name", code="bad_name")
    clash = session.scalar(select(Post.id).where(Post.employer_id == employer_id, Post.name == name))
    if clash is not None and (post is None or clash != post.id):
        raise ValidationError(_l("已有同名岗位"), field="name", code="duplicate")
    categories = _categories(session, category_ids)
    before = None
    if post is None:
        post = Post(employer_id=employer_id, name=name, created_at=now)
        session.add(post)
    else:
        before = {"name": post.name, "categories": [c.code for c in post.categories]}
    post.name, post.categories = name, categories
    session.flush()
    audit.record(session, actor=actor, action="employers.post.save", target=post, before=before,
                 after={"name": name, "categories": [c.code for c in categories]}, at=now)
    return post


def delete_post(session: Session, *, actor: Any, post: Post, now: datetime) -> None:
    if session.scalar(select(func.count()).select_from(Worker).where(Worker.post_id == post.id)):
        raise Conflict(_l("该岗位还有人员，不能删除"), code="post_in_use")
    audit.record(session, actor=actor, action="employers.post.delete", target=post,
                 before={"name": post.name}, at=now)
    session.delete(post)
    session.flush()


# ---- workers -------------------------------------------------------------------------------------------

def get_worker(session: Session, worker_id: int) -> Worker:
    worker = session.get(Worker, worker_id)
    if worker is None:
        raise NotFound()
    return worker


def workers_of(session: Session, employer_id: int) -> list[Worker]:
    return list(session.scalars(select(Worker).where(Worker.employer_id == employer_id)
                                .order_by(Worker.post_id, Worker.real_name, Worker.id)))


def has_roster(session: Session, employer_id: int) -> bool:
    return session.scalar(select(Worker.id).where(Worker.employer_id == employer_id).limit(1)) is not None


@dataclass
class WorkerRow(CheckedRow):
    """One person for the roster, as typed or read from a sheet row, with what is wrong with it."""

    line: int
    real_name: str
    id_type: str
    id_number: str
    post_name: str
    post: Post | None = None
    existing: Worker | None = None

    @property
    def masked_id(self) -> str:
        return idnumber.mask_number(self.id_number)


def check_row(session: Session, row: WorkerRow, *, employer_id: int, today: date) -> WorkerRow:
    name = row.real_name.strip()
    if not name or len(name) > 64 or any(not ch.isprintable() for ch in name):
        row.problem("real_name", _l("姓名为空或无效"))
    row.post = session.scalar(select(Post).where(Post.employer_id == employer_id, Post.name == row.post_name.strip()))
    if row.post is None:
        row.problem("post_id", _l("岗位“%(p)s”不存在，请先在岗位设置中添加", p=row.post_name))
    try:
        row.id_number = idnumber.validate(row.id_type, row.id_number, today=today)
    except ValueError as exc:  # an unknown document type, or InvalidIdNumber with its message
        row.problem("id_number" if isinstance(exc, idnumber.InvalidIdNumber) else "id_type",
                    exc if isinstance(exc, idnumber.InvalidIdNumber) else _l("证件类型无效"))
        return row
    row.existing = session.scalar(select(Worker).where(Worker.employer_id == employer_id,
                                                       Worker.id_type == row.id_type,
                                                       Worker.id_number == row.id_number))
    if row.existing is not None and row.existing.real_name != name:
        row.problem("real_name", _l("姓名与名册中该证件号码的姓名不一致"))
    return row


def _save_checked(session: Session, row: WorkerRow, *, employer_id: int, now: datetime) -> Worker:
    worker = row.existing
    if worker is None:
        worker = Worker(employer_id=employer_id, real_name=row.real_name.strip(), id_type=row.id_type,
                        id_number=row.id_number, post=row.post, created_at=now, updated_at=now)
        session.add(worker)
    else:
        worker.post, worker.updated_at = row.post, now
    return worker


def add_worker(session: Session, *, actor: Any, employer_id: int, real_name: str, id_type: str, id_number: str,
               post_id: int, now: datetime) -> Worker:
    """Add one person to the roster (or move someone already on it to another post)."""
    post = get_post(session, employer_id, post_id)
    row = check_row(session, WorkerRow(0, real_name, id_type, id_number, post.name), employer_id=employer_id,
                    today=now.date())
    if not row.ok:
        raise ValidationError(row.problems[0], field=row.fields[0], code="bad_worker")
    worker = _save_checked(session, row, employer_id=employer_id, now=now)
    session.flush()
    audit.record(session, actor=actor, action="employers.worker.save", target=worker,
                 after={"name": worker.real_name, "id": row.masked_id, "post": post.name}, at=now)
    return worker


def remove_worker(session: Session, *, actor: Any, worker: Worker, now: datetime) -> None:
    """离岗: the person leaves the roster."""
    audit.record(session, actor=actor, action="employers.worker.remove", target=worker,
                 before={"name": worker.real_name, "id": idnumber.mask_number(worker.id_number),
                         "post": worker.post.name}, at=now)
    session.delete(worker)
    session.flush()


# ---- bulk ----------------------------------------------------------------------------------------------

def template_xlsx() -> bytes:
    """The roster template: header and one example row (the ID column stored as text keeps every digit)."""
    return write_xlsx([("人员名册", TEMPLATE_HEADER, [["张三", "居民身份证", "11010119900307663X", "低压电工"]])])


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


def parse_upload(data: bytes) -> list[WorkerRow]:
    """Rows of an uploaded roster (``SpreadsheetProblem`` when the file itself is unacceptable)."""
    header, rows = read_table(data)
    if [_text(c) for c in header][:len(TEMPLATE_HEADER)] != TEMPLATE_HEADER:
        raise SpreadsheetProblem("表头不符，请使用名册模板：" + "、".join(TEMPLATE_HEADER))
    people = []
    for line, cells in rows:
        name, kind_label, number, post = (_text(c) for c in [*cells, "", "", "", ""][:4])
        kind = _ID_TYPES_BY_LABEL.get(kind_label, kind_label) if kind_label else idnumber.IdType.RESIDENT.value
        people.append(WorkerRow(line, name, kind, number, post))
    if not people:
        raise SpreadsheetProblem("表格中没有人员数据")
    return people


@dataclass
class Preview:
    rows: list[WorkerRow]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def bad_rows(self) -> list[WorkerRow]:
        return [r for r in self.rows if not r.ok]


def preview(session: Session, *, employer_id: int, rows: list[WorkerRow], today: date) -> Preview:
    """Every row's problems: invalid ID, unknown post, name differing from the roster, duplicate in the file."""
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        check_row(session, row, employer_id=employer_id, today=today)
        key = (row.id_type, row.id_number)
        if "id_number" in row.fields or "id_type" in row.fields:
            continue
        if key in seen:
            row.problem("id_number", _l("与第 %(n)s 行的证件号码重复", n=seen[key]))
        seen.setdefault(key, row.line)
    return Preview(rows)


def import_rows(session: Session, *, actor: Any, employer_id: int, rows: list[WorkerRow],
                now: datetime) -> list[Worker]:
    """Save every row or none: any problem refuses the whole list."""
    checked = preview(session, employer_id=employer_id, rows=rows, today=now.date())
    if not checked.ok:
        bad = checked.bad_rows[0]
        raise ValidationError(_l("名册有问题，未导入任何人员：%(p)s", p=f"{bad.line}: {bad.problems[0]}"),
                              code="bulk_invalid")
    done = [_save_checked(session, row, employer_id=employer_id, now=now) for row in rows]
    session.flush()
    audit.record(session, actor=actor, action="employers.roster.import", target_type="Organization",
                 target_id=employer_id, after={"rows": len(rows),
                                               "updated": sum(1 for r in rows if r.existing is not None)}, at=now)
    return done


def rows_to_payload(rows: list[WorkerRow]) -> list[list[str]]:
    return [[str(r.line), r.real_name, r.id_type, r.id_number, r.post_name] for r in rows]


def rows_from_payload(payload: list[list[str]]) -> list[WorkerRow]:
    try:
        return [WorkerRow(int(line), name, kind, number, post) for line, name, kind, number, post in payload]
    except (TypeError, ValueError):
        raise ValidationError(_l("导入数据无效，请重新上传"), code="bad_payload") from None
