"""Review before use (draft → reviewed → active, four eyes), a paper never carrying a draft, retired or
out-of-validity question, and layered blueprints drawing a quota from a provincial bank only its authority sees."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from exam_platform.audit import AuditRecord
from exam_platform.banks import paper, pool, review
from exam_platform.banks import questions as qs
from exam_platform.banks.models import PaperRule, Question, QuestionReview, QuestionVersion
from exam_platform.errors import Conflict, Forbidden, ValidationError
from tests import factories as f
from tests.banks import factories as bf
from tests.conftest import FIXED_NOW

NEW = {"type": "single", "topic": "安全用具", "difficulty": 3, "stem": "绝缘手套使用前应当（　）。",
       "options": ["做充气检查", "用水浸泡", "放在暖气上烘烤", "涂抹滑石粉后直接使用"], "answer": "A",
       "explanation": "解析"}


def pool_ids(db, bank):
    return {i.version_id for i in pool.pool_index(db, bank.id).items}


@pytest.fixture()
def review_bank(db):
    bank = bf.bank(db, code="REV-bank")
    bank.review_required = True
    db.flush()
    return bank


def test_four_eyes_draft_reviewed_active_and_a_change_goes_back_to_draft(db, review_bank):
    writer, reviewer = f.user(db, "question_author"), f.user(db, "question_author")
    q = qs.create_question(db, actor=writer, bank=review_bank, content=NEW, now=FIXED_NOW)
    version = qs.current_version(db, q)
    assert q.status == "draft" and version.id not in pool_ids(db, review_bank)

    with pytest.raises(Forbidden):  # the writer never reviews their own version
        review.decide(db, actor=writer, bank=review_bank, question=q, decision="reviewed", comment="好", now=FIXED_NOW)
    with pytest.raises(ValidationError):  # a review says why
        review.decide(db, actor=reviewer, bank=review_bank, question=q, decision="reviewed", comment=" ",
                      now=FIXED_NOW)
    with pytest.raises(Conflict):  # not before it was reviewed
        review.decide(db, actor=reviewer, bank=review_bank, question=q, decision="activated", comment="",
                      now=FIXED_NOW)
    review.decide(db, actor=reviewer, bank=review_bank, question=q, decision="reviewed", comment="选项合理，依据正确",
                  now=FIXED_NOW)
    assert q.status == "reviewed" and version.id not in pool_ids(db, review_bank)
    with pytest.raises(Forbidden):
        review.decide(db, actor=writer, bank=review_bank, question=q, decision="activated", comment="",
                      now=FIXED_NOW)
    review.decide(db, actor=reviewer, bank=review_bank, question=q, decision="activated", comment="", now=FIXED_NOW)
    assert q.status == "active" and version.id in pool_ids(db, review_bank)

    changed = qs.edit_question(db, actor=writer, bank=review_bank, question=q,
                               content=NEW | {"stem": "绝缘手套每次使用前应当（　）。"}, now=FIXED_NOW)
    assert changed.number == 2 and q.status == "draft"
    assert not pool_ids(db, review_bank) & {version.id, changed.id}  # neither the old nor the new version
    steps = db.scalars(select(QuestionReview).where(QuestionReview.question_id == q.id)
                       .order_by(QuestionReview.id)).all()
    assert [(s.decision, s.reviewer_id, s.version_id) for s in steps] == [
        ("reviewed", reviewer.id, version.id), ("activated", reviewer.id, version.id)]
    assert steps[0].comment == "选项合理，依据正确"
    actions = set(db.scalars(select(AuditRecord.action).where(AuditRecord.action.like("question.review_%"))))
    assert actions == {"question.review_reviewed", "question.review_activated"}


def test_a_bank_without_review_keeps_saving_active_questions(db):
    bank = bf.bank(db, code="PLAIN-bank")
    q = qs.create_question(db, actor=f.user(db, "question_author"), bank=bank, content=NEW, now=FIXED_NOW)
    assert q.status == "active"


def test_the_review_form_records_a_step_and_refuses_the_writer(client, db, review_bank):
    writer, reviewer = f.user(db, "question_author"), f.user(db, "question_author")
    q = qs.create_question(db, actor=writer, bank=review_bank, content=NEW, now=FIXED_NOW)
    db.commit()
    url = f"/banks/{review_bank.code}/questions/{q.key}"
    f.login_as(client, writer)
    page = client.post(url + "/review", data={"decision": "reviewed", "comment": "自审"}, follow_redirects=True)
    assert "四眼原则" in page.get_data(as_text=True)
    assert db.get(Question, q.id).status == "draft"
    f.login_as(client, reviewer)
    assert "提交审核结论" in client.get(url).get_data(as_text=True)
    assert client.post(url + "/review", data={"decision": "reviewed", "comment": "可以"}).status_code == 302
    db.expire_all()
    assert db.get(Question, q.id).status == "reviewed"
    assert "可以" in client.get(url).get_data(as_text=True)
    client.forget_csrf()
    assert client.post(url + "/review", data={"decision": "activated"}, csrf=False).status_code in (302, 400)
    db.expire_all()
    assert db.get(Question, q.id).status == "reviewed"  # no CSRF token, no step


# ---- a paper never carries a draft, retired or out-of-validity question ----------------------------------------

_banks = itertools.count(1)
STATUSES = st.sampled_from(["draft", "reviewed", "active", "retired"])
DAYS = st.one_of(st.none(), st.dates(date(2026, 1, 1), date(2027, 12, 31)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(STATUSES, DAYS, DAYS), min_size=40, max_size=60), st.dates(date(2026, 1, 1),
                                                                                    date(2027, 12, 31)),
       st.integers(0, 2**32))
def test_a_paper_never_carries_a_draft_retired_or_out_of_validity_question(db, shapes, day, seed):
    code = f"PROP-{next(_banks)}"
    questions = []
    for i, (status, start, end) in enumerate(shapes):
        q = bf.question(f"{code}-{i:03d}", bf.TF, stem=f"{code} 判断题 {i}", status=status)
        if start and end and end < start:
            start, end = end, start
        if start:
            q["valid_from"] = start
        if end:
            q["valid_until"] = end
        questions.append(q)
    bank = bf.bank(db, questions, code=code)
    spec = paper.Spec.from_blueprint([{"type": "true_false", "count": 3, "points": 1}])
    index = pool.pool_index(db, bank.id).on(day)
    try:
        drawn = paper.draw(spec, index, random.Random(seed))
    except paper.InsufficientPool:
        eligible = [s for s in shapes if s[0] == "active" and (s[1] is None or min(s[1], s[2] or s[1]) <= day)]
        assert len(index) < 3 or not eligible
        return
    rows = db.execute(select(Question.status, QuestionVersion.valid_from, QuestionVersion.valid_until)
                      .join(QuestionVersion, QuestionVersion.question_id == Question.id)
                      .where(QuestionVersion.id.in_([i.version_id for i in drawn]))).all()
    assert len(rows) == 3
    for status, start, end in rows:
        assert status == "active"
        assert (start is None or start <= day) and (end is None or day <= end)


# ---- layers ----------------------------------------------------------------------------------------------------

def test_a_blueprint_takes_its_quota_from_a_provincial_bank_only_its_authority_sees(client, db):
    province = f.org(db, "exam_authority", name="某省应急管理厅")
    provincial_author = f.user(db, "question_author", province)
    national_author = f.user(db, "question_author")
    national = bf.bank(db, bf.small_questions(20, 10, 5, prefix="N"), code="NAT-exam")
    local = bf.bank(db, bf.small_questions(10, 5, 0, prefix="L"), code="PROV-exam", owner=province)
    blueprint = PaperRule(category_id=national.category_id, bank_id=national.id, name="分层组卷", purpose="exam",
                          sections=[{"type": "true_false", "count": 10, "points": 4},
                                    {"type": "single", "count": 6, "points": 5}, {"type": "multiple", "count": 1,
                                                                                  "points": 30}],
                          topic_quotas={}, difficulty_mix={}, minutes=60, pass_mark=80,
                          bank_quotas=[{"bank_id": local.id, "quotas": {"true_false": 4, "single": 2}}],
                          created_at=FIXED_NOW, updated_at=FIXED_NOW)
    db.add(blueprint)
    db.flush()
    local_ids = pool_ids(db, local)
    for seed in range(5):
        items = pool.draw_paper(db, blueprint, random.Random(seed))
        assert len(items) == 17 and len({i.version_id for i in items}) == 17
        from_local = [i for i in items if i.version_id in local_ids]
        assert sorted(i.type for i in from_local) == ["single"] * 2 + ["true_false"] * 4
        assert [i.type for i in items] == ["true_false"] * 10 + ["single"] * 6 + ["multiple"]
    assert pool.check_blueprint(db, blueprint) == []
    blueprint.bank_quotas = [{"bank_id": local.id, "quotas": {"multiple": 1}}]  # the province has no 多选题
    assert pool.check_blueprint(db, blueprint)
    db.commit()

    f.login_as(client, national_author)
    assert client.get("/banks/PROV-exam/").status_code == 404
    assert "PROV-exam" not in client.get("/banks/").get_data(as_text=True)
    f.login_as(client, provincial_author)
    assert client.get("/banks/PROV-exam/").status_code == 200


def test_a_quota_larger_than_its_section_is_refused():
    spec = paper.Spec.from_blueprint([{"type": "single", "count": 3, "points": 1}])
    with pytest.raises(paper.InsufficientPool):
        paper.split_spec(spec, [{"single": 4}])
    main, (layer,) = paper.split_spec(spec, [{"single": 2}])
    assert [s.count for s in main.sections] == [1] and [s.count for s in layer.sections] == [2]


def test_pools_are_cached_per_revision_and_a_status_change_is_seen(db, review_bank):
    before = pool_ids(db, review_bank)
    q = db.scalar(select(Question).where(Question.bank_id == review_bank.id).limit(1))
    qs.set_status(db, actor=None, bank=review_bank, question=q, status="retired", now=FIXED_NOW + timedelta(1))
    assert len(pool_ids(db, review_bank)) == len(before) - 1


def test_shipped_banks_are_labelled_as_demonstration_banks(client, db):
    from exam_platform.banks import registry
    from exam_platform.banks.models import Bank

    assert registry.is_shipped(Bank(code="T-1.2-exam", owner_org_id=None))
    assert not registry.is_shipped(Bank(code="T-1.2-exam", owner_org_id=7))
    assert not registry.is_shipped(Bank(code="EX-bank", owner_org_id=None))
    bf.bank(db, bf.small_questions(prefix="D"), code="T-1.2-practice", purpose="practice")
    db.commit()
    f.login_as(client, f.user(db, "question_author"))
    assert "示范题库" in client.get("/banks/T-1.2-practice/").get_data(as_text=True)


def test_the_bank_page_lists_questions_that_expire_within_90_days_and_counts_those_without_basis(client, db):
    qs_ = [bf.question("W-1", stem="将失效的题", valid_until=FIXED_NOW.date() + timedelta(days=30)),
           bf.question("W-2", stem="早已失效的题", valid_until=FIXED_NOW.date() - timedelta(days=3)),
           bf.question("W-3", stem="长期有效的题", valid_until=FIXED_NOW.date() + timedelta(days=400),
                       basis=[{"document": "《安全生产法》", "article": "第二十六条", "edition": "2021"}])]
    bf.bank(db, qs_, code="WATCH-bank")
    db.commit()
    f.login_as(client, f.user(db, "question_author"))
    page = client.get("/banks/WATCH-bank/").get_data(as_text=True)
    watch = page[page.index('id="provenance-watch"'):]
    watch = watch[:watch.index('</section>')]
    assert "W-1" in watch and "W-2" in watch and "W-3" not in watch
    assert "2 道题未注明依据" in watch


def test_the_bank_page_lists_questions_whose_basis_is_superseded_with_links_to_edit(client, db):
    """A question citing an edition replaced on a known day (lints.SUPERSEDED) and still valid after that day is
    listed with what replaced what; one ending the day before, or citing the new edition, is not."""
    qs_ = [bf.question("S-1", stem="按 JGJ 46-2005 的规定，配电箱应……", explanation="见 JGJ 46-2005。"),
           bf.question("S-2", stem="旧规范下的配电箱要求", explanation="见 JGJ 46-2005。",
                       valid_until=date(2024, 12, 31)),
           bf.question("S-3", stem="新规范下的配电箱要求", explanation="见 JGJ/T 46-2024。"),
           bf.question("S-4", stem="危化品经营许可的要求", basis=[{"document": "危险化学品安全管理条例",
                                                                    "edition": "2013"}]),
           bf.question("S-5", stem="与依据无关的题")]
    bf.bank(db, qs_, code="SUPER-bank")
    author = f.user(db, "question_author")
    db.commit()
    f.login_as(client, author)
    page = client.get("/banks/SUPER-bank/").get_data(as_text=True)
    table = page[page.index('id="superseded-basis"'):]
    table = table[:table.index("</table>")]
    assert "S-1" in table and "JGJ/T 46-2024" in table and "2025-01-01" in table
    assert "S-4" in table and "危险化学品安全法" in table and "2026-05-01" in table
    assert "S-2" not in table and "S-3" not in table and "S-5" not in table
    assert "/banks/SUPER-bank/questions/S-1/edit" in table
    # a reader who may not edit sees the list without the links
    f.login_as(client, f.user(db, "regulator"))
    page = client.get("/banks/SUPER-bank/").get_data(as_text=True)
    assert 'id="superseded-basis"' in page and "/questions/S-1/edit" not in page


def test_an_author_creates_the_successor_of_a_question_whose_basis_was_superseded(client, db):
    """The successor is a new question in draft, valid from the new edition's day, with the same content for the
    author to rewrite (its stem may repeat the old one: their validity never overlaps); the old question stays as it
    was, ending the day before. A question with no superseded basis has no successor."""
    qs_ = [bf.question("S-1", stem="按 JGJ 46-2005 的规定，配电箱应……", explanation="见 JGJ 46-2005。"),
           bf.question("S-2", stem="与依据无关的题")]
    bank = bf.bank(db, qs_, code="SUCC-bank")
    author = f.user(db, "question_author")
    db.commit()
    f.login_as(client, author)
    page = client.get("/banks/SUCC-bank/questions/S-1").get_data(as_text=True)
    assert 'id="successor"' in page
    assert 'id="successor"' not in client.get("/banks/SUCC-bank/questions/S-2").get_data(as_text=True)
    r = client.post("/banks/SUCC-bank/questions/S-1/successor")
    assert r.status_code == 302 and r.headers["Location"].endswith("/edit")
    new_key = r.headers["Location"].split("/questions/")[1].split("/")[0]
    successor = db.scalar(select(Question).where(Question.bank_id == bank.id, Question.key == new_key))
    version = db.scalar(select(QuestionVersion).where(QuestionVersion.question_id == successor.id))
    assert successor.status == "draft" and str(version.valid_from) == "2025-01-01" and version.valid_until is None
    old = db.scalar(select(Question).where(Question.bank_id == bank.id, Question.key == "S-1"))
    old_current = db.scalar(select(QuestionVersion).where(QuestionVersion.question_id == old.id,
                                                          QuestionVersion.is_current))
    assert old.status == "active" and str(old_current.valid_until) == "2024-12-31" and old_current.number == 2
    assert version.stem == old_current.stem
    r = client.post("/banks/SUCC-bank/questions/S-2/successor", follow_redirects=True)
    assert "没有已知的新版本" in r.get_data(as_text=True)
