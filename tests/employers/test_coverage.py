"""持证率 and the gap list, computed from the certificate registry; the export; the regulator's figures."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from exam_platform.employers import coverage
from exam_platform.employers.standing import Standing
from exam_platform.reports import targets
from tests import factories as f
from tests.certificates import factories as cf
from tests.conftest import FIXED_NOW
from tests.employers import factories as ef

TODAY = FIXED_NOW.date()


def staffed(db):
    """An employer whose 低压电工 post has six workers: valid, due, suspended, revoked, expired and none."""
    org, staff = ef.employer(db)
    post = ef.post(db, org)
    people = {}
    for kind in ("valid", "due", "suspended", "revoked", "expired", "missing"):
        holder = cf.candidate(db, name=f"工人{kind}")
        if kind != "missing":
            cert = cf.issued_certificate(db, holder=holder, category_code="T-1.2")
            if kind == "due":
                cert.next_review_due = TODAY + timedelta(days=30)
            elif kind != "valid":
                cert.status = kind
        people[kind] = ef.worker(db, org, post, name=holder.real_name, id_number=holder.id_number)
    db.flush()
    return org, staff, post, people


def test_rate_and_gaps_come_from_the_registry(db):
    org, _staff, _post, people = staffed(db)
    found = coverage.employer_coverage(db, org.id, today=TODAY)
    assert (found.total, found.held, found.rate) == (6, 2, 33.3)
    standing = {s.worker.id: s.result.standing for s in found.slots}
    assert {k: standing[w.id].value for k, w in people.items()} == {k: k for k in people}
    assert found.gaps[0].result.standing is Standing.MISSING  # worst first
    assert {s.worker.id for s in found.gaps} == {w.id for k, w in people.items() if k != "valid"}
    line = found.lines[0]
    assert (line.total, line.held, line.counts[Standing.DUE]) == (6, 2, 1)


def test_a_certificate_of_another_person_or_category_does_not_count(db):
    org, _staff = ef.employer(db)
    post = ef.post(db, org)
    holder = cf.candidate(db)
    cf.issued_certificate(db, holder=holder, category_code="T-1.1")  # not the post's category
    ef.worker(db, org, post, name=holder.real_name, id_number=holder.id_number)
    stranger = cf.candidate(db)
    cf.issued_certificate(db, holder=stranger, category_code="T-1.2")
    ef.worker(db, org, post, name="另一人")  # a different ID number
    found = coverage.employer_coverage(db, org.id, today=TODAY)
    assert (found.total, found.held) == (2, 0)


def test_the_page_and_the_exports_show_the_gaps_masked_and_escaped(client, db, clock):
    org, staff, post, people = staffed(db)
    evil = ef.worker(db, org, post, name="=HYPERLINK(1)")
    db.commit()
    f.login_as(client, staff)
    page = client.get("/employer/").get_data(as_text=True)
    assert "28.6 %" in page and "无证上岗" in page and "暂扣" in page
    for w in people.values():
        assert w.id_number not in page
    body = client.get("/employer/gaps/export?format=csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert any(r[0] == "'=HYPERLINK(1)" for r in rows)
    assert not any(w.id_number in body for w in [*people.values(), evil])
    assert len(rows) == 1 + 6  # header, five gaps of staffed() and the new worker without a certificate
    book = load_workbook(io.BytesIO(client.get("/employer/gaps/export").data))
    assert book.worksheets[0].max_row == 7


def test_regulator_figures_use_the_roster_where_there_is_one(db):
    org, _staff, _post, _people = staffed(db)
    regulator = cf.regulator(db)
    t12 = f.category(db, "T-1.2")
    targets.set_workforce(db, actor=regulator, now=FIXED_NOW, employer_id=org.id, category_id=t12.id, workers=100,
                          declared_on=TODAY)
    declared_only = f.org(db, "employer")
    targets.set_workforce(db, actor=regulator, now=FIXED_NOW, employer_id=declared_only.id, category_id=t12.id,
                          workers=10, declared_on=TODAY)
    rows = {r["employer_id"]: r for r in targets.holding_rates(db, today=TODAY)}
    assert (rows[org.id]["workers"], rows[org.id]["holders"], rows[org.id]["source"]) == (6, 2, "roster")
    assert (rows[declared_only.id]["workers"], rows[declared_only.id]["source"]) == (10, "declaration")
