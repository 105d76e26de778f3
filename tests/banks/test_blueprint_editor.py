"""The blueprint editor over HTTP: refusal at the field unless the points add up to 100, the live check
(JSON), the bank's feasibility, a sample paper with shuffled options, and the regulator reading only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from exam_platform.banks import paper_rules as bps
from exam_platform.banks.models import PaperRule
from tests import factories as f
from tests.banks import factories as bf
from tests.conftest import FIXED_NOW


@pytest.fixture()
def setup(db):
    author = f.user(db, "question_author")
    regulator = f.user(db, "regulator")
    bank = bf.bank(db, bf.small_questions(tf=40, single=40, multiple=12), code="EX-bank")
    db.commit()
    return author, regulator, bank


def _form(bank, **changes):
    data = {"name": "低压电工 测试卷", "bank_id": str(bank.id), "purpose": "exam", "tf_count": "30", "tf_points": "1",
            "single_count": "30", "single_points": "1", "multiple_count": "10", "multiple_points": "4",
            "topic_quotas": "", "minutes": "120", "pass_mark": "80", "review_policy": "score", "active": "y"}
    data.update(changes)
    return data


def test_new_prefills_minutes_and_pass_mark_from_the_rule_set_in_force(client, setup):
    author, _r, bank = setup
    f.login_as(client, author)
    page = client.get(f"/blueprints/new?bank={bank.id}").get_data(as_text=True)
    assert 'name="minutes" type="number" value="120"' in page or 'value="120"' in page
    assert "理论考试 120 分钟，及格 80 分" in page


def test_a_blueprint_whose_points_do_not_add_up_to_100_is_refused_at_the_sections(client, db, setup):
    author, _r, bank = setup
    f.login_as(client, author)
    r = client.post("/blueprints/new", data=_form(bank, multiple_points="2"))
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "试卷总分应为 100 分，当前为 80 分" in page.split('id="sections-msg"')[1][:400]
    assert 'value="低压电工 测试卷"' in page  # what the author typed is kept
    r = client.post("/blueprints/new", data=_form(bank, topic_quotas="触电急救 五道"))
    assert r.status_code == 400 and "知识点: 题数" in r.get_data(as_text=True)
    assert db.scalar(select(func.count(PaperRule.id))) == 0


def test_saving_then_editing_and_the_sample_paper(client, db, setup):
    author, _r, bank = setup
    f.login_as(client, author)
    r = client.post("/blueprints/new", data=_form(bank, topic_quotas="触电急救: 5", diff_2="50", diff_3="50"))
    assert r.status_code == 302
    blueprint = db.scalar(select(PaperRule))
    assert blueprint.topic_quotas == {"触电急救": 5} and blueprint.difficulty_mix == {"2": 0.5, "3": 0.5}
    page = client.get(f"/blueprints/{blueprint.id}").get_data(as_text=True)
    assert "题库中的有效试题足以按此规则组卷" in page

    sample = client.get(f"/blueprints/{blueprint.id}/sample?seed=7").get_data(as_text=True)
    assert sample.count('class="candidate-question"') == 70
    again = client.get(f"/blueprints/{blueprint.id}/sample?seed=7").get_data(as_text=True)
    assert sample.split('id="sample-paper"')[1] == again.split('id="sample-paper"')[1]  # same seed, same paper
    # Options are shuffled per paper: the first multiple-choice item does not always list 甲 first.
    firsts = set()
    for seed in range(1, 8):
        page = client.get(f"/blueprints/{blueprint.id}/sample?seed={seed}").get_data(as_text=True)
        firsts.update(re.findall(r'A\.</span> (.)', page))
    assert len(firsts) > 1

    r = client.post(f"/blueprints/{blueprint.id}", data=_form(bank, tf_count="20", name="改"))
    assert r.status_code == 400 and "当前为 90 分" in r.get_data(as_text=True)
    db.refresh(blueprint)
    assert blueprint.name == "低压电工 测试卷"
    r = client.post(f"/blueprints/{blueprint.id}", data=_form(bank, name="改", review_policy="wrong_answers"))
    assert r.status_code == 302
    db.refresh(blueprint)
    assert (blueprint.name, blueprint.review_policy, blueprint.topic_quotas) == ("改", "wrong_answers", {})


def test_an_unsatisfiable_blueprint_can_be_saved_but_the_editor_says_which_stratum_is_short(client, db, setup):
    author, _r, bank = setup
    f.login_as(client, author)
    r = client.post("/blueprints/new", data=_form(bank, tf_count="50", single_count="40", multiple_count="5",
                                                  multiple_points="2"))
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "判断题需要 50 道，题库只有 40 道有效试题" in page


def test_preview_checks_and_draws_a_sample_without_saving(client, db, setup):
    author, _r, bank = setup
    f.login_as(client, author)
    r = client.post("/blueprints/new", data=_form(bank) | {"preview": "1"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="sample-paper"' in page and page.count('class="candidate-question"') == 70
    assert db.scalar(select(func.count(PaperRule.id))) == 0


def test_the_live_check_answers_json(client, setup):
    author, regulator, bank = setup
    f.login_as(client, author)
    body = _form(bank, multiple_points="2")
    r = client.post("/api/v1/blueprints/check", json=body)
    data = r.get_json()
    assert r.status_code == 200 and data["total_points"] == 80 and not data["ok"]
    assert any(e["field"] == "sections" for e in data["errors"])
    data = client.post("/api/v1/blueprints/check", json=_form(bank)).get_json()
    assert data["ok"] and data["total_points"] == 100 and data["shortages"] == []
    data = client.post("/api/v1/blueprints/check", json=_form(bank, tf_count="60", tf_points="1",
                                                              single_count="0", multiple_count="10")).get_json()
    assert data["shortages"] == ["判断题需要 60 道，题库只有 40 道有效试题"]
    assert client.post("/api/v1/blueprints/check", json=body, csrf=False).status_code == 400
    f.login_as(client, regulator)
    assert client.post("/api/v1/blueprints/check", json=body).status_code == 403


def test_the_regulator_reads_a_blueprint_but_the_form_is_disabled(client, db, setup):
    author, regulator, bank = setup
    values = bps.PaperRuleValues(name="读", bank_id=bank.id, purpose="exam",
                                 sections=[{"type": "true_false", "count": 20, "points": 5}], minutes=60, pass_mark=80)
    blueprint = bps.create_blueprint(db, actor=author, values=values, now=FIXED_NOW)
    db.commit()
    f.login_as(client, regulator)
    page = client.get(f"/blueprints/{blueprint.id}").get_data(as_text=True)
    assert "<fieldset disabled>" in page and "data-check-url" not in page and ">保存<" not in page
    assert client.post(f"/blueprints/{blueprint.id}", data={}).status_code == 403
