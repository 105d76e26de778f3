"""Paper blueprints (组卷规则): checking, saving, and the default blueprints of the shipped banks.

A blueprint says how a paper is drawn from one bank of its category: sections (type × count × points),
optional topic quotas and difficulty mix, minutes, pass mark, what a candidate sees after submitting
(``score`` only, or ``wrong_answers`` with explanations) and whether multiple choice earns partial credit.
The points of a paper always add up to 100.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, clock
from ..catalog.service import rule_in_force
from ..errors import NotFound, ValidationError
from ..paths import ROOT
from ..yamlfile import YamlProblem, line_of, load_file
from .models import Bank, PaperRule
from .paper import QUESTION_TYPES

BLUEPRINTS_FILE = ROOT / "question_banks" / "blueprints.yaml"
REVIEW_POLICIES = ("score", "wrong_answers")
BLUEPRINT_PURPOSES = {"exam": "exam", "mock": "practice"}  # blueprint purpose → the bank purpose it draws from
TOTAL_POINTS = 100


@dataclass
class PaperRuleValues:
    """What an author edits; checked by ``check_values`` before anything is stored."""

    name: str
    bank_id: int
    purpose: str
    sections: list[dict]
    minutes: int
    pass_mark: int
    topic_quotas: dict[str, int] = field(default_factory=dict)
    difficulty_mix: dict[str, float] = field(default_factory=dict)
    review_policy: str = "score"
    partial_credit: bool = False
    active: bool = True

    @property
    def total_points(self) -> int:
        return sum(int(s["count"]) * int(s["points"]) for s in self.sections)


def check_values(session: Session, values: PaperRuleValues) -> tuple[Bank, list[tuple[str, Any]]]:
    """(bank, [(field, reason)…]) — the bank the values name and every rule they break."""
    found: list[tuple[str, Any]] = []
    bank = session.get(Bank, values.bank_id) if values.bank_id else None
    if bank is None:
        found.append(("bank_id", _l("请选择题库")))
    if not values.name.strip() or len(values.name.strip()) > 120:
        found.append(("name", _l("请填写名称（不超过120个字）")))
    if values.purpose not in BLUEPRINT_PURPOSES:
        found.append(("purpose", _l("用途应为正式考试或模拟考试")))
    elif bank is not None and bank.purpose != BLUEPRINT_PURPOSES[values.purpose]:
        found.append(("bank_id", _l("正式考试只能从考试题库组卷，模拟考试只能从练习题库组卷")))
    types_seen: set[str] = set()
    if not values.sections:
        found.append(("sections", _l("至少需要一个题型部分")))
    for s in values.sections:
        qtype = s.get("type")
        if qtype not in QUESTION_TYPES:
            found.append(("sections", _l("未知题型 %(type)s", type=qtype)))
            continue
        if qtype in types_seen:
            found.append(("sections", _l("每种题型只能出现一次")))
        types_seen.add(qtype)
        count, points = s.get("count"), s.get("points")
        if not isinstance(count, int) or not isinstance(points, int) or count < 1 or points < 1:
            found.append(("sections", _l("题数和每题分值应为正整数")))
    if not found or all(f != "sections" for f, _r in found):
        total = values.total_points
        if total != TOTAL_POINTS:
            found.append(("sections", _l("试卷总分应为 100 分，当前为 %(total)s 分", total=total)))
    if not 1 <= values.minutes <= 600:
        found.append(("minutes", _l("考试时长应在 1–600 分钟之间")))
    if not 1 <= values.pass_mark <= 100:
        found.append(("pass_mark", _l("及格分应在 1–100 之间")))
    if values.review_policy not in REVIEW_POLICIES:
        found.append(("review_policy", _l("交卷后显示内容无效")))
    for topic, quota in values.topic_quotas.items():
        if not topic.strip() or not isinstance(quota, int) or quota < 1:
            found.append(("topic_quotas", _l("知识点最少题数应写作“知识点: 题数”，题数为正整数")))
            break
    question_count = sum(int(s.get("count") or 0) for s in values.sections if isinstance(s.get("count"), int))
    if sum(q for q in values.topic_quotas.values() if isinstance(q, int)) > question_count:
        found.append(("topic_quotas", _l("各知识点最少题数之和超过了试卷总题数")))
    mix = values.difficulty_mix
    if mix:
        if any(k not in {"1", "2", "3", "4", "5"} or not isinstance(v, int | float) or v < 0 for k, v in mix.items()):
            found.append(("difficulty_mix", _l("难度比例应为难度 1–5 的非负百分比")))
        elif abs(sum(mix.values()) - 1.0) > 0.001:
            found.append(("difficulty_mix", _l("难度比例之和应为 100%")))
    if values.partial_credit and "multiple" not in types_seen:
        found.append(("partial_credit", _l("没有多选题时不能设置部分得分")))
    return bank, found


def _raise_first(found: list[tuple[str, Any]]) -> None:
    if found:
        field_name, reason = found[0]
        raise ValidationError(reason, field=field_name, code="bad_blueprint",
                              problems=[{"field": f, "message": str(r)} for f, r in found])


def _apply(bp: PaperRule, values: PaperRuleValues, bank: Bank) -> None:
    bp.name = values.name.strip()
    bp.bank_id = bank.id
    bp.category_id = bank.category_id
    bp.purpose = values.purpose
    bp.sections = [{"type": s["type"], "count": int(s["count"]), "points": int(s["points"])} for s in values.sections]
    bp.topic_quotas = {k.strip(): int(v) for k, v in values.topic_quotas.items()}
    bp.difficulty_mix = {str(k): float(v) for k, v in values.difficulty_mix.items() if float(v) > 0}
    bp.minutes = values.minutes
    bp.pass_mark = values.pass_mark
    bp.review_policy = values.review_policy
    bp.partial_credit = values.partial_credit
    bp.active = values.active


def _snapshot(bp: PaperRule) -> dict:
    return {"name": bp.name, "bank": bp.bank_id, "purpose": bp.purpose, "sections": bp.sections,
            "topic_quotas": bp.topic_quotas, "difficulty_mix": bp.difficulty_mix, "minutes": bp.minutes,
            "pass_mark": bp.pass_mark, "review_policy": bp.review_policy, "partial_credit": bp.partial_credit,
            "active": bp.active}


def create_blueprint(session: Session, *, actor: Any, values: PaperRuleValues, now: datetime) -> PaperRule:
    bank, found = check_values(session, values)
    _raise_first(found)
    bp = PaperRule(created_at=now, updated_at=now)
    _apply(bp, values, bank)
    session.add(bp)
    session.flush()
    audit.record(session, actor=actor, action="blueprint.create", target=bp, after=_snapshot(bp), at=now)
    return bp


def update_blueprint(session: Session, *, actor: Any, blueprint: PaperRule, values: PaperRuleValues,
                     now: datetime) -> PaperRule:
    bank, found = check_values(session, values)
    _raise_first(found)
    before = _snapshot(blueprint)
    _apply(blueprint, values, bank)
    blueprint.updated_at = now
    session.flush()
    audit.record(session, actor=actor, action="blueprint.update", target=blueprint, before=before,
                 after=_snapshot(blueprint), at=now)
    return blueprint


def get_blueprint(session: Session, blueprint_id: int) -> PaperRule:
    bp = session.get(PaperRule, blueprint_id)
    if bp is None:
        raise NotFound()
    return bp


def blueprints(session: Session, *, category_id: int | None = None, bank_id: int | None = None):
    stmt = select(PaperRule).order_by(PaperRule.category_id, PaperRule.purpose, PaperRule.name)
    if category_id:
        stmt = stmt.where(PaperRule.category_id == category_id)
    if bank_id:
        stmt = stmt.where(PaperRule.bank_id == bank_id)
    return stmt


def values_of(bp: PaperRule) -> PaperRuleValues:
    return PaperRuleValues(name=bp.name, bank_id=bp.bank_id, purpose=bp.purpose, sections=list(bp.sections),
                           minutes=bp.minutes, pass_mark=bp.pass_mark, topic_quotas=dict(bp.topic_quotas or {}),
                           difficulty_mix=dict(bp.difficulty_mix or {}), review_policy=bp.review_policy,
                           partial_credit=bp.partial_credit, active=bp.active)


# ---- defaults for the shipped banks ------------------------------------------------------------------

def load_default_blueprints(session: Session, *, actor: Any, now: datetime, path: Path | None = None,
                            only_banks: set[str] | None = None) -> dict[str, PaperRule]:
    """Create (or update) the default blueprints of question_banks/blueprints.yaml; returns them by name.

    Minutes and pass mark not given in the file come from the category's rule set in force today.
    A blueprint is matched by (bank, name); the file is checked whole before anything is written.
    """
    path = path or BLUEPRINTS_FILE
    file = Path(path).name
    try:
        data = load_file(path)
    except YamlProblem as problem:
        raise ValidationError(str(problem), code="bad_blueprint_file") from None
    entries = data.get("blueprints") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValidationError(f"{file}:1 " + str(_l("文件应包含 blueprints 列表")), code="bad_blueprint_file")
    today = clock.today_local(now)
    prepared: list[tuple[PaperRuleValues, PaperRule | None]] = []
    for entry in entries:
        line = line_of(entry)
        if not isinstance(entry, dict):
            raise ValidationError(f"{file}:{line} " + str(_l("每个组卷规则应为映射")), code="bad_blueprint_file")
        bank_code = entry.get("bank")
        if only_banks is not None and bank_code not in only_banks:
            continue
        bank = session.scalar(select(Bank).where(Bank.code == bank_code))
        if bank is None:
            raise ValidationError(f"{file}:{line} " + str(_l("未知题库 %(code)s（请先导入题库）", code=bank_code)),
                                  code="bad_blueprint_file")
        rules = rule_in_force(session, bank.category_id, today)
        values = PaperRuleValues(
            name=str(entry.get("name", "")), bank_id=bank.id, purpose=str(entry.get("purpose", "exam")),
            sections=list(entry.get("sections") or []),
            minutes=int(entry.get("minutes") or rules.theory_minutes),
            pass_mark=int(entry.get("pass_mark") or rules.pass_mark),
            topic_quotas=dict(entry.get("topic_quotas") or {}),
            difficulty_mix={str(k): v for k, v in (entry.get("difficulty_mix") or {}).items()},
            review_policy=str(entry.get("review_policy", "score")),
            partial_credit=bool(entry.get("partial_credit", False)))
        _bank, found = check_values(session, values)
        if found:
            raise ValidationError(f"{file}:{line} {values.name}: " + "；".join(str(r) for _f, r in found),
                                  code="bad_blueprint_file")
        existing = session.scalar(select(PaperRule).where(PaperRule.bank_id == bank.id,
                                                          PaperRule.name == values.name.strip()))
        prepared.append((values, existing))
    made: dict[str, PaperRule] = {}
    for values, existing in prepared:
        if existing is None:
            made[values.name] = create_blueprint(session, actor=actor, values=values, now=now)
        else:
            if _snapshot(existing) != _snapshot(_preview(values, existing)):
                update_blueprint(session, actor=actor, blueprint=existing, values=values, now=now)
            made[values.name] = existing
    return made


def _preview(values: PaperRuleValues, like: PaperRule) -> PaperRule:
    bp = PaperRule(id=like.id)
    bp.bank_id, bp.category_id = like.bank_id, like.category_id
    _apply(bp, values, like.bank)
    return bp
