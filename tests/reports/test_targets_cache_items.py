"""Targets and progress, declared workforce, the aggregate cache's invalidation, and item analysis from the
database (shown letters mapped back, a planted wrong key flagged)."""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import select

from exam_platform.audit import AuditRecord
from exam_platform.banks.models import QuestionVersion
from exam_platform.errors import ValidationError
from exam_platform.exams.models import ExamResult
from exam_platform.reports import dashboards, items, periods, targets
from exam_platform.reports.cache import cache
from exam_platform.reports.figures import Filters
from tests import factories as f
from tests.conftest import FIXED_NOW

from .factories import attempt, bank_with_blueprint, register, sitting, world


def test_target_progress_against_the_year_so_far(db):
    world(db)
    admin = f.user(db, "regulator")
    special = f.category(db, "T-1.2")
    targets.set_target(db, actor=admin, now=FIXED_NOW, year=2026, metric="trainees", value=8, group="special")
    targets.set_target(db, actor=admin, now=FIXED_NOW, year=2026, metric="pass_rate", value=60,
                       category_id=special.id)
    targets.set_target(db, actor=admin, now=FIXED_NOW, year=2026, metric="candidates", value=5)
    # Saving the same (year, metric, scope) again changes the value instead of adding a second target.
    targets.set_target(db, actor=admin, now=FIXED_NOW, year=2026, metric="candidates", value=4)
    rows = {(r["metric"], r["scope"]): r for r in targets.progress(db, 2026, today=date(2026, 11, 2))}
    assert len(rows) == 3
    trainees = rows[("trainees", "特种作业人员")]
    assert (trainees["actual"], trainees["share"], trainees["reached"]) == (4, 50.0, False)
    assert trainees["on_track"] is False and trainees["expected_share"] == 83.6  # 305 of 365 days
    rate = rows[("pass_rate", special.label)]
    assert rate["actual"] == 66.67 and rate["reached"] is True
    cand = rows[("candidates", None)]
    assert cand["value"] == 4 and cand["actual"] == 5 and cand["share"] == 125.0 and cand["reached"]
    assert db.scalar(select(AuditRecord).where(AuditRecord.action == "reports.target.set").limit(1)) is not None


@pytest.mark.parametrize("kwargs, field", [
    ({"metric": "nope", "value": 1}, "metric"),
    ({"metric": "pass_rate", "value": 120}, "value"),
    ({"metric": "trainees", "value": -1}, "value"),
    ({"metric": "trainees", "value": 1, "group": "special", "category_id": 1}, "category_id"),
    ({"metric": "trainees", "value": 1, "group": "bogus"}, "group"),
])
def test_bad_targets_are_refused_at_their_field(db, kwargs, field):
    with pytest.raises(ValidationError) as err:
        targets.set_target(db, actor=None, now=FIXED_NOW, year=2026, **kwargs)
    assert err.value.field == field


def test_targets_and_workforce_pages(client, db):
    w = world(db)
    admin = f.user(db, "regulator")
    db.commit()
    f.login_as(client, admin)
    ok = client.post("/reports/targets", data={"year": "2026", "metric": "trainees", "group": "principal",
                                               "category_id": "0", "value": "4000", "note": "主要负责人培训4000人以上"})
    assert ok.status_code == 302
    html = client.get("/reports/targets?year=2026").get_data(as_text=True)
    assert "主要负责人培训4000人以上" in html and 'data-col="actual">2<' in html
    bad = client.post("/reports/targets", data={"year": "2026", "metric": "pass_rate", "group": "",
                                                "category_id": "0", "value": "150"})
    assert bad.status_code == 400 and "150" in bad.get_data(as_text=True)
    assert client.post("/reports/targets", data={"year": "2026", "metric": "trainees", "value": "1"},
                       csrf=False).status_code == 400
    special = w.categories["special"]
    ok = client.post("/reports/workforce", data={"employer_id": str(w.orgs["E1"].id), "category_id": str(special.id),
                                                 "workers": "10", "declared_on": "2026-10-01"})
    assert ok.status_code == 302
    body = client.get("/api/v1/reports/workforce").get_json()
    row = next(r for r in body["rows"] if r["employer_id"] == w.orgs["E1"].id and r["category_id"] == special.id)
    assert row["workers"] == 10 and row["employer"] == "报表用人单位一"  # the declaration of 4 was updated
    assert len(body["rows"]) == 4 and (row["holders"], row["rate"]) == (2, 20.0)
    wrong = client.post("/reports/workforce", data={"employer_id": str(w.orgs["A"].id),
                                                    "category_id": str(special.id), "workers": "3",
                                                    "declared_on": "2026-10-01"})
    assert wrong.status_code == 400
    target_id = targets.targets(db, 2026)[0].id
    assert client.post(f"/reports/targets/{target_id}/delete").status_code == 302
    assert targets.targets(db, 2026) == []
    assert client.post("/reports/targets/999999/delete").status_code == 404


