"""The catalogue file: idempotent loading, refusal of bad files with file/line/reason, rules in force by date."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from exam_platform.catalog import service
from exam_platform.catalog.models import Category, RuleSet
from exam_platform.errors import ValidationError
from tests import factories as f
from tests.conftest import FIXED_NOW


def test_shipped_catalogue_has_every_group_and_the_whole_special_operations_list(db):
    codes = {c.code for c in service.categories(db)}
    assert {"PRINCIPAL-HAZCHEM", "MANAGER-GENERAL", "FW-RETAIL-PRINCIPAL", "FW-RETAIL-SALES"} <= codes
    specials = {c for c in codes if c.startswith("T-")}
    # 10 作业类别 with 3+3+2+2+10+8+1+1+16+5 操作项目
    assert len(specials) == 51
    assert {"T-1.2", "T-5.10", "T-9.16", "T-10.5"} <= specials


def test_loading_again_changes_nothing(db):
    before = db.scalar(select(func.count(RuleSet.id)))
    summary = service.load_catalog(db, now=FIXED_NOW)
    assert not summary.changed
    assert db.scalar(select(func.count(RuleSet.id))) == before


def test_rule_in_force_follows_effective_dates(db):
    cat = f.category(db, "T-1.2")
    assert service.rule_in_force(db, cat.id, date(2026, 5, 31)).profile == "special-30"
    assert service.rule_in_force(db, cat.id, date(2026, 6, 1)).profile == "special-19"
    hazchem = f.category(db, "PRINCIPAL-HAZCHEM")
    rules = service.rule_in_force(db, hazchem.id, date(2026, 11, 1))
    assert (rules.initial_hours, rules.refresher_hours, rules.pass_mark) == (48, 16, 80)
    general = service.rule_in_force(db, f.category(db, "MANAGER-GENERAL").id, date(2026, 11, 1))
    assert (general.initial_hours, general.refresher_hours) == (32, 12)


def _shipped_text() -> str:
    return Path(service.CATALOG_FILE).read_text(encoding="utf-8")


@pytest.mark.parametrize("change, line_hint, reason", [
    (("    pass_mark: 80\n    exam_within_days", "    pass_mark: 180\n    exam_within_days"), True, "及格分"),
    (("  - code: T-1.3\n", "  - code: T-1.2\n"), True, "类别代码重复"),
    (("    rules: [special-30, special-19]\n", "    rules: [special-30, special-99]\n"), True, "未知规则集"),
    (("version: 1\n", "version: 1\nbomb: &a [1, 2]\nmore: *a\n"), True, "anchors"),
    # rule-set shapes
    (("      model: renew_at_expiry ", "      model: renew_forever "), True, "renewal.model"),
    (("      theory_attempts: unlimited", "      theory_attempts: 0"), True, "正整数或 unlimited"),
    (("      after_last_failure: theory_again", "      after_last_failure: give_up"), True, "after_last_failure"),
    (("      requirements: 有效期", "      interval_years: 3\n      requirements: 有效期"), True, "没有复审"),
    (("      clean_record_years: 10\n", ""), True, "同时给出"),
    (("    validity_years: 6            # 特种作业操作证", "    refresher_hours: 8\n    validity_years: 6  #"), True,
     "重复"),
    (("        T-2: {education: \"\"}", "        T-99: {education: \"\"}"), True, "未知操作项目"),
    (("        T-2: {education: \"\"}", "        T-2: {education: 博士}"), True, "education"),
    (("    application_region: nationwide", "    application_region: mars"), True, "application_region"),
    (("      retake: {document: 公开二手报道", "      retake: {article: 1, note: 公开二手报道"), True, "document"),
    (("      retake: {document: 公开二手报道：应急管理部令第19号解读, article: 未注明条文, status: unverified}",
      "      retake: {document: x, status: maybe}"), True, "status"),
    (("    status: unverified\n", "    status: perhaps\n"), True, "status"),
])
def test_a_bad_file_is_refused_whole_with_line_and_reason(db, change, line_hint, reason):
    old, new = change
    text = _shipped_text()
    assert old in text
    bad = text.replace(old, new, 1)
    before = db.scalar(select(func.count(Category.id)))
    with pytest.raises(ValidationError) as err:
        service.load_catalog(db, text=bad, now=FIXED_NOW)
    message = str(err.value.message)
    assert message.startswith("catalog.yaml:") and reason in message
    line = int(message.split(":")[1])
    assert line > 0
    assert db.scalar(select(func.count(Category.id))) == before


def test_catalogue_page_shows_rules_in_force(client, db):
    regulator = f.user(db, "regulator")
    db.commit()
    f.login_as(client, regulator)
    page = client.get("/catalog/").get_data(as_text=True)
    assert ("低压电工作业" in page and "special-30" in page) or "special-19" in page
    detail = client.get("/catalog/T-1.2").get_data(as_text=True)
    assert "K2" in detail and "应急管理部令第19号" in detail


def test_shapes_become_columns_per_operation_item_with_their_sources(db):
    from exam_platform.catalog.shapes import source_of
    old = service.rule_in_force(db, f.category(db, "T-1.2").id, date(2026, 5, 31))
    new = service.rule_in_force(db, f.category(db, "T-1.2").id, date(2026, 6, 1))
    assert (old.renewal_model, old.review_interval_years, old.theory_attempts, old.after_last_failure) == (
        "periodic_review", 3, 2, "retrain")
    assert (old.min_education, old.application_region, old.verification) == ("junior_middle", "residence_or_work",
                                                                            "verified")
    assert (new.renewal_model, new.renewal_transition, new.review_interval_years) == (
        "renew_at_expiry", "renew_at_expiry", None)
    assert (new.theory_attempts, new.practical_attempts, new.after_last_failure) == (None, 5, "theory_again")
    assert (new.min_education, new.application_region, new.verification) == ("", "nationwide", "unverified")
    hazchem = service.rule_in_force(db, f.category(db, "T-9.1").id, date(2026, 6, 1))
    assert hazchem.min_education == "senior_middle"
    assert source_of(new, "renewal.window_days")["status"] == "unverified"
    assert source_of(old, "retake.carry_over_months")["article"] == "第10条"
    assert source_of(old, "pass_mark")["document"] == old.source
