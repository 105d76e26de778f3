"""Writing rule-set versions back as ``catalog.yaml`` profiles (a version published or corrected in the browser).

``import-catalog`` stays the bulk path and would overwrite a browser correction with the file's older values; the
regulator (or ``flask catalog export-rules``) exports the group's versions in the shape the file reads, to paste
over the profiles of the same name. Importing the exported profiles reproduces the same rows (tested).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Category, RuleSet
from .service import RULE_FIELDS

#: Flat fields a shape block states instead (catalog/shapes.py FLAT_EQUIVALENT).
_BLOCKED = ("refresher_hours", "review_interval_years", "review_interval_clean_years", "clean_record_years",
            "review_window_days", "blocking_violations", "retakes", "result_valid_months", "min_age")


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # the loader refuses anchors and aliases
        return True


def profile_of(rule: RuleSet, members: list[RuleSet], codes: dict[int, str]) -> dict[str, Any]:
    """One rule set as a catalogue profile; eligibility that differs per category becomes ``eligibility.items``."""
    out: dict[str, Any] = {}
    for key in RULE_FIELDS:
        value = getattr(rule, key)
        if key in _BLOCKED or value is None or (key == "number_prefix" and not value):
            continue
        out[key] = value
    if rule.renewal_model == "periodic_review" and not rule.review_interval_years:
        out.update({k: getattr(rule, k) for k in ("refresher_hours", "review_window_days")})
        for key in ("review_interval_clean_years", "clean_record_years", "blocking_violations"):
            if getattr(rule, key) is not None:
                out[key] = getattr(rule, key)
    elif rule.renewal_model == "periodic_review":
        renewal: dict[str, Any] = {"model": "periodic_review", "interval_years": rule.review_interval_years}
        if rule.review_interval_clean_years and rule.clean_record_years:
            renewal.update(clean_interval_years=rule.review_interval_clean_years,
                           clean_record_years=rule.clean_record_years)
        renewal.update(window_days=rule.review_window_days, refresher_hours=rule.refresher_hours)
        if rule.blocking_violations is not None:
            renewal["blocking_violations"] = rule.blocking_violations
        if rule.renewal_requirements:
            renewal["requirements"] = rule.renewal_requirements
        out["renewal"] = renewal
    else:
        out["renewal"] = {"model": "renew_at_expiry", "window_days": rule.review_window_days,
                          "refresher_hours": rule.refresher_hours, "requirements": rule.renewal_requirements,
                          "transition": rule.renewal_transition or "keep_schedule"}
        if rule.blocking_violations is not None:
            out["renewal"]["blocking_violations"] = rule.blocking_violations
    out["retake"] = {"theory_attempts": rule.theory_attempts or "unlimited",
                     "practical_attempts": rule.practical_attempts or "unlimited",
                     "after_last_failure": rule.after_last_failure, "carry_over_months": rule.result_valid_months}
    common = {key: Counter(getattr(m, col) for m in members).most_common(1)[0][0]
              for key, col in (("min_age", "min_age"), ("education", "min_education"),
                               ("training_exemption", "training_exemption"))}
    eligibility: dict[str, Any] = dict(common)
    items = {}
    for m in members:
        differs = {key: getattr(m, col) for key, col in (("min_age", "min_age"), ("education", "min_education"),
                                                         ("training_exemption", "training_exemption"))
                   if getattr(m, col) != common[key]}
        if differs:
            items[codes[m.category_id]] = differs
    if items:
        eligibility["items"] = items
    out["eligibility"] = eligibility
    out["application_region"] = rule.application_region
    out["status"] = rule.verification
    if rule.sources:
        out["sources"] = rule.sources
    return out


def _plain(value: Any) -> Any:
    """Plain dicts and lists (values read from the file may still be the loader's line-numbered mappings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def rules_yaml(session: Session, group: str) -> str:
    """The group's rule-set versions as a ``rule_profiles`` document, with the categories listing each."""
    rows = session.execute(select(RuleSet, Category.code).join(Category, Category.id == RuleSet.category_id)
                           .where(Category.group == group).order_by(RuleSet.effective_from, Category.position)).all()
    codes = {rule.category_id: code for rule, code in rows}
    by_profile: dict[tuple[date, str], list[RuleSet]] = {}
    for rule, _code in rows:
        by_profile.setdefault((rule.effective_from, rule.profile), []).append(rule)
    profiles = {name: profile_of(members[0], members, codes) for (_day, name), members in by_profile.items()}
    body = yaml.dump({"rule_profiles": _plain(profiles)}, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=120)
    listing = "\n".join(f"#   {name}: {', '.join(codes[m.category_id] for m in members)}"
                        for (_day, name), members in by_profile.items())
    return ("# 规则版本导出（catalog.yaml 格式）：把下列规则集粘贴到 question_banks/catalog.yaml 的\n"
            "# rule_profiles 下，"
            "替换同名规则集；新版本另须写入各类别的 rules 列表。之后 import-catalog 不会覆盖浏览器中发布的更正。\n"
            "# Exported rule-set versions in catalog.yaml form: paste over the profiles of the same name under\n"
            "# rule_profiles; list a new version under the rules of its categories.\n"
            f"# 各规则集所属类别 / categories per profile:\n{listing}\n" + body)
