"""Employers test data: an employer with its staff account, posts and workers (plain functions, flushed)."""

from __future__ import annotations

from exam_platform.employers import roster
from exam_platform.employers.models import Post, Worker
from exam_platform.permissions import Role
from tests import factories as f
from tests.conftest import FIXED_NOW


def employer(session, name: str | None = None):
    """An employer organisation and one staff account of it."""
    org = f.org(session, "employer", name=name)
    staff = f.user(session, Role.EMPLOYER, org, real_name="吴安全")
    return org, staff


def post(session, org, name: str = "低压电工", codes: tuple[str, ...] = ("T-1.2",)) -> Post:
    ids = [f.category(session, c).id for c in codes]
    return roster.save_post(session, actor=None, employer_id=org.id, name=name, category_ids=ids, now=FIXED_NOW)


def worker(session, org, post_: Post, *, name: str = "张小明", id_number: str | None = None,
           id_type: str = "resident_id") -> Worker:
    return roster.add_worker(session, actor=None, employer_id=org.id, real_name=name, id_type=id_type,
                             id_number=id_number or f.unique_id_number(), post_id=post_.id, now=FIXED_NOW)
