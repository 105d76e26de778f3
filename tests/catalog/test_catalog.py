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
    (("    pass_mark: 80\n    retakes: 1   ", "    pass_mark: 180\n    retakes: 1   "), True, "及格分"),
    (("  - code: T-1.3\n", "  - code: T-1.2\n"), True, "类别代码重复"),
    (("    rules: [special-30, special-19]\n", "    rules: [special-30, special-99]\n"), True, "未知规则集"),
    (("version: 1\n", "version: 1\nbomb: &a [1, 2]\nmore: *a\n"), True, "anchors"),
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
