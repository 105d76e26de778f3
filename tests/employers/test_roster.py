"""Roster pages: posts within the catalogue, one worker from the form, an xlsx import (preview, all or nothing),
and another employer's workers and posts are not found."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from exam_platform.employers import roster
from exam_platform.employers.models import Post, Worker
from tests import factories as f
from tests.employers import factories as ef


def xlsx(rows, header=None) -> bytes:
    return f.xlsx(header or roster.TEMPLATE_HEADER, rows)


def count(db, employer_id: int) -> int:
    return db.scalar(select(func.count(Worker.id)).where(Worker.employer_id == employer_id))


def upload(client, data: bytes):
    return client.post("/employer/workers/upload", data={"file": (io.BytesIO(data), "名册.xlsx")},
                       content_type="multipart/form-data")


def test_a_post_requires_categories_of_the_catalogue_only(client, db):
    org, staff = ef.employer(db)
    db.commit()
    f.login_as(client, staff)
    t12 = f.category(db, "T-1.2")
    response = client.post("/employer/posts", data={"name": "低压电工", "category_ids": [str(t12.id)]})
    assert response.status_code == 302
    post = db.scalar(select(Post).where(Post.employer_id == org.id))
    assert [c.code for c in post.categories] == ["T-1.2"]
    bad = client.post("/employer/posts", data={"name": "焊工", "category_ids": ["999999"]})
    assert bad.status_code == 400 and "请选择目录中的类别" in bad.get_data(as_text=True)
    assert db.scalar(select(func.count(Post.id)).where(Post.employer_id == org.id)) == 1


def test_a_worker_with_a_wrong_check_digit_is_refused_at_the_field(client, db):
    org, staff = ef.employer(db)
    post = ef.post(db, org)
    db.commit()
    f.login_as(client, staff)
    good = f.unique_id_number()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post("/employer/workers", data={"real_name": "王五", "id_type": "resident_id",
                                                      "id_number": wrong, "post_id": str(post.id)})
    assert response.status_code == 400 and "校验位" in response.get_data(as_text=True)
    assert count(db, org.id) == 0
    response = client.post("/employer/workers", data={"real_name": "王五", "id_type": "resident_id",
                                                      "id_number": good, "post_id": str(post.id)})
    assert response.status_code == 302 and count(db, org.id) == 1
    page = client.get("/employer/workers").get_data(as_text=True)
    assert "王五" in page and good not in page and good[1:-1] not in page  # the number only masked


def test_import_with_a_bad_row_imports_nothing_then_the_fixed_file_imports(client, db):
    org, staff = ef.employer(db)
    ef.post(db, org)
    db.commit()
    f.login_as(client, staff)
    good = f.unique_id_number()
    rows = [["王五", "居民身份证", f.unique_id_number(), "低压电工"], ["赵六", "居民身份证", good, "焊工"],
            ["钱七", "居民身份证", good, "低压电工"]]
    preview = upload(client, xlsx(rows))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 400 and "第 3 行" in page and "焊工" in page and "第 4 行" in page
    assert "/employer/workers/confirm" not in page and count(db, org.id) == 0
    rows[1][3], rows[2][2] = "低压电工", f.unique_id_number()
    preview = upload(client, xlsx(rows))
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    assert client.post("/employer/workers/confirm", data={"payload": payload[:-2] + "xx"}).status_code == 302
    assert count(db, org.id) == 0
    done = client.post("/employer/workers/confirm", data={"payload": payload})
    assert done.status_code == 302 and count(db, org.id) == 3
    # the signed list cannot be replayed by another employer
    other_org, other_staff = ef.employer(db)
    db.commit()
    f.login_as(client, other_staff)
    client.post("/employer/workers/confirm", data={"payload": payload})
    assert count(db, other_org.id) == 0


def test_a_wrong_header_or_a_non_xlsx_file_is_refused(client, db):
    _org, staff = ef.employer(db)
    db.commit()
    f.login_as(client, staff)
    assert "表头不符" in upload(client, xlsx([["a", "b", "c", "d"]], header=["x", "y"])).get_data(as_text=True)
    assert upload(client, b"not a spreadsheet").status_code == 400


def test_another_employers_worker_and_post_are_not_found(client, db):
    org_a, _staff_a = ef.employer(db)
    post_a = ef.post(db, org_a)
    worker_a = ef.worker(db, org_a, post_a)
    _org_b, staff_b = ef.employer(db)
    db.commit()
    f.login_as(client, staff_b)
    assert client.get(f"/employer/workers/{worker_a.id}").status_code == 404
    assert client.post(f"/employer/workers/{worker_a.id}/remove").status_code == 404
    assert client.get(f"/employer/posts/{post_a.id}").status_code == 404
    assert client.post(f"/employer/posts/{post_a.id}/delete").status_code == 404
    assert worker_a.real_name not in client.get("/employer/").get_data(as_text=True)
    assert db.get(Worker, worker_a.id) is not None


def test_a_post_with_workers_cannot_be_deleted(client, db):
    org, staff = ef.employer(db)
    post = ef.post(db, org)
    ef.worker(db, org, post)
    db.commit()
    f.login_as(client, staff)
    client.post(f"/employer/posts/{post.id}/delete")
    assert db.get(Post, post.id) is not None
