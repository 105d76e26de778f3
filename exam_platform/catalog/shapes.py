"""Rule-set shapes: the ``renewal``, ``retake`` and ``eligibility`` blocks of a profile and their provenance.

A profile in ``catalog.yaml`` may state its renewal model, retake policy per part, eligibility per 操作项目, where
one may apply, and for every field or block its source (document, article) and verification status. This module
checks those blocks and turns them into the columns of a ``RuleSet`` row (docs/rules.md). It knows no rule
number: every number comes from the file.
"""

from __future__ import annotations

from typing import Any

from ..yamlfile import YamlProblem, line_of

RENEWAL_MODELS = ("periodic_review", "renew_at_expiry")
TRANSITIONS = ("renew_at_expiry", "keep_schedule")
AFTER_LAST_FAILURE = ("retrain", "theory_again")
EDUCATION = ("", "junior_middle", "senior_middle")
EXEMPTIONS = ("", "skill_certificate")
REGIONS = ("nationwide", "residence_or_work")
STATUSES = ("verified", "unverified")

#: Block → field → (kind, required-for-model or None). "attempts" is a positive integer or "unlimited".
BLOCK_FIELDS: dict[str, dict[str, str]] = {
    "renewal": {"model": "str", "interval_years": "int", "clean_interval_years": "int", "clean_record_years": "int",
                "window_days": "int", "refresher_hours": "int", "blocking_violations": "int",
                "requirements": "str", "transition": "str"},
    "retake": {"theory_attempts": "attempts", "practical_attempts": "attempts", "after_last_failure": "str",
               "carry_over_months": "int"},
    "eligibility": {"min_age": "int", "education": "str", "training_exemption": "str", "items": "map"},
}
#: Flat fields a block replaces (a profile states one or the other, never both).
FLAT_EQUIVALENT = {
    "renewal": ("refresher_hours", "review_interval_years", "review_interval_clean_years", "clean_record_years",
                "review_window_days", "blocking_violations"),
    "retake": ("retakes", "result_valid_months"),
    "eligibility": ("min_age",),
}
SHAPE_KEYS = (*BLOCK_FIELDS, "application_region", "status", "sources")


def _problem(file: str, node: Any, name: str, reason: str) -> YamlProblem:
    return YamlProblem(file, line_of(node), f"规则集 {name}：{reason}")


def _check_block(block_name: str, block: Any, name: str, file: str, parent: Any) -> dict:
    if not isinstance(block, dict):
        raise _problem(file, parent, name, f"{block_name} 应为映射")
    fields = BLOCK_FIELDS[block_name]
    for key, value in block.items():
        kind = fields.get(key)
        if kind is None:
            raise _problem(file, block, name, f"{block_name} 中的未知字段 {key}")
        ok = {"str": isinstance(value, str), "map": isinstance(value, dict),
              "int": isinstance(value, int) and not isinstance(value, bool) and value >= 0,
              "attempts": value == "unlimited" or (isinstance(value, int) and not isinstance(value, bool)
                                                   and value >= 1)}[kind]
        if not ok:
            want = {"str": "文字", "map": "映射", "int": "非负整数", "attempts": "正整数或 unlimited"}[kind]
            raise _problem(file, block, name, f"{block_name}.{key} 应为{want}")
    return block


def _require(block: dict, keys: tuple[str, ...], block_name: str, name: str, file: str) -> None:
    for key in keys:
        if block.get(key) is None:
            raise _problem(file, block, name, f"{block_name} 缺少字段 {key}")


def _one_of(value: Any, allowed: tuple[str, ...], label: str, node: Any, name: str, file: str) -> None:
    if value not in allowed:
        raise _problem(file, node, name, f"{label} 应为 {' / '.join(a or '（空）' for a in allowed)} 之一")


