"""特种作业目录 as versioned data: the shipped versions, successors, adding an item by a data edit, refusals."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from exam_platform.catalog import service, versions
from exam_platform.catalog.models import CatalogueItem, CatalogueVersion
from exam_platform.errors import ValidationError
from tests import factories as f
from tests.conftest import FIXED_NOW


def _text() -> str:
    return Path(service.CATALOG_FILE).read_text(encoding="utf-8")


def _version(db, code):
    return db.scalar(select(CatalogueVersion).where(CatalogueVersion.code == code))


def test_shipped_versions_ling30_verified_and_2026_unverified_with_unknown_items(db):
    old, new = _version(db, "list-30"), _version(db, "list-2026")
    assert (old.status, old.reported_classes, old.reported_items, len(old.items), old.unknown_items) == (
        "verified", 11, 51, 51, 0)
    assert (new.status, new.reported_classes, new.reported_items, len(new.items), new.unknown_items) == (
        "unverified", 10, 54, 51, 3)
    assert all(i.status == "unverified" for i in new.items)
    assert str(new.effective_from) == "2026-06-01" and new.document == "应急〔2026〕45号"
    # every 令30 item maps to its carried-over successor, which names the same 操作项目
    for item in old.items:
        assert item.successor is not None and item.successor.version_id == new.id
        assert item.successor.code == item.code and item.successor.category_id == item.category_id
    assert all(i.successor_id is None for i in new.items)


def test_a_category_knows_the_catalogue_versions_it_belongs_to(db):
    cat = f.category(db, "T-1.2")
    assert [v.code for v in cat.catalogue_versions] == ["list-30", "list-2026"]
    assert f.category(db, "PRINCIPAL-HAZCHEM").catalogue_versions == []


def test_adding_an_item_is_a_data_edit_and_loading_is_idempotent(db):
    text = _text().replace(
        "    unknown_items: 3\n    carry_over: {from: list-30, status: unverified}\n",
        "    unknown_items: 2\n    carry_over: {from: list-30, status: unverified, except: [T-3.2]}\n"
        "    items:\n      - {code: T-3.3, name: 高处安装维护拆除作业（示例）, class_code: T-3, class_name: 高处作业,"
        " replaces: [T-3.2]}\n      - {code: T-11.1, name: 新增项目（示例）, class_code: T-11, class_name: 其他作业}\n")
    summary = service.load_catalog(db, text=text, now=FIXED_NOW)
    assert summary.catalogue_items_added == 2 and summary.catalogue_items_removed == 1
    new = _version(db, "list-2026")
    assert db.scalar(select(func.count(CatalogueItem.id)).where(CatalogueItem.version_id == new.id)) == 52
    retired = db.scalar(select(CatalogueItem).where(CatalogueItem.version_id == _version(db, "list-30").id,
                                                    CatalogueItem.code == "T-3.2"))
    assert retired.successor.code == "T-3.3" and retired.successor.category_id is None
    again = service.load_catalog(db, text=text, now=FIXED_NOW)
    assert not again.changed


@pytest.mark.parametrize("old, new, reason", [
    ("    unknown_items: 3\n", "    unknown_items: 4\n", "reported_items"),
    ("carry_over: {from: list-30,", "carry_over: {from: list-99,", "carry_over.from"),
    ("status: unverified}\n\ncategories", "status: unverified, except: [T-99.1]}\n\ncategories", "except"),
    ("    effective_from: 2026-06-01\n    status: unverified\n    source: 公开",
     "    effective_from: 2009-06-01\n    status: unverified\n    source: 公开", "从早到晚"),
    ("      T-1.1, T-1.2,", "      T-1.1, T-1.1,", "重复"),
    ("      T-1.1, T-1.2,", "      T-1.1, T-77.2,", "未知类别"),
    ("    reported_classes: 10\n", "    reported_classes: 10\n    colour: blue\n", "未知字段"),
    ("    document: 应急〔2026〕45号\n", "", "document"),
])
def test_a_bad_catalogue_version_is_refused_whole_with_line_and_reason(db, old, new, reason):
    text = _text()
    assert old in text
    before = db.scalar(select(func.count(CatalogueItem.id)))
    with pytest.raises(ValidationError) as err:
        service.load_catalog(db, text=text.replace(old, new, 1), now=FIXED_NOW)
    message = str(err.value.message)
    assert message.startswith("catalog.yaml:") and reason in message and int(message.split(":")[1]) > 0
    assert db.scalar(select(func.count(CatalogueItem.id))) == before


def test_overview_counts_and_retired_items(db):
    views = versions.overview(db)
    assert [v.version.code for v in views] == ["list-30", "list-2026"]
    assert (views[0].known_items, views[0].known_classes, views[0].carried, views[0].retired) == (51, 10, 51, [])
    assert (views[1].known_items, views[1].unverified_items, views[1].is_last) == (51, 51, True)


def test_rules_page_shows_catalogue_versions_with_the_unverified_mark(client, db):
    regulator = f.user(db, "regulator")
    db.commit()
    f.login_as(client, regulator)
    page = client.get("/catalog/rules/special").get_data(as_text=True)
    assert "特种作业目录（令30附件）" in page and "应急〔2026〕45号" in page
    assert "未经原文核对" in page and "54" in page and "list-2026" not in page


# ---- publishing write-back: a browser version exported as catalog.yaml profiles ------------------------------

def _with_profiles(exported: str) -> str:
    """The shipped file with its profiles replaced by the exported ones (as the docs tell a regulator to do)."""
    import yaml

    from exam_platform.catalog import export
    from exam_platform.yamlfile import load_text
    data = yaml.safe_load(_text())
    profiles = load_text(exported, "export.yaml")["rule_profiles"]
    data["rule_profiles"].update(export._plain(profiles))
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_exported_rules_import_back_unchanged_after_a_browser_correction(db):
    from datetime import date

    from exam_platform.catalog import export, publishing
    proposal = publishing.Proposal(
        group="special", effective_from=date(2026, 6, 1), source="应急管理部令第19号（原文核对后更正）",
        verification="verified", renewal_model="periodic_review", review_interval_years=3, review_window_days=60,
        refresher_hours=8, transition=False, theory_attempts=None, practical_attempts=5,
        after_last_failure="theory_again", validity_years=6, pass_mark=80)
    publishing.prepare(db, proposal, today=date(2026, 11, 2))
    publishing.publish(db, proposal, actor=None, now=FIXED_NOW)
    exported = export.rules_yaml(db, "special")
    assert "special-19:" in exported and "T-1.2" in exported
    # without the write-back, import-catalog would overwrite the correction …
    assert service.load_catalog(db, text=_text(), now=FIXED_NOW).rule_sets_updated == 51
    publishing.publish(db, proposal, actor=None, now=FIXED_NOW)
    # … with it, importing changes nothing: the file now says what was published
    summary = service.load_catalog(db, text=_with_profiles(exported), now=FIXED_NOW)
    assert summary.rule_sets_updated == 0 and summary.rule_sets_added == 0
    rule = service.rule_in_force(db, f.category(db, "T-1.2").id, date(2026, 6, 1))
    assert (rule.renewal_model, rule.review_interval_years, rule.verification) == ("periodic_review", 3, "verified")
    hazchem = service.rule_in_force(db, f.category(db, "T-9.1").id, date(2026, 6, 1))
    assert hazchem.min_education == "senior_middle"


@pytest.mark.parametrize("group", ["special", "principal", "manager", "fireworks_retail"])
def test_export_of_the_shipped_rules_imports_back_unchanged(db, group):
    from exam_platform.catalog import export
    summary = service.load_catalog(db, text=_with_profiles(export.rules_yaml(db, group)), now=FIXED_NOW)
    assert summary.rule_sets_updated == 0 and summary.rule_sets_added == 0


def test_rule_page_offers_the_export_download(client, db):
    regulator = f.user(db, "regulator")
    db.commit()
    f.login_as(client, regulator)
    assert "/catalog/rules/special/export" in client.get("/catalog/rules/special").get_data(as_text=True)
    response = client.get("/catalog/rules/special/export")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert "rule_profiles:" in response.get_data(as_text=True)
