"""exam_platform/labels.py: codes become words, in Chinese and English; and the words survive the places the issue
named (login keeps the language, an invalid ID number says so)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exam_platform import labels
from exam_platform.accounts.idnumber import make_resident_id
from exam_platform.errors import ValidationError
from exam_platform.permissions import Role
from tests import factories as f
from tests.conftest import FIXED_NOW

CODE = re.compile(r"[a-z]+[_.][a-z_]+")


@pytest.fixture()
def zh(app):
    with app.test_request_context():
        yield


@pytest.fixture()
def en(app):
    with app.test_request_context():
        from flask import session

        session["lang"] = "en"
        from flask_babel import refresh

        refresh()
        yield


def test_periods_read_as_people_write_them(zh):
    assert labels.period_label("2026H2") == "2026年下半年"
    assert labels.period_label("2026H1") == "2026年上半年"
    assert labels.period_label("2026Q3") == "2026年第3季度"
    assert labels.period_label("2026-07") == "2026年7月"
    assert labels.period_label("2026") == "2026年"


def test_periods_in_english(en):
    assert labels.period_label("2026H2") == "H2 2026"
    assert labels.period_label("2026Q3") == "Q3 2026"


@given(st.floats(min_value=0, max_value=10_000, allow_nan=False))
def test_numbers_have_at_most_one_decimal(value):
    text = labels.number(value)
    assert re.fullmatch(r"\d+(\.\d)?", text), text
    assert abs(float(text) - value) <= 0.05 + 1e-9


def test_hours_example_from_the_issue():
    assert labels.number(4.83333) == "4.8" and labels.number(12.0) == "12" and labels.number(None) == "—"


def test_a_range_ending_on_the_next_day_shows_that_date(zh):
    start = datetime(2026, 12, 7, 12, 26, tzinfo=UTC)  # 20:26 Shanghai
    assert labels.time_range(start, datetime(2026, 12, 7, 14, 26, tzinfo=UTC)) == "2026-12-07 20:26 – 22:26"
    assert labels.time_range(start, datetime(2026, 12, 7, 16, 36, tzinfo=UTC)) == "2026-12-07 20:26 – 2026-12-08 00:36"


def test_regions_are_place_names(zh):
    assert labels.region_label("360000") == "江西省"
    assert labels.region_label("360100") == "江西省南昌市"
    assert labels.region_label("") == "（未填写）"


def test_categories_by_name_and_official_numbers_only(zh):
    assert labels.category_label(SimpleNamespace(code="PRINCIPAL-HAZCHEM", name="危险化学品生产经营单位主要负责人")) \
        == "危险化学品生产经营单位主要负责人"
    assert labels.category_label(SimpleNamespace(code="T-1.1", name="高压电工作业")) == "T-1.1 高压电工作业"


def test_rule_sets_by_regulation(zh):
    assert labels.rule_set_label("leader-high-risk") == "主要负责人和安全生产管理人员（高危行业）"
    assert "special-30" not in labels.rule_set_label(SimpleNamespace(profile="special-30", source="",
                                                                     effective_from=None))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_audit_records_read_without_codes_or_json(request, lang):
    request.getfixturevalue(lang)
    summary = json.dumps({"after": {"category_id": 12, "declared_on": "2026-11-02", "workers": 40,
                                    "metric": "certificates_issued"}, "note": "复核"})
    line = labels.audit_summary(summary)
    assert "{" not in line and not CODE.search(line), line
    assert "40" in line and "复核" in line
    for action in ("proctor.force_submit", "role.grant", "certificate.suspended", "question.bulk_retire",
                   "sitting.publish_results", "something.unknown_here"):
        assert not CODE.search(labels.action_label(action)), action
    assert labels.roles_label("centre_staff,proctor") in ("考务人员、监考员", "Exam centre staff, Proctor") or \
        not CODE.search(labels.roles_label("centre_staff,proctor"))
    assert not CODE.search(labels.target_label("Attempt", 4))


def test_answers_are_words(zh):
    assert labels.answer_label(False, "true_false") == "错误"
    assert labels.answer_label("False") == "错误"
    assert labels.answer_label(["A", "C"], "multiple") == "AC"
    assert labels.answer_label(None) == "未答"


def test_id_types_are_translated(en):
    assert dict(labels.id_type_choices())["passport"] == "Passport"


def test_the_language_chosen_before_login_stays_after_login(client, db):
    f.user(db, Role.CANDIDATE, username="lang_keeper")
    db.commit()
    client.post("/lang", data={"lang": "en", "next": "/login"})
    client.post("/login", data={"username": "lang_keeper", "password": f.PASSWORD})
    page = client.get("/home").get_data(as_text=True)
    assert 'lang="en"' in page


def test_a_wrong_check_digit_at_centre_registration_says_so(app, db):
    from exam_platform.exams import registration
    from tests.exams import factories as xf

    w = xf.world(db)
    good = make_resident_id("36010219900101123")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with app.test_request_context(), pytest.raises(ValidationError) as refused:
        registration.register_by_identity(db, actor=w.staff, sitting=w.sitting, id_type="resident_id",
                                          id_number=bad, real_name="赵十", now=FIXED_NOW)
    assert refused.value.field == "id_number"
    assert "校验位" in str(refused.value.message) and "没有找到" not in str(refused.value.message)


def test_the_audit_log_filters_are_choices_of_words(client, db):
    from exam_platform import audit

    regulator = f.user(db, Role.REGULATOR)
    proctor = f.user(db, Role.PROCTOR)
    audit.record(db, actor=proctor, action="proctor.force_submit", target_type="Attempt", target_id=4,
                 after={"status": "forced"}, note="考生离场")
    db.commit()
    f.login_as(client, regulator)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert '<select name="action">' in page and '<select name="target_type">' in page and '<select name="role">' in page
    assert '<option value="proctor.force_submit" >强制交卷</option>' in page
    assert "答卷 #4" in page and "考生离场" in page and "强制交卷" in page
    only_proctors = client.get("/admin/audit?role=proctor").get_data(as_text=True)
    only_regulators = client.get("/admin/audit?role=regulator&action=proctor.force_submit").get_data(as_text=True)
    assert "考生离场" in only_proctors and "考生离场" not in only_regulators