def check_shapes(name: str, raw: dict, merged: dict, file: str) -> dict[str, Any]:
    """Check the shape blocks of a profile; return the RuleSet column values they set (plus ``_items``)."""
    out: dict[str, Any] = {}
    for block_name, flats in FLAT_EQUIVALENT.items():
        if block_name in raw:
            both = [k for k in flats if k in raw]
            if both:
                raise _problem(file, raw, name, f"{block_name} 与字段 {', '.join(both)} 重复，只写一处")
    renewal = merged.get("renewal")
    if renewal is not None:
        renewal = _check_block("renewal", renewal, name, file, raw)
        model = renewal.get("model")
        _one_of(model, RENEWAL_MODELS, "renewal.model", renewal, name, file)
        if model == "periodic_review":
            _require(renewal, ("interval_years", "window_days", "refresher_hours"), "renewal", name, file)
            if not renewal["interval_years"]:
                raise _problem(file, renewal, name, "renewal.interval_years 应大于 0")
            if bool(renewal.get("clean_interval_years")) != bool(renewal.get("clean_record_years")):
                raise _problem(file, renewal, name,
                               "renewal.clean_interval_years 与 clean_record_years 应同时给出")
            if renewal.get("transition") is not None:
                raise _problem(file, renewal, name, "renewal.transition 只用于 renew_at_expiry")
        else:
            _require(renewal, ("window_days",), "renewal", name, file)
            for key in ("interval_years", "clean_interval_years", "clean_record_years"):
                if renewal.get(key) is not None:
                    raise _problem(file, renewal, name, f"renew_at_expiry 没有复审，不能有 renewal.{key}")
            _one_of(renewal.get("transition", "keep_schedule"), TRANSITIONS, "renewal.transition", renewal, name,
                    file)
        out.update(renewal_model=model, review_interval_years=renewal.get("interval_years"),
                   review_interval_clean_years=renewal.get("clean_interval_years"),
                   clean_record_years=renewal.get("clean_record_years"), review_window_days=renewal["window_days"],
                   refresher_hours=renewal.get("refresher_hours", 0),
                   blocking_violations=renewal.get("blocking_violations"),
                   renewal_requirements=renewal.get("requirements", ""),
                   renewal_transition="renew_at_expiry" if renewal.get("transition") == "renew_at_expiry" else "")
    else:
        out.update(renewal_model="periodic_review", renewal_transition="", renewal_requirements="")
    retake = merged.get("retake")
    if retake is not None:
        retake = _check_block("retake", retake, name, file, raw)
        _require(retake, ("theory_attempts", "practical_attempts", "after_last_failure", "carry_over_months"),
                 "retake", name, file)
        _one_of(retake["after_last_failure"], AFTER_LAST_FAILURE, "retake.after_last_failure", retake, name, file)
        theory = None if retake["theory_attempts"] == "unlimited" else retake["theory_attempts"]
        practical = None if retake["practical_attempts"] == "unlimited" else retake["practical_attempts"]
        out.update(theory_attempts=theory, practical_attempts=practical,
                   after_last_failure=retake["after_last_failure"], result_valid_months=retake["carry_over_months"],
                   retakes=(theory - 1) if theory else 0)
    elif "retakes" in merged:
        attempts = merged["retakes"] + 1 if isinstance(merged["retakes"], int) else None
        out.update(theory_attempts=attempts, practical_attempts=attempts, after_last_failure="retrain")
    eligibility = merged.get("eligibility")
    items: dict = {}
    if eligibility is not None:
        eligibility = _check_block("eligibility", eligibility, name, file, raw)
        _require(eligibility, ("min_age",), "eligibility", name, file)
        _one_of(eligibility.get("education", ""), EDUCATION, "eligibility.education", eligibility, name, file)
        _one_of(eligibility.get("training_exemption", ""), EXEMPTIONS, "eligibility.training_exemption",
                eligibility, name, file)
        items = eligibility.get("items") or {}
        for key, item in items.items():
            if not isinstance(item, dict) or set(item) - {"education", "min_age", "training_exemption"}:
                raise _problem(file, eligibility, name,
                               f"eligibility.items.{key} 只能有 education、min_age、training_exemption")
            _one_of(item.get("education", ""), EDUCATION, f"eligibility.items.{key}.education", eligibility, name,
                    file)
            _one_of(item.get("training_exemption", ""), EXEMPTIONS, f"eligibility.items.{key}.training_exemption",
                    eligibility, name, file)
            age = item.get("min_age", 0)
            if not isinstance(age, int) or isinstance(age, bool) or age < 0:
                raise _problem(file, eligibility, name, f"eligibility.items.{key}.min_age 应为非负整数")
        out.update(min_age=eligibility["min_age"], min_education=eligibility.get("education", ""),
                   training_exemption=eligibility.get("training_exemption", ""))
    else:
        out.update(min_education="", training_exemption="")
    out["_items"] = items
    region = merged.get("application_region", "nationwide")
    _one_of(region, REGIONS, "application_region", raw, name, file)
    status = merged.get("status", "verified")
    _one_of(status, STATUSES, "status", raw, name, file)
    out.update(application_region=region, verification=status, sources=_check_sources(name, merged, file, raw))
    return out


def _check_sources(name: str, merged: dict, file: str, raw: dict) -> dict:
    sources = merged.get("sources") or {}
    if not isinstance(sources, dict):
        raise _problem(file, raw, name, "sources 应为映射")
    known = set(BLOCK_FIELDS) | {f"{b}.{k}" for b, fields in BLOCK_FIELDS.items() for k in fields} | {
        "application_region", "practical", "theory", "validity_years", "numbering"}
    out = {}
    for key, entry in sources.items():
        if key not in known:
            raise _problem(file, sources, name, f"sources 中的未知字段 {key}")
        if not isinstance(entry, dict) or not isinstance(entry.get("document"), str) or not entry["document"]:
            raise _problem(file, sources, name, f"sources.{key} 应写明 document（出处）")
        status = entry.get("status", merged.get("status", "verified"))
        _one_of(status, STATUSES, f"sources.{key}.status", sources, name, file)
        out[key] = {"document": entry["document"], "article": str(entry.get("article", "")), "status": status}
    return out


def for_category(values: dict, *, code: str, class_code: str) -> dict:
    """A resolved profile's values for one category: eligibility items override by code, then by 作业类别."""
    out = {k: v for k, v in values.items() if k != "_items"}
    items = values.get("_items") or {}
    item = items.get(code) or items.get(class_code) or {}
    if "education" in item:
        out["min_education"] = item["education"]
    if "min_age" in item:
        out["min_age"] = item["min_age"]
    if "training_exemption" in item:
        out["training_exemption"] = item["training_exemption"]
    return out


def source_of(rule: Any, field: str) -> dict:
    """Where ``field`` (e.g. "renewal.interval_years") comes from: its own entry, its block's, else the set's."""
    sources = rule.sources or {}
    entry = sources.get(field) or sources.get(field.split(".")[0])
    if entry:
        return entry
    return {"document": rule.source, "article": "", "status": rule.verification}
