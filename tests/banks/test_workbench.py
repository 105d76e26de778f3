"""The author workbench over HTTP: who sees which bank, search and paging, editing with versions and diff,
candidate preview, retire/restore, bulk actions — bad input answered at the field with nothing written."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from exam_platform.banks import pool, registry
from exam_platform.banks.generate import generated_bank
from exam_platform.banks.models import Question, QuestionVersion
from tests import factories as f
from tests.banks import factories as bf
from tests.conftest import FIXED_NOW


@pytest.fixture()
def people(db):
    institution = f.org(db, "training_institution")
    other_institution = f.org(db, "training_institution")
    people = {
        "author": f.user(db, "question_author"),
        "regulator": f.user(db, "regulator"),
        "trainer": f.user(db, "institution_staff", institution),
        "other_trainer": f.user(db, "institution_staff", other_institution),
        "centre": f.user(db, "centre_staff"),
    }
    people["exam_bank"] = bf.bank(db, code="EX-bank")
    people["own_practice"] = bf.bank(db, bf.small_questions(prefix="P"), code="OWN-practice", purpose="practice",
                                     owner=institution)
    people["shipped_practice"] = bf.bank(db, bf.small_questions(prefix="S"), code="SHIP-practice",
                                         purpose="practice")
    db.commit()
    return people


def test_institution_staff_never_see_an_exam_bank(client, people):
    f.login_as(client, people["trainer"])
    listing = client.get("/banks/").get_data(as_text=True)
    assert "OWN-practice" in listing and "EX-bank" not in listing and "SHIP-practice" not in listing
    for path in ("/banks/EX-bank/", "/banks/EX-bank/questions/Q-T001", "/banks/EX-bank/questions/Q-T001/preview",
                 "/banks/EX-bank/export.yaml", "/banks/EX-bank/export.xlsx", "/banks/EX-bank/questions/Q-T001/diff",
                 "/banks/EX-bank/upload"):
        assert client.get(path).status_code == 404, path
    assert client.post("/banks/EX-bank/questions/Q-T001/retire").status_code == 404
    search = client.get("/banks/questions?q=题").get_data(as_text=True)
    assert "Q-T001" not in search and "P-T001" in search
    assert client.get("/banks/OWN-practice/").status_code == 200


def test_another_institutions_practice_bank_is_not_found(client, people):
    f.login_as(client, people["other_trainer"])
    assert client.get("/banks/OWN-practice/").status_code == 404
    assert client.post("/banks/OWN-practice/questions/P-T001/retire").status_code == 404


def test_the_regulator_reads_but_cannot_edit(client, people):
    f.login_as(client, people["regulator"])
    page = client.get("/banks/EX-bank/questions/Q-S001").get_data(as_text=True)
    assert "Q 单选题 1" in page and "编辑" not in page.split("<main")[1].split("版本历史")[0]
    assert client.get("/banks/EX-bank/questions/Q-S001/edit").status_code == 403
    assert client.post("/banks/EX-bank/questions/Q-S001/retire").status_code == 403


def test_an_institution_creates_its_own_practice_bank_only(client, db, people):
    f.login_as(client, people["trainer"])
    cat = f.category(db, "T-1.2")
    r = client.post("/banks/new", data={"code": "MY-practice", "title": "我的练习", "category_id": cat.id,
                                        "purpose": "exam"})
    assert r.status_code == 400  # "exam" is not a choice for institution staff
    r = client.post("/banks/new", data={"code": "MY-practice", "title": "我的练习", "category_id": cat.id,
                                        "purpose": "practice"})
    assert r.status_code == 302
    bank = registry.get_bank(db, "MY-practice")
    assert bank.purpose == "practice" and bank.owner_org_id == people["trainer"].grants[0].organization_id
    r = client.post("/banks/new", data={"code": "MY-practice", "title": "再来", "category_id": cat.id,
                                        "purpose": "practice"})
    assert r.status_code == 400 and "题库代码已被使用" in r.get_data(as_text=True)


def _form(**changes):
    data = {"key": "", "type": "single", "topic": "安全用具", "difficulty": "3", "stem": "绝缘手套使用前应当（　）。",
            "option_a": "检查有无漏气", "option_b": "用水清洗", "option_c": "放在阳光下暴晒", "option_d": "涂抹油脂",
            "answer": "A", "explanation": "使用前应做充气检查。"}
    data.update(changes)
    return data


def test_creating_a_question_checks_every_field_and_writes_nothing_when_refused(client, db, people):
    f.login_as(client, people["author"])
    before = db.scalar(select(func.count(Question.id)))
    r = client.post("/banks/EX-bank/questions/new", data=_form(answer="F", option_c="", option_d=""))
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "答案 F 不在选项范围 A–B 内" in page.split('id="answer-msg"')[1][:300]
    assert 'value="绝缘手套使用前应当（　）。"' in page or "绝缘手套使用前应当（　）。</textarea>" in page
    r = client.post("/banks/EX-bank/questions/new", data=_form(stem="Q 单选题 3"))
    assert r.status_code == 400 and "题干与本题库中的 Q-S003 重复" in r.get_data(as_text=True)
    r = client.post("/banks/EX-bank/questions/new", data=_form(type="multiple", answer="A"))
    assert r.status_code == 400 and "至少要有两个正确选项" in r.get_data(as_text=True)
    assert db.scalar(select(func.count(Question.id))) == before

    r = client.post("/banks/EX-bank/questions/new", data=_form())
    assert r.status_code == 302 and r.headers["Location"].endswith("/banks/EX-bank/questions/Q-M005")


def test_editing_makes_a_new_version_with_history_and_diff(client, db, people):
    f.login_as(client, people["author"])
    bank = people["exam_bank"]
    revision = bank.revision
    r = client.post("/banks/EX-bank/questions/Q-S001/edit",
                    data=_form(key="Q-S001", stem="Q 单选题 1（修订）", option_a="甲", option_b="乙", option_c="丙",
                               option_d="丁", answer="c", topic="安全用具", explanation="解析"))
    assert r.status_code == 302
    versions = db.scalars(select(QuestionVersion).join(Question).where(Question.key == "Q-S001")
                          .order_by(QuestionVersion.number)).all()
    assert [(v.number, v.is_current, v.answer) for v in versions] == [(1, False, "B"), (2, True, "C")]
    db.refresh(bank)
    assert bank.revision == revision + 1
    page = client.get("/banks/EX-bank/questions/Q-S001").get_data(as_text=True)
    assert "第 2 版" in page and "与上一版比较" in page
    diff = client.get("/banks/EX-bank/questions/Q-S001/diff?a=1&b=2").get_data(as_text=True)
    assert "<ins>（修订）</ins>" in diff and "<del>B</del><ins>C</ins>" in diff

    # Saving without a change makes no version.
    r = client.post("/banks/EX-bank/questions/Q-S001/edit",
                    data=_form(key="Q-S001", stem="Q 单选题 1（修订）", option_a="甲", option_b="乙", option_c="丙",
                               option_d="丁", answer="C", topic="安全用具", explanation="解析"), follow_redirects=True)
    assert "内容没有变化" in r.get_data(as_text=True)
    assert db.scalar(select(func.count(QuestionVersion.id)).join(Question).where(Question.key == "Q-S001")) == 2


def test_the_preview_shows_the_question_as_a_candidate_sees_it_and_the_key_only_in_the_answer_panel(client, people):
    f.login_as(client, people["author"])
    page = client.get("/banks/EX-bank/questions/Q-S001/preview").get_data(as_text=True)
    frame = page.split('class="candidate-frame"')[1].split("answer-panel")[0]
    assert "Q 单选题 1" in frame and "A.</span> 甲" in frame and "D.</span> 丁" in frame
    assert "解析" not in frame and "答案" not in frame
    panel = page.split('class="answer-panel"')[1]
    assert "B" in panel and "解析" in panel
    shuffled = client.get("/banks/EX-bank/questions/Q-S001/preview?shuffle=1").get_data(as_text=True)
    assert "题库中为 B" in shuffled


def test_retire_and_restore_move_a_question_out_of_and_back_into_the_pool(client, db, people):
    f.login_as(client, people["author"])
    bank = people["exam_bank"]
    size = len(pool.pool_index(db, bank.id))
    assert client.post("/banks/EX-bank/questions/Q-T001/retire").status_code == 302
    assert len(pool.pool_index(db, bank.id)) == size - 1
    listing = client.get("/banks/EX-bank/?status=retired").get_data(as_text=True)
    assert "Q-T001" in listing and "Q-T002" not in listing
    client.post("/banks/EX-bank/questions/Q-T001/restore")
    assert len(pool.pool_index(db, bank.id)) == size


def test_search_filters_and_bulk_actions_apply_to_the_whole_filtered_selection(client, db, people):
    f.login_as(client, people["author"])
    page = client.get("/banks/EX-bank/?type=multiple").get_data(as_text=True)
    assert "共 5 道符合条件的试题" in page and "Q-T001" not in page
    page = client.get("/banks/EX-bank/?q=单选题 7").get_data(as_text=True)
    assert "共 1 道" in page and "Q-S007" in page
    page = client.get("/banks/EX-bank/?q=%25").get_data(as_text=True)
    assert "共 0 道" in page  # LIKE wildcards are matched literally

    form = {"action": "topic", "topic": "新知识点", "q": "", "f_topic": "", "f_type": "multiple", "f_difficulty": "",
            "f_status": "active", "expected": "5"}
    r = client.post("/banks/EX-bank/bulk", data=form | {"expected": "4"}, follow_redirects=True)
    assert "筛选结果已变化" in r.get_data(as_text=True)
    r = client.post("/banks/EX-bank/bulk", data=form)
    assert r.status_code == 302
    topics = db.scalars(select(QuestionVersion.topic).join(Question).where(
        Question.key.like("Q-M%"), QuestionVersion.is_current)).all()
    assert topics == ["新知识点"] * 5
    r = client.post("/banks/EX-bank/bulk", data=form | {"action": "retire", "f_topic": "新知识点", "f_type": ""})
    assert db.scalar(select(func.count(Question.id)).where(Question.status == "retired")) == 5


def test_paging_a_10000_question_bank_stays_fast_and_constant(client, db, app, people, query_counter):
    bank = generated_bank(db, actor=None, code="BIG-bank", category="T-1.2", size=10_000, now=FIXED_NOW)
    db.commit()
    f.login_as(client, people["author"])
    first = client.get("/banks/BIG-bank/").get_data(as_text=True)
    assert "共 10000 道" in first and "GEN-00050" in first and "GEN-00051" not in first
    cursor = re.search(r'rel="next" href="[^"]*after=([^"&]+)', first).group(1)
    assert cursor.endswith("GEN-00050")
    # A page deep in the bank costs what the first page costs.
    timings = {}
    for label, url in (("first", "/banks/BIG-bank/"), ("deep", f"/banks/BIG-bank/?after={bank.id}%3AGEN-09900"),
                       ("filtered", "/banks/BIG-bank/?type=multiple&difficulty=3"),
                       ("search", "/banks/BIG-bank/?q=09999")):
        with query_counter() as n:
            started = time.perf_counter()
            page = client.get(url).get_data(as_text=True)
            timings[label] = (time.perf_counter() - started, n())
    assert "共 1 道" in page and "questions/GEN-09999\"" in page  # the last one: the search
    deep = client.get(f"/banks/BIG-bank/?after={bank.id}%3AGEN-09900").get_data(as_text=True)
    assert "questions/GEN-09901\"" in deep and "questions/GEN-09900\"" not in deep
    assert timings["deep"][1] == timings["first"][1]  # same number of statements wherever the page is
    back = client.get(f"/banks/BIG-bank/?before={bank.id}%3AGEN-09901").get_data(as_text=True)
    assert "questions/GEN-09851\"" in back and "questions/GEN-09900\"" in back
    assert "questions/GEN-09901\"" not in back and "questions/GEN-09850\"" not in back
    print("paging timings (s, statements):", timings)


def test_the_workbench_speaks_english(client, db, people):
    f.login_as(client, people["author"])
    client.post("/lang", data={"lang": "en", "next": "/banks/"})
    page = client.get("/banks/EX-bank/").get_data(as_text=True)
    assert "New question" in page and "matching questions" in page
    page = client.get("/banks/EX-bank/questions/Q-S001").get_data(as_text=True)
    assert "Version history" in page
    page = client.get(f"/blueprints/new?bank={people['exam_bank'].id}").get_data(as_text=True)
    assert "Difficulty mix (optional, %)" in page and "Total: {n} points" in page
    r = client.post("/banks/EX-bank/questions/new", data=_form(answer="Z"))
    assert "single-choice question must be one option letter" in r.get_data(as_text=True)


def test_shipped_banks_are_labelled_sample_banks(client, db, people):
    """The banks shipped with the platform carry 示范题库 (training and demonstration); other banks do not."""
    bf.bank(db, bf.small_questions(prefix="L"), code="T-1.2-exam")
    db.commit()
    f.login_as(client, people["author"])
    listing = client.get("/banks/").get_data(as_text=True)
    row = next(line for line in listing.split("<tr>") if "T-1.2-exam" in line)
    other = next(line for line in listing.split("<tr>") if "EX-bank" in line)
    assert "示范题库" in row and "示范题库" not in other
    assert "正式考试使用考试机构" in listing


CASE_TEXT = "某企业在污水池清淤作业中，两人先后晕倒。"
CASE = {"key": "C-001", "type": "case", "topic": "事故调查", "difficulty": 3, "case": CASE_TEXT,
        "valid_until": "2027-06-30",
        "parts": [{"type": "single", "stem": "该事故属于（　）。", "options": ["一般事故", "较大事故", "重大事故"],
                   "answer": "B", "points": 2},
                  {"type": "true_false", "stem": "进入前应先通风、检测。", "answer": True, "points": 1}]}


def test_a_case_question_is_edited_in_the_form_its_parts_as_yaml(client, db, people):
    """The edit form shows a case question's text and its parts (the bank file's YAML), saves a changed part as a new
    version keeping the validity, and refuses a bad part at the parts field with the reason, writing nothing."""
    bank = bf.bank(db, [*bf.small_questions(prefix="K"), CASE], code="CASE-bank")
    db.commit()
    f.login_as(client, people["author"])
    page = client.get("/banks/CASE-bank/questions/C-001/edit").get_data(as_text=True)
    assert "某企业在污水池清淤作业中" in page and "该事故属于" in page and "points: 2" in page
    parts = ("- {type: single, stem: 该事故属于（　）。, options: [一般事故, 较大事故, 重大事故], answer: C,"
             " points: 3}\n"
             "- {type: true_false, stem: 进入前应先通风、检测。, answer: true, points: 1}\n")
    r = client.post("/banks/CASE-bank/questions/C-001/edit",
                    data=_form(key="C-001", type="case", topic="事故调查", stem=CASE_TEXT,
                               parts=parts, answer="", explanation=""))
    assert r.status_code == 302, r.get_data(as_text=True)
    current = db.scalar(select(QuestionVersion).join(Question).where(Question.key == "C-001",
                                                                     QuestionVersion.is_current))
    assert current.number == 2 and current.parts[0]["answer"] == "C" and current.parts[0]["points"] == 3
    assert current.answer == ["C", True] and str(current.valid_until) == "2027-06-30"
    bad = "- {type: single, stem: 该事故属于（　）。, options: [一般事故, 较大事故], answer: D, points: 3}\n"
    r = client.post("/banks/CASE-bank/questions/C-001/edit",
                    data=_form(key="C-001", type="case", topic="事故调查", stem=CASE_TEXT,
                               parts=bad, answer="", explanation=""))
    assert r.status_code == 400 and "第 1 小题" in r.get_data(as_text=True)
    assert db.scalar(select(func.count(QuestionVersion.id)).join(Question).where(Question.key == "C-001")) == 2
    db.refresh(bank)
