"""The catalogue: loading ``question_banks/catalog.yaml`` and asking which rules are in force.

A rule is never a constant in code: ``rule_in_force(session, category, on)`` is the rule set whose
``effective_from`` is the latest on or before ``on``. Loading the file again is idempotent; a file with
any problem is refused whole, naming the file, the line and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import NotFound, ValidationError
from ..paths import ROOT
from ..yamlfile import YamlProblem, line_of, load_file, load_text
from . import shapes, versions
from .models import Category, RuleSet

CATALOG_FILE = ROOT / "question_banks" / "catalog.yaml"
GROUPS = {"principal": "主要负责人", "manager": "安全生产管理人员", "special": "特种作业人员",
          "fireworks_retail": "烟花爆竹零售"}

# Field → (type, required). Optional fields default to None.
RULE_FIELDS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "source": (str, True), "effective_from": (date, True),
    "initial_hours": (int, True), "refresher_hours": (int, True), "completion_valid_months": (int, True),
    "theory_minutes": (int, True), "pass_mark": (int, True), "retakes": (int, True),
    "result_valid_months": (int, True), "exam_within_days": (int, True), "publish_within_workdays": (int, True),
    "practical_required": (bool, True), "practical_pass_mark": (int, True), "practical_minutes": (int, True),
    "practical_subjects": (list, False),
    "validity_years": (int, True), "review_interval_years": (int, False), "review_interval_clean_years": (int, False),
    "clean_record_years": (int, False), "review_window_days": (int, True), "blocking_violations": (int, False),
    "issuance": (str, True), "numbering": (str, True), "number_prefix": (str, False), "min_age": (int, True),
}


@dataclass
class LoadSummary:
    categories_added: int = 0
    categories_updated: int = 0
    rule_sets_added: int = 0
    rule_sets_updated: int = 0
    catalogue_versions_added: int = 0
    catalogue_versions_updated: int = 0
    catalogue_items_added: int = 0
    catalogue_items_updated: int = 0
    catalogue_items_removed: int = 0

    @property
    def changed(self) -> bool:
        return any(self.__dict__.values())


def check_rule(profile_name: str, raw: dict, merged: dict, file: str) -> dict:
    """Check one profile (``merged``: after ``extends``); return its RuleSet values (eligibility items: ``_items``)."""
    line = line_of(raw)
    for key in merged:
        if key not in RULE_FIELDS and key not in shapes.SHAPE_KEYS and key != "extends":
            raise YamlProblem(file, line, f"规则集 {profile_name}：未知字段 {key}")
    shaped = shapes.check_shapes(profile_name, raw, merged, file)
    profile = {**merged, **{k: v for k, v in shaped.items() if k in RULE_FIELDS}}
    out: dict[str, Any] = {}
    for key, (kind, required) in RULE_FIELDS.items():
        value = profile.get(key)
        if value is None:
            if required:
                raise YamlProblem(file, line, f"规则集 {profile_name}：缺少字段 {key}")
            out[key] = [] if kind is list else ("" if kind is str else None)
            continue
        if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise YamlProblem(file, line, f"规则集 {profile_name}：{key} 应为非负整数")
        if kind is not int and not isinstance(value, kind):
            raise YamlProblem(file, line, f"规则集 {profile_name}：{key} 的类型不正确")
        out[key] = value
    if not 0 < out["pass_mark"] <= 100 or not 0 < out["practical_pass_mark"] <= 100:
        raise YamlProblem(file, line, f"规则集 {profile_name}：及格分应在 1–100 之间")
    if out["issuance"] not in ("approval", "immediate"):
        raise YamlProblem(file, line, f"规则集 {profile_name}：issuance 应为 approval 或 immediate")
    if out["practical_required"]:
        weights = [s.get("weight") for s in out["practical_subjects"] if isinstance(s, dict)]
        if len(weights) != len(out["practical_subjects"]) or sum(w or 0 for w in weights) != 100:
            raise YamlProblem(file, line, f"规则集 {profile_name}：实操科目权重之和应为 100")
    if out["review_interval_years"] and out["review_interval_years"] > out["validity_years"]:
        raise YamlProblem(file, line, f"规则集 {profile_name}：复审间隔不能长于证书有效期")
    out.update({k: v for k, v in shaped.items() if k not in RULE_FIELDS})
    return out


def parse_catalog(data: Any, file: str) -> tuple[list[dict], dict[str, dict]]:
    """Validate the whole document; return (categories, resolved profiles) or raise YamlProblem."""
    if not isinstance(data, dict) or "categories" not in data or "rule_profiles" not in data:
        raise YamlProblem(file, 1, "文件应包含 rule_profiles 与 categories")
    raw_profiles = data["rule_profiles"]
    if not isinstance(raw_profiles, dict):
        raise YamlProblem(file, line_of(data), "rule_profiles 应为映射")
    resolved: dict[str, dict] = {}
    for name, profile in raw_profiles.items():
        if not isinstance(profile, dict):
            raise YamlProblem(file, line_of(raw_profiles), f"规则集 {name} 应为映射")
        merged: dict[str, Any] = {}
        base = profile.get("extends")
        if base is not None:
            if base not in raw_profiles or raw_profiles[base].get("extends"):
                raise YamlProblem(file, line_of(profile), f"规则集 {name}：extends 指向未知或多级的规则集 {base}")
            merged.update(raw_profiles[base])
        merged.update(profile)
        merged.pop("extends", None)
        resolved[name] = check_rule(name, profile, merged, file)
    categories = data["categories"]
    if not isinstance(categories, list) or not categories:
        raise YamlProblem(file, line_of(data), "categories 应为非空列表")
    seen: set[str] = set()
    for cat in categories:
        line = line_of(cat)
        if not isinstance(cat, dict):
            raise YamlProblem(file, None, "每个类别应为映射")
        for key in ("code", "name", "group", "rules"):
            if not cat.get(key):
                raise YamlProblem(file, line, f"类别缺少字段 {key}")
        if cat["code"] in seen:
            raise YamlProblem(file, line, f"类别代码重复：{cat['code']}")
        seen.add(cat["code"])
        if cat["group"] not in GROUPS:
            raise YamlProblem(file, line, f"类别 {cat['code']}：未知分组 {cat['group']}")
        dates = set()
        if not isinstance(cat["rules"], list):
            raise YamlProblem(file, line, f"类别 {cat['code']}：rules 应为列表")
        for rule_name in cat["rules"]:
            if rule_name not in resolved:
                raise YamlProblem(file, line, f"类别 {cat['code']}：未知规则集 {rule_name}")
            eff = resolved[rule_name]["effective_from"]
            if eff in dates:
                raise YamlProblem(file, line, f"类别 {cat['code']}：两个规则集的生效日期相同")
            dates.add(eff)
    known = {c["code"] for c in categories} | {c.get("class_code") for c in categories if c.get("class_code")}
    for name, values in resolved.items():
        unknown = sorted(set(values["_items"]) - known)
        if unknown:
            raise YamlProblem(file, line_of(raw_profiles[name]),
                              f"规则集 {name}：eligibility.items 中的未知操作项目 {', '.join(unknown)}")
    return categories, resolved


def load_catalog(session: Session, *, actor: Any = None, path: Path | None = None, text: str | None = None,
                 now: datetime) -> LoadSummary:
    """Create or update categories and rule sets from the catalogue file (all or nothing)."""
    try:
        if text is not None:
            data, file = load_text(text, "catalog.yaml"), "catalog.yaml"
        else:
            path = path or CATALOG_FILE
            data, file = load_file(path), Path(path).name
        categories, profiles = parse_catalog(data, file)
        catalogue = versions.parse(data, categories, file)
    except YamlProblem as problem:
        raise ValidationError(str(problem), code="bad_catalog") from None

    summary = LoadSummary()
    existing = {c.code: c for c in session.scalars(select(Category))}
    for position, cat in enumerate(categories):
        values = {"name": cat["name"], "group": cat["group"], "class_code": cat.get("class_code", ""),
                  "class_name": cat.get("class_name", ""), "industry": cat.get("industry", ""),
                  "certificate_name": cat.get("certificate_name", ""), "position": position}
        row = existing.get(cat["code"])
        if row is None:
            row = Category(code=cat["code"], **values)
            session.add(row)
            session.flush()
            summary.categories_added += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            summary.categories_updated += 1
        by_date = {r.effective_from: r for r in row.rule_sets}
        for rule_name in cat["rules"]:
            values = {"profile": rule_name, **shapes.for_category(profiles[rule_name], code=cat["code"],
                                                                  class_code=cat.get("class_code", ""))}
            rule = by_date.get(values["effective_from"])
            if rule is None:
                session.add(RuleSet(category_id=row.id, **values))
                summary.rule_sets_added += 1
            elif any(getattr(rule, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(rule, k, v)
                summary.rule_sets_updated += 1
    session.flush()
    loaded = versions.load(session, catalogue)
    summary.catalogue_versions_added = loaded.versions_added
    summary.catalogue_versions_updated = loaded.versions_updated
    summary.catalogue_items_added, summary.catalogue_items_updated = loaded.items_added, loaded.items_updated
    summary.catalogue_items_removed = loaded.items_removed
    if summary.changed:
        audit.record(session, actor=actor, action="catalog.load", target_type="Catalog", target_id=file,
                     after=summary.__dict__, at=now)
    return summary


def categories(session: Session, *, group: str | None = None) -> list[Category]:
    stmt = select(Category).where(Category.active.is_(True)).order_by(Category.position)
    if group:
        stmt = stmt.where(Category.group == group)
    return list(session.scalars(stmt))


def get_category(session: Session, code: str) -> Category:
    cat = session.scalar(select(Category).where(Category.code == code))
    if cat is None:
        raise NotFound()
    return cat


def rule_in_force(session: Session, category_id: int, on: date) -> RuleSet:
    """The rule set governing ``category_id`` on the date ``on``."""
    rule = session.scalar(
        select(RuleSet).where(RuleSet.category_id == category_id, RuleSet.effective_from <= on)
        .order_by(RuleSet.effective_from.desc()).limit(1))
    if rule is None:
        raise NotFound(f"该类别在 {on} 没有生效的规则集")
    return rule
