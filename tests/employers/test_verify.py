"""Batch verification (page and JSON API): number + name must both match; statuses from the registry; numbers
come back masked; the budget is per employer organisation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exam_platform.audit import AuditRecord
from exam_platform.employers import batch
from exam_platform.errors import ValidationError
from exam_platform.permissions import Role
from tests import factories as f
from tests.certificates import factories as cf
from tests.employers import factories as ef


def test_lines_are_number_then_name():
    entries = batch.parse_lines("T1 张三\n\n t2，李四 \nT3\t王五")
    assert [(e.line, e.number, e.name) for e in entries] == [(1, "T1", "张三"), (3, "T2", "李四"), (4, "T3", "王五")]
    with pytest.raises(ValidationError) as bad:
        batch.parse_lines("T1 张三\nT2")
    assert "第 2 行" in str(bad.value.message)
    with pytest.raises(ValidationError):
        batch.parse_lines("\n".join(f"T{i} 张三" for i in range(batch.MAX_LINES + 1)))


def certificates(db):
    good = cf.issued_certificate(db, holder=cf.candidate(db, name="李安全"), category_code="T-1.2")
    bad = cf.issued_certificate(db, holder=cf.candidate(db, name="赵违章"), category_code="T-1.2")
    bad.status = "revoked"
    db.flush()
    return good, bad


def test_the_api_answers_each_line_with_masked_numbers(client, db, clock):
    good, bad = certificates(db)
    _org, staff = ef.employer(db)
    db.commit()
    f.login_as(client, staff)
    body = {"entries": [{"number": good.number, "name": "李安全"}, {"number": bad.number, "name": "赵违章"},
                        {"number": good.number, "name": "冒名者"}]}
    response = client.post("/api/v1/employer/verify", json=body)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["found"] for r in results] == [True, True, False]
    assert results[0]["certificates"][0]["status"] == "valid" and results[0]["certificates"][0]["valid"]
    assert results[1]["certificates"][0]["status"] == "revoked" and results[1]["certificates"][0]["next_step"]
    assert results[2]["certificates"] == []
    assert good.number not in response.get_data(as_text=True)
    logged = db.scalar(select(AuditRecord).where(AuditRecord.action == "employers.batch_verify"))
    assert logged is not None and logged.actor_id == staff.id and good.number not in str(logged.__dict__)
    assert client.post("/api/v1/employer/verify", json={"entries": "x"}).status_code == 400


def test_the_page_lists_each_status(client, db, clock):
    good, bad = certificates(db)
    _org, staff = ef.employer(db)
    db.commit()
    f.login_as(client, staff)
    page = client.post("/employer/verify", data={"entries": f"{good.number} 李安全\n{bad.number} 赵违章\nT0 某人"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-status="valid"' in text and 'data-status="revoked"' in text and 'data-status="not_found"' in text
    assert good.number not in text
    assert client.post("/employer/verify", data={"entries": "只有一段"}).status_code == 400


def test_the_budget_is_per_organisation(app, client, db, rate_limits):
    org, staff = ef.employer(db)
    colleague = f.user(db, Role.EMPLOYER, org)
    _other_org, outsider = ef.employer(db)
    db.commit()
    app.config["RATELIMIT_EMPLOYER_VERIFY"] = "2 per hour"
    try:
        body = {"entries": [{"number": "T1", "name": "张三"}]}
        f.login_as(client, staff)
        assert client.post("/api/v1/employer/verify", json=body).status_code == 200
        assert client.post("/employer/verify", data={"entries": "T1 张三"}).status_code == 200  # page shares it
        f.login_as(client, colleague)  # another account of the same employer: same budget
        assert client.post("/api/v1/employer/verify", json=body).status_code == 429
        f.login_as(client, outsider)
        assert client.post("/api/v1/employer/verify", json=body).status_code == 200
    finally:
        app.config["RATELIMIT_EMPLOYER_VERIFY"] = "30 per hour"