def test_the_cache_answers_repeat_questions_and_notices_every_change(db):
    w = world(db)
    filters = Filters(period=periods.parse("2026"))
    first = dashboards.overview_total(db, filters)
    hits = cache.hits
    assert dashboards.overview_total(db, filters) == first and cache.hits == hits + 4  # every table, cached
    # An update that adds no row (a pending practical now decided) is noticed.
    pending = db.scalar(select(ExamResult).where(ExamResult.passed.is_(None)))
    pending.practical_score, pending.practical_passed, pending.passed = 90, True, True
    db.flush()
    after = dashboards.overview_total(db, filters)
    assert (after["passed"], after["decided"]) == (first["passed"] + 1, first["decided"] + 1)
    # So is a new result, a date moved into another year, and a changed employer.
    result = db.scalar(select(ExamResult).where(ExamResult.candidate_id == w.people["c6"].id))
    result.exam_date = date(2025, 12, 31)
    db.flush()
    assert dashboards.overview_total(db, filters)["sat"] == first["sat"] - 1
    w.people["c6"].employer_id = w.orgs["E1"].id
    db.flush()
    e1 = dashboards.overview_total(db, Filters(period=periods.parse("2025"), employer_id=w.orgs["E1"].id))
    assert e1["sat"] == 1


# ---- item analysis from the database ----------------------------------------------------------------

def test_responses_are_mapped_back_to_the_bank_letters(db):
    w = world(db)
    special = w.categories["special"]
    _bank, bp, (tf1, _tf2, single, multi) = bank_with_blueprint(db, special)
    s = sitting(db, w.orgs["A"], special, bp, date(2026, 9, 1), "IA")
    paper = [{"version_id": tf1.id, "type": "true_false", "points": 1, "order": []},
             {"version_id": single.id, "type": "single", "points": 1, "order": [1, 0, 2, 3]},  # shown A = bank B
             {"version_id": multi.id, "type": "multiple", "points": 2, "order": [2, 3, 0, 1]}]  # shown A = bank C
    attempt(db, register(db, s, w.people["c1"]), bp, paper, {1: True, 2: "A", 3: ["A", "C"]})  # all right
    attempt(db, register(db, s, w.people["c4"]), bp, paper, {1: False, 2: "B", 3: ["A"]})  # all wrong
    attempt(db, register(db, s, w.people["c5"]), bp, paper, {}, state="voided")  # not counted
    scope = items.scope_of(db, "blueprint", bp.id)
    rows = items.load_responses(db, scope)
    assert len(rows) == 6
    result = items.analysis(db, scope)
    assert result.test.attempts == 2 and result.test.mean == 50.0  # (100 + 0) / 2
    sc = result.items[single.id]
    assert sc.facility == 0.5 and sc.option_counts[:4] == (1, 1, 0, 0)  # bank B (right) once, bank A once
    mc = result.items[multi.id]
    assert mc.option_counts[:4] == (1, 0, 2, 0)  # bank C twice (shown A both times), bank A once
    assert result.items[tf1.id].option_counts[:2] == (1, 1)


