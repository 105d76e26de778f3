"""Injection: what one user types and another user sees comes back escaped.

- script/HTML payloads in question stems, people's names, class titles and incident notes are rendered as text
  on the pages where someone else reads them (and the exam client never uses innerHTML);
- spreadsheet exports (xlsx and CSV) never carry a live formula: text starting with = + - @ is escaped.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select, update

from exam_platform.accounts.models import Organization, User
from exam_platform.banks.models import QuestionVersion
from exam_platform.exams import proctoring
from exam_platform.paths import ROOT
from exam_platform.training.models import Enrollment, TrainingClass
from tests import factories as f
from tests.exams import factories as xf
from tests.security.test_walk import routes

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;"


def by_username(db, name: str) -> User:
    return db.scalar(select(User).where(User.username == name))


def assert_escaped(body: str, where: str) -> None:
    assert "<script>alert(" not in body and "<img src=x" not in body, f"raw payload in {where}"
    assert ESCAPED in body, f"payload not shown (escaped) in {where}"


def test_question_stems_names_class_titles_and_incident_notes_are_escaped(app, client, db, world_a, clock):
    w = xf.world(db, category_code="PRINCIPAL-HAZCHEM")
    db.execute(update(QuestionVersion).where(QuestionVersion.bank_id == w.bank.id).values(stem=PAYLOAD))
    candidate = xf.trained_candidate(db, w, real_name="张" + PAYLOAD[:40])
    reg = xf.registered(db, w, candidate)
    attempt = xf.started(db, w, reg)
    proctoring.incident(db, actor=w.proctor, sitting=w.sitting, reason="考生携带 " + PAYLOAD,
                        now=w.sitting.starts_at + timedelta(minutes=5))
    cls = db.get(TrainingClass, world_a.ids["class_id"])
    cls.title = "安全培训 " + PAYLOAD
    regulator = f.user(db, "regulator")
    author = f.user(db, "question_author")
    db.commit()
    clock.set(attempt.started_at + timedelta(minutes=2))
    # the author's and the regulator's views of the stem
    key = db.scalar(select(QuestionVersion).where(QuestionVersion.bank_id == w.bank.id).limit(1)).question.key
    f.login_as(client, author)
    assert_escaped(client.get(f"/banks/{w.bank.code}/questions/{key}").get_data(as_text=True), "question page")
    assert_escaped(client.get(f"/banks/{w.bank.code}/questions/{key}/preview").get_data(as_text=True),
                   "candidate preview")
    # the candidate's exam page: stems come as JSON data and are put into the page as text only
    f.login_as(client, candidate)
    client.set_cookie("exam_device", "device-token-of-the-exam-room-pc-0001")
    paper = client.get(f"/api/v1/attempts/{attempt.id}/paper")
    assert paper.is_json and paper.get_json()["questions"][0]["stem"] == PAYLOAD
    take = client.get(f"/exams/take/{reg.id}").get_data(as_text=True)
    assert "<script>alert(" not in take
    for js in Path(ROOT / "exam_platform" / "static" / "js").glob("*.js"):
        source = js.read_text()
        assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", source), js.name
    # names and incident notes as the centre staff and the regulator see them
    f.login_as(client, w.staff)
    assert_escaped(client.get(f"/exams/sittings/{w.sitting.id}/record").get_data(as_text=True), "room record")
    assert_escaped(client.get(f"/exams/sittings/{w.sitting.id}").get_data(as_text=True), "sitting page (names)")
    f.login_as(client, regulator)
    assert_escaped(client.get(f"/admin/users/{candidate.id}").get_data(as_text=True), "user page")
    # the class title as the trainee (and the regulator) sees it
    f.login_as(client, regulator)
    assert_escaped(client.get(f"/training/classes/{cls.id}").get_data(as_text=True), "class page")
    trainee = db.get(User, db.get(Enrollment, world_a.ids["enrollment_id"]).trainee_id)
    f.login_as(client, trainee)
    assert_escaped(client.get("/training/my").get_data(as_text=True), "trainee's classes")


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+SUM(1,2)", "@cmd", "-2+3"]


def test_exports_never_carry_a_live_formula(app, client, db, world_a):
    """Every export route, as the demo user of each role, after names, organisations, class titles and stems were
    set to formula text: no cell is a formula and no text cell starts with the raw formula."""
    for i, user in enumerate(db.scalars(select(User))):
        user.real_name = FORMULAS[i % 4] + f" {i}"
    for i, org in enumerate(db.scalars(select(Organization))):
        org.name = FORMULAS[i % 4] + f" org {i}"
    db.execute(update(TrainingClass).values(title=FORMULAS[0]))
    db.execute(update(QuestionVersion).values(stem=FORMULAS[1]))
    db.commit()
    users = {name: by_username(db, name) for name in ("admin", "author", "centre", "trainer", "trainee")}
    exports = [(rule, path) for rule, path in routes(app, world_a, "GET")
               if re.search(r"(export|\.xlsx|roster|hours)", rule.rule) and "template" not in rule.rule]
    assert len(exports) >= 8, exports
    checked, live = 0, []
    for rule, path in exports:
        for user in users.values():
            f.login_as(client, user)
            for suffix in ("", "?format=csv"):
                response = client.get(path + suffix)
                if response.status_code != 200:
                    continue
                checked += 1
                for value in cells(response):
                    if isinstance(value, str) and value.startswith(("=", "+", "@", "-2+3")):
                        live.append(f"{path}{suffix} as {user.username}: {value[:40]!r}")
    assert checked >= 8
    assert not live, "\n".join(live[:20])


def cells(response):
    data = response.get_data()
    if data[:2] == b"PK":
        book = load_workbook(io.BytesIO(data))
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    yield "=" + str(cell.value) if cell.data_type == "f" else cell.value
    elif response.mimetype in ("text/csv", "text/plain"):
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
            yield from row
