"""The per-revision pool cache, drawing for a blueprint, blueprint rules and the shipped default blueprints."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from exam_platform.banks import importer, pool
from exam_platform.banks import paper_rules as bps
from exam_platform.banks.models import Bank, PaperRule, Question
from exam_platform.catalog.service import rule_in_force
from exam_platform.clock import today_local
from exam_platform.errors import ValidationError
from tests.banks import factories as bf
from tests.conftest import FIXED_NOW, count_queries


def test_the_pool_is_read_once_per_revision_and_rebuilt_after_any_change(app, db):
    qs = bf.small_questions()
    bank = bf.bank(db, qs)
    engine = app.extensions["database"].engine
    first = pool.pool_index(db, bank.id)
    assert len(first) == 25
    with count_queries(engine) as n:
        again = pool.pool_index(db, bank.id)
    assert again is first and n() == 1  # only the revision

    qs[0]["stem"] = "改过的判断题"
    importer.import_bank_file(db, actor=None, text=bf.bank_text(qs[:-1]), file="x.yaml", now=FIXED_NOW)
    rebuilt = pool.pool_index(db, bank.id)
    assert rebuilt is not first and len(rebuilt) == 24
    old_ids = {i.version_id for i in first.items}
    assert len({i.version_id for i in rebuilt.items} - old_ids) == 1  # the new version of Q-T000


def test_another_workers_change_is_seen_through_the_revision(app, db):
    bank = bf.bank(db)
    index = pool.pool_index(db, bank.id)
    # Another worker retires a question and bumps the revision: simulate with a plain UPDATE.
    db.execute(Question.__table__.update().where(Question.key == "Q-T000").values(status="retired"))
    db.execute(Bank.__table__.update().where(Bank.id == bank.id).values(revision=Bank.revision + 1))
    assert len(pool.pool_index(db, bank.id)) == len(index) - 1


def test_an_id_reused_after_rollback_does_not_reuse_a_stale_index(app, db):
    bank = bf.bank(db, bf.small_questions(tf=10, single=10, multiple=5))
    pool.pool_index(db, bank.id)
    uid = bank.uid
    db.rollback()
    again = bf.bank(db, bf.small_questions(tf=3, single=3, multiple=2))
    assert again.uid != uid
    assert len(pool.pool_index(db, again.id)) == 8


def _values(bank, **changes):
    base = dict(name="测试组卷", bank_id=bank.id, purpose="exam",
                sections=[{"type": "true_false", "count": 10, "points": 5}, {"type": "single", "count": 10,
                                                                             "points": 5}],
                minutes=120, pass_mark=80)
    base.update(changes)
    return bps.PaperRuleValues(**base)


@pytest.mark.parametrize("changes, field, reason", [
    ({"sections": [{"type": "true_false", "count": 10, "points": 5}]}, "sections", "总分应为 100 分，当前为 50 分"),
    ({"sections": [{"type": "essay", "count": 10, "points": 10}]}, "sections", "未知题型"),
    ({"sections": [{"type": "single", "count": 0, "points": 10}]}, "sections", "正整数"),
    ({"pass_mark": 0}, "pass_mark", "及格分"),
    ({"minutes": 0}, "minutes", "考试时长"),
    ({"purpose": "mock"}, "bank_id", "模拟考试只能从练习题库组卷"),
    ({"review_policy": "all"}, "review_policy", "交卷后"),
    ({"partial_credit": True}, "partial_credit", "没有多选题"),
    ({"difficulty_mix": {"1": 0.5, "2": 0.2}}, "difficulty_mix", "100%"),
    ({"topic_quotas": {"触电急救": 30}}, "topic_quotas", "超过了试卷总题数"),
    ({"name": " "}, "name", "名称"),
])
def test_a_blueprint_that_breaks_a_rule_is_refused_at_its_field(db, changes, field, reason):
    bank = bf.bank(db)
    with pytest.raises(ValidationError) as err:
        bps.create_blueprint(db, actor=None, values=_values(bank, **changes), now=FIXED_NOW)
    assert err.value.field == field and reason in str(err.value.message)
    assert db.scalar(select(PaperRule.id)) is None


def test_a_valid_blueprint_is_saved_audited_and_draws_a_paper(db):
    bank = bf.bank(db)
    bp = bps.create_blueprint(db, actor=None, values=_values(bank, difficulty_mix={"2": 0.5, "3": 0.5},
                                                             topic_quotas={"触电急救": 2}), now=FIXED_NOW)
    assert bp.category_id == bank.category_id and bp.difficulty_mix == {"2": 0.5, "3": 0.5}
    assert pool.check_blueprint(db, bp) == []
    paper = pool.draw_paper(db, bp, random.Random(1))
    assert len(paper) == 20 and sum(p.points for p in paper) == 100
    too_big = SimpleNamespace(bank_id=bank.id, sections=[{"type": "single", "count": 50, "points": 2}],
                              topic_quotas={}, difficulty_mix={})
    with pytest.raises(pool.PoolTooSmall) as short:
        pool.draw_paper(db, too_big, random.Random(1))
    assert "单选题需要 50 道，题库只有 10 道" in short.value.details["problems"][0]


def test_shipped_default_blueprints_follow_the_rules_in_force_and_can_be_drawn(db):
    bf.import_shipped(db)
    made = bps.load_default_blueprints(db, actor=None, now=FIXED_NOW)
    by_bank = {bp.bank.code: bp for bp in made.values()}
    assert set(by_bank) == {"T-1.2-exam", "T-2.1-exam", "T-3.2-exam", "PRINCIPAL-HAZCHEM-exam",
                            "MANAGER-GENERAL-exam", "FW-RETAIL-PRINCIPAL-exam", "T-1.2-practice",
                            "PRINCIPAL-HAZCHEM-practice"}
    lv = by_bank["T-1.2-exam"]
    assert lv.sections == [{"type": "true_false", "count": 70, "points": 1}, {"type": "single", "count": 30,
                                                                               "points": 1}]
    for bp in made.values():
        rules = rule_in_force(db, bp.category_id, today_local(FIXED_NOW))
        assert (bp.minutes, bp.pass_mark) == (rules.theory_minutes, rules.pass_mark)
        assert sum(s["count"] * s["points"] for s in bp.sections) == 100
        assert pool.check_blueprint(db, bp) == [], bp.name
        assert bp.purpose == ("mock" if bp.bank.purpose == "practice" else "exam")
        paper = pool.draw_paper(db, bp, random.Random(bp.id))
        assert sum(p.points for p in paper) == 100
    assert lv.minutes == 120 and by_bank["FW-RETAIL-PRINCIPAL-exam"].minutes == 60
    # Loading again changes nothing.
    again = bps.load_default_blueprints(db, actor=None, now=FIXED_NOW)
    assert {b.id for b in again.values()} == {b.id for b in made.values()}


def test_demo_seed_puts_banks_and_blueprints_into_the_context(db):
    from exam_platform.demo import banks as demo

    ctx = SimpleNamespace(users={}, orgs={}, extra={})
    demo.seed(db, ctx, now=FIXED_NOW, large=False)
    assert ctx.extra["blueprints"]["T-1.2"].sections[0]["count"] == 70
    assert set(ctx.extra["blueprints"]) == {"T-1.2", "T-2.1", "T-3.2", "PRINCIPAL-HAZCHEM", "MANAGER-GENERAL",
                                            "FW-RETAIL-PRINCIPAL"}
    assert set(ctx.extra["mock_blueprints"]) == {"T-1.2", "PRINCIPAL-HAZCHEM"}
    assert ctx.extra["banks"]["T-1.2-practice"].purpose == "practice"


def test_questions_that_state_a_rule_are_drawn_only_while_it_is_in_force(db):
    """LV-0079 (one 补考, 令30) ends 2026-05-31; its successor LV-0079.19 starts 2026-06-01."""
    from datetime import date

    from exam_platform.banks.models import QuestionVersion

    bf.import_shipped(db)
    lv = next(bp for bp in bps.load_default_blueprints(db, actor=None, now=FIXED_NOW).values()
              if bp.bank.code == "T-1.2-exam")
    ids = dict(db.execute(select(Question.key, QuestionVersion.id).join(
        QuestionVersion, (QuestionVersion.question_id == Question.id) & QuestionVersion.is_current)
        .where(Question.key.in_(["LV-0079", "LV-0079.19", "LV-0004", "LV-0004.19"]))).all())
    assert len(ids) == 4
    for day, absent in ((date(2026, 5, 31), {"LV-0079.19", "LV-0004.19"}),
                        (date(2026, 6, 1), {"LV-0079", "LV-0004"})):
        assert pool.check_blueprint(db, lv, on=day) == []
        drawn = set()
        for seed in range(40):
            drawn |= {p.version_id for p in pool.draw_paper(db, lv, random.Random(seed), on=day)}
        assert not drawn & {ids[k] for k in absent}
        assert drawn & {ids[k] for k in set(ids) - absent}  # the one in force does come up