def test_partial_credit_follows_the_grading_rule():
    import numpy as np

    picked = np.array([0b101, 0b001, 0b011, 0b000, 0b101])
    key = np.array([0b101, 0b101, 0b101, 0b101, 0b101])
    earned = items.earned_points(picked, key, np.full(5, 2.0), np.array([True, True, True, True, False]))
    assert list(earned) == [2.0, 1.0, 0.0, 0.0, 2.0]


def test_a_planted_wrong_key_is_flagged_on_the_item_analysis_page(client, db, app):
    w = world(db)
    special = w.categories["special"]
    questions = [("single", ["a", "b", "c", "d"], "A") for _ in range(8)]
    _bank, bp, versions = bank_with_blueprint(db, special, questions=questions)
    bad = versions[0]  # its key says A; the true answer is B
    s = sitting(db, w.orgs["A"], special, bp, date(2026, 9, 2), "IA2", seats=200)
    rng = random.Random(4)
    order = [0, 1, 2, 3]
    paper = [{"version_id": v.id, "type": "single", "points": 1, "order": order} for v in versions]
    for n in range(60):
        ability = n / 59
        responses = {}
        for pos, v in enumerate(versions, start=1):
            knows = rng.random() < 0.15 + 0.8 * ability
            if v.id == bad.id:
                responses[pos] = "B" if knows else rng.choice("ACD")
            else:
                responses[pos] = "A" if knows else rng.choice("BCD")
        attempt(db, register(db, s, f.user(db, "candidate")), bp, paper, responses)
    author = f.user(db, "question_author")
    db.commit()
    f.login_as(client, author)
    body = client.get(f"/api/v1/reports/items/blueprint/{bp.id}").get_json()
    flagged = {r["version_id"]: r["flags"] for r in body["items"]}
    assert "negative_discrimination" in flagged[bad.id]
    assert all("negative_discrimination" not in flagged[v.id] for v in versions[1:])
    html = client.get(f"/reports/items/blueprint/{bp.id}?flag=negative_discrimination").get_data(as_text=True)
    assert f'data-version="{bad.id}"' in html and f'data-version="{versions[1].id}"' not in html
    detail = client.get(f"/reports/items/version/{bad.id}?blueprint={bp.id}").get_data(as_text=True)
    assert "题干 1" in detail and 'src="data:image/svg+xml;base64,' in detail
    xlsx = client.get(f"/reports/items/blueprint/{bp.id}/export?format=xlsx")
    assert xlsx.status_code == 200
    sittings_page = client.get(f"/reports/items/sitting/{s.id}")
    assert sittings_page.status_code == 200 and 'data-stat="kr20"' in sittings_page.get_data(as_text=True)


def test_item_statistics_are_closed_to_training_and_centre_staff(client, db):
    w = world(db)
    bp = w.blueprints["special"]
    for role, org in (("institution_staff", w.orgs["I1"]), ("centre_staff", w.orgs["A"])):
        person = f.user(db, role, org)
        db.commit()
        f.login_as(client, person)
        assert client.get(f"/reports/items/blueprint/{bp.id}").status_code == 403
        assert client.get(f"/reports/items/version/{w.versions['special'][0].id}").status_code == 403
        assert client.get(f"/api/v1/reports/items/blueprint/{bp.id}").status_code == 403


