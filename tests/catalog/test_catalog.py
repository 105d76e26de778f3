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
    assert "低压电工作业" in page and ("原安监总局令第30号" in page or "应急管理部令第19号" in page)
    assert "special-30" not in page and "special-19" not in page  # rule sets by their regulation, not their id
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


def _publish_form(**changes):
    values = {"effective_from": "2026-06-01", "source": "应急管理部令第19号（原文核对后更正）",
              "verification": "verified",
              "renewal_model": "periodic_review", "review_interval_years": "3", "review_window_days": "60",
              "refresher_hours": "8", "theory_attempts": "", "practical_attempts": "5",
              "after_last_failure": "theory_again", "validity_years": "6", "pass_mark": "80"}
    values.update(changes)
    return values


def test_rule_versions_side_by_side_with_the_unverified_mark(client, db):
    regulator = f.user(db, "regulator")
    db.commit()
    f.login_as(client, regulator)
    page = client.get("/catalog/rules/special").get_data(as_text=True)
    assert "自 2010-07-01 起" in page and "自 2026-06-01 起" in page
    assert "未经原文核对" in page and "已改：" in page and "不复审；有效期届满前 60 日内申请换证" in page
    assert "special-19" not in page and "renew_at_expiry" not in page.split("<form")[0]  # words, not codes


def test_publishing_a_corrected_version_previews_the_impact_then_every_decision_follows(client, db, app, tmp_path,
                                                                                        monkeypatch):
    """The regulator restores 复审 in special-19 (a correction on its own date): the preview counts the
    certificates whose next action changes; after publishing, issuance and next actions follow at once."""
    from sqlalchemy import select as sel

    from exam_platform.audit import AuditRecord
    from exam_platform.certificates import rules as cert_rules
    from tests.certificates import factories as cf

    monkeypatch.setitem(app.config, "CERT_KEY_DIR", str(tmp_path))
    with app.test_request_context():
        cert = cf.issued_certificate(db)  # issued 2026-11-02 under special-19: 换证 at expiry
    regulator = f.user(db, "regulator")
    db.commit()
    assert cert.next_review_due == cert.valid_until
    f.login_as(client, regulator)
    bad = client.post("/catalog/rules/special", data=_publish_form(effective_from="2026-07-01", preview="1"))
    assert bad.status_code == 400 and "不能追溯" in bad.get_data(as_text=True)
    bad = client.post("/catalog/rules/special", data=_publish_form(review_interval_years="", preview="1"))
    assert bad.status_code == 400 and "复审间隔" in bad.get_data(as_text=True)
    preview = client.post("/catalog/rules/special", data=_publish_form(preview="1"))
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'data-impact="certificates"' in text
    assert "下一步改变的证书：1 张" in text
    db.expire_all()
    assert service.rule_in_force(db, cert.category_id, date(2026, 11, 2)).renewal_model == "renew_at_expiry"
    done = client.post("/catalog/rules/special", data=_publish_form(publish="1"))
    assert done.status_code == 302
    db.expire_all()
    rule = service.rule_in_force(db, cert.category_id, date(2026, 11, 2))
    assert (rule.renewal_model, rule.review_interval_years, rule.verification) == ("periodic_review", 3, "verified")
    assert rule.theory_attempts is None and rule.practical_attempts == 5
    fresh = db.get(type(cert), cert.id)
    assert cert_rules.certificate_next_action(fresh).kind == "review"
    assert fresh.next_review_due == cert_rules.period_end(fresh.issued_on, 3)
    actions = set(db.scalars(sel(AuditRecord.action).where(AuditRecord.action.like("catalog.%"))))
    assert "catalog.rule_set_correct" in actions
    with app.test_request_context():
        other = cf.issued_certificate(db)
    assert other.next_review_due == cert_rules.period_end(other.issued_on, 3)  # no restart needed
