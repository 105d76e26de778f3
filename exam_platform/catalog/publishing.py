"""Publishing a new version of a category group's rule set from the browser (the regulator's form).

A proposal names the effective date, the source and its verification status, and the values the form edits
(renewal model and its numbers, retakes per part, validity, pass mark). It is checked by the same rules as
``import-catalog`` (``service.check_rule``), refused when it would contradict decisions already made (a new version
dated in the past, except a correction of an existing version on its own date), previewed for its impact, and
stored for every category of the group — a correction in place, a new version as a new row. Every decision reads
the rule sets from the database, so the next one follows the published version without a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import ValidationError
from ..yamlfile import YamlProblem
from .models import Category, RuleSet
from .service import RULE_FIELDS, check_rule

#: Columns the publish form sets (everything else is carried over per category from the version it follows).
FORM_COLUMNS = ("source", "verification", "renewal_model", "review_interval_years", "review_interval_clean_years",
                "clean_record_years", "review_window_days", "refresher_hours", "renewal_transition",
                "renewal_requirements", "theory_attempts", "practical_attempts", "after_last_failure", "retakes",
                "result_valid_months", "validity_years", "pass_mark", "sources", "blocking_violations")


@dataclass
class Proposal:
    group: str
    effective_from: date
    source: str
    verification: str  # verified | unverified
    renewal_model: str
    review_interval_years: int | None
    review_window_days: int
    refresher_hours: int
    transition: bool
    theory_attempts: int | None  # None: unlimited
    practical_attempts: int | None
    after_last_failure: str
    validity_years: int
    pass_mark: int
    values: dict[int, dict[str, Any]] = field(default_factory=dict)  # category id → RuleSet columns


def group_categories(session: Session, group: str) -> list[Category]:
    return list(session.scalars(select(Category).where(Category.group == group, Category.active.is_(True))
                                .order_by(Category.position)))


def _base(session: Session, category_id: int, on: date) -> RuleSet | None:
    return session.scalar(select(RuleSet).where(RuleSet.category_id == category_id, RuleSet.effective_from <= on)
                          .order_by(RuleSet.effective_from.desc()).limit(1))


def _profile(rule: RuleSet, p: Proposal) -> dict[str, Any]:
    """The proposal as a catalogue profile (the shape ``import-catalog`` reads), on top of ``rule``."""
    flat = {k: getattr(rule, k) for k in RULE_FIELDS if k not in (
        "refresher_hours", "review_interval_years", "review_interval_clean_years", "clean_record_years",
        "review_window_days", "blocking_violations", "retakes", "result_valid_months", "min_age")}
    flat.update(source=p.source, effective_from=p.effective_from, validity_years=p.validity_years,
                pass_mark=p.pass_mark)
    if p.renewal_model == "periodic_review":
        renewal = {"model": "periodic_review", "interval_years": p.review_interval_years,
                   "window_days": p.review_window_days, "refresher_hours": p.refresher_hours}
        if rule.review_interval_clean_years and rule.clean_record_years:
            renewal.update(clean_interval_years=rule.review_interval_clean_years,
                           clean_record_years=rule.clean_record_years)
        if rule.blocking_violations is not None:
            renewal["blocking_violations"] = rule.blocking_violations
    else:
        renewal = {"model": "renew_at_expiry", "window_days": p.review_window_days,
                   "refresher_hours": p.refresher_hours, "requirements": rule.renewal_requirements or "",
                   "transition": "renew_at_expiry" if p.transition else "keep_schedule"}
    retake = {"theory_attempts": p.theory_attempts or "unlimited",
              "practical_attempts": p.practical_attempts or "unlimited",
              "after_last_failure": p.after_last_failure, "carry_over_months": rule.result_valid_months}
    return {**{k: v for k, v in flat.items() if v is not None}, "renewal": renewal, "retake": retake,
            "eligibility": {"min_age": rule.min_age, "education": rule.min_education,
                            "training_exemption": rule.training_exemption},
            "application_region": rule.application_region, "status": p.verification}


def prepare(session: Session, p: Proposal, *, today: date) -> Proposal:
    """Check the proposal for every category of the group; fill ``p.values``. Raises ValidationError."""
    cats = group_categories(session, p.group)
    if not cats:
        raise ValidationError(_l("该分组没有类别"), field="group")
    if not p.source.strip():
        raise ValidationError(_l("请填写依据（文件名称与条款）"), field="source")
    existing = set(session.scalars(select(RuleSet.effective_from).join(Category).where(Category.group == p.group)))
    if p.effective_from < today and p.effective_from not in existing:
        raise ValidationError(_l("生效日期早于今天：已按现行规则作出的决定不能追溯改变。"
                                 "更正现有版本请使用该版本的生效日期"), field="effective_from")
    if not existing or p.effective_from < min(existing):
        raise ValidationError(_l("生效日期不能早于该分组最早的规则版本"), field="effective_from")
    if p.renewal_model == "periodic_review" and not p.review_interval_years:
        raise ValidationError(_l("定期复审需要填写复审间隔（年）"), field="review_interval_years")
    for cat in cats:
        base = _base(session, cat.id, p.effective_from)
        if base is None:
            raise ValidationError(_l("类别 %(c)s 在该日期没有规则集", c=cat.label), field="effective_from")
        profile = _profile(base, p)
        try:
            values = check_rule("表单", profile, profile, "表单")
        except YamlProblem as problem:
            raise ValidationError(problem.reason.replace("规则集 表单：", ""), code="bad_rule_set") from None
        values.pop("_items", None)
        values.update(min_age=base.min_age, min_education=base.min_education,
                      training_exemption=base.training_exemption, sources={},
                      verification=p.verification)
        p.values[cat.id] = {k: values[k] for k in FORM_COLUMNS} | {"_base": base}
    return p


def publish(session: Session, p: Proposal, *, actor: Any, now: datetime) -> dict[str, int]:
    """Store a prepared proposal: a correction in place (same effective date), else a new version per category."""
    counts = {"added": 0, "corrected": 0}
    for values in p.values.values():
        base: RuleSet = values["_base"]
        columns = {k: v for k, v in values.items() if k != "_base"}
        if base.effective_from == p.effective_from:
            before = {k: _plain(getattr(base, k)) for k in columns}
            for key, value in columns.items():
                setattr(base, key, value)
            counts["corrected"] += 1
            audit.record(session, actor=actor, action="catalog.rule_set_correct", target=base, before=before,
                         after={k: _plain(v) for k, v in columns.items()}, at=now)
        else:
            carried = {c.key: getattr(base, c.key) for c in RuleSet.__table__.columns
                       if c.key not in ("id", "effective_from", "profile")}
            row = RuleSet(**{**carried, **columns, "effective_from": p.effective_from,
                             "profile": f"{base.profile.split('@')[0]}@{p.effective_from.isoformat()}"})
            session.add(row)
            session.flush()
            counts["added"] += 1
            audit.record(session, actor=actor, action="catalog.rule_set_publish", target=row,
                         after={k: _plain(v) for k, v in columns.items()} | {"effective_from": p.effective_from
                                                                              .isoformat()}, at=now)
    session.flush()
    return counts


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