def test_item_analysis_reads_only_new_attempts_and_drops_voided_ones(db):
    import numpy as np

    from exam_platform.reports import itemstats

    w = world(db)
    special = w.categories["special"]
    _bank, bp, versions = bank_with_blueprint(db, special)
    s = sitting(db, w.orgs["A"], special, bp, date(2026, 9, 3), "INC", seats=100)
    paper = [{"version_id": v.id, "type": v.type, "points": 1, "order": [] if v.type == "true_false" else
              [0, 1, 2, 3]} for v in versions]
    rng = random.Random(11)

    def sit():
        return attempt(db, register(db, s, f.user(db, "candidate")), bp, paper,
                       {1: rng.random() < 0.6, 2: rng.random() < 0.4, 3: rng.choice("ABCD"),
                        4: rng.sample("ABCD", rng.randint(1, 2))})

    made = [sit() for _ in range(12)]
    scope = items.scope_of(db, "blueprint", bp.id)
    loaded = items.store.loaded_attempts
    first = items.analysis(db, scope)
    assert first.test.attempts == 12 and items.store.loaded_attempts == loaded + 12
    made += [sit() for _ in range(3)]  # three more submitted …
    made[0].state = "voided"  # … and one voided by a proctor
    db.flush()
    after = items.analysis(db, scope)
    assert after.test.attempts == 14 and items.store.loaded_attempts == loaded + 15  # only the 3 new ones read
    fresh = itemstats.analyse(items.load_responses(db, scope), thresholds=items.thresholds(), pass_mark=80)
    assert after.test.mean == pytest.approx(fresh.test.mean) and after.test.kr20 == pytest.approx(fresh.test.kr20)
    for vid, stat in fresh.items.items():
        got = after.items[vid]
        assert (got.exposure, got.option_counts, got.flags) == (stat.exposure, stat.option_counts, stat.flags)
        assert got.facility == pytest.approx(stat.facility)
        assert np.isclose(got.point_biserial or 0, stat.point_biserial or 0)
        assert np.isclose(got.discrimination or 0, stat.discrimination or 0)


def test_a_case_question_is_analysed_part_by_part(client, db):
    """Each part of a 案例分析 is an item of its own (KEY#n), its responses mapped back through its own option order."""
    w = world(db)
    special = w.categories["special"]
    _bank, bp, (tf1, *_rest) = bank_with_blueprint(db, special)
    case = db.get(QuestionVersion, tf1.id)
    case.type, case.stem = "case", "案例：某企业在清淤作业中……"
    case.parts = [{"type": "single", "stem": "该事故属于（　）。", "options": ["一般", "较大", "重大"], "answer": "B",
                   "points": 2},
                  {"type": "true_false", "stem": "应先通风再进入。", "answer": True, "points": 1}]
    case.answer = ["B", True]
    db.flush()
    s = sitting(db, w.orgs["A"], special, bp, date(2026, 9, 3), "IA-case")
    paper = [{"version_id": case.id, "type": "single", "points": 2, "order": [1, 0, 2], "part": 0},  # shown A = B
             {"version_id": case.id, "type": "true_false", "points": 1, "order": [], "part": 1}]
    attempt(db, register(db, s, w.people["c1"]), bp, paper, {1: "A", 2: True})  # both right
    attempt(db, register(db, s, w.people["c4"]), bp, paper, {1: "B", 2: True})  # part 1 wrong
    scope = items.scope_of(db, "blueprint", bp.id)
    result = items.analysis(db, scope)
    first, second = result.items[items.part_item_id(case.id, 0)], result.items[items.part_item_id(case.id, 1)]
    assert first.facility == 0.5 and first.option_counts[:3] == (1, 1, 0) and second.facility == 1.0
    rows = {r["question_key"]: r for r in items.version_rows(db, result)}
    key = case.question.key
    assert rows[f"{key}#1"]["part"] == 0 and rows[f"{key}#2"]["type"] == "true_false"
    assert rows[f"{key}#1"]["version_id"] == case.id
    author = f.user(db, "question_author")
    db.commit()
    f.login_as(client, author)
    html = client.get(f"/reports/items/blueprint/{bp.id}").get_data(as_text=True)
    assert f"{key}#2" in html and "part=1" in html
    detail = client.get(f"/reports/items/version/{case.id}?blueprint={bp.id}&part=0").get_data(as_text=True)
    assert "该事故属于" in detail and "第 1 小题，共 2 小题" in detail and "较大" in detail
