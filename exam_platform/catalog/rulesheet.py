"""What a rule set says, in words, field by field with its source — for the rule-set pages (versions side by side).

No enum value or rule-set id reaches a page: every value is put into words here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Category, RuleSet
from .shapes import source_of

EDUCATION_WORDS = {"": _l("不限"), "junior_middle": _l("初中及以上"), "senior_middle": _l("高中及以上")}
NEXT_ACTION_WORDS = {"review": _l("复审"), "renewal": _l("有效期届满换证"), "none": _l("无")}
EXEMPTION_WORDS = {"": _l("不免"), "skill_certificate": _l("持相应职业技能等级证书者可免")}
REGION_WORDS = {"nationwide": _l("全国任一考核发证机关"), "residence_or_work": _l("户籍所在地或从业所在地")}


def _attempts(n: int | None) -> str:
    return _("不限次数") if n is None else _("%(n)s 次", n=n)


def _renewal(r: RuleSet) -> str:
    if r.renewal_model == "renew_at_expiry":
        return _("不复审；有效期届满前 %(d)s 日内申请换证", d=r.review_window_days)
    text = _("每 %(n)s 年复审；到期前 %(d)s 日内申请", n=r.review_interval_years, d=r.review_window_days)
    if r.review_interval_clean_years:
        text += _("；连续从业 %(y)s 年以上且无违法记录者每 %(n)s 年", y=r.clean_record_years,
                  n=r.review_interval_clean_years)
    return text


def _transition(r: RuleSet) -> str:
    if r.renewal_transition == "renew_at_expiry":
        return _("此前发放的证书，复审日在本版生效之日及以后的不再复审，有效期届满换证")
    return _("此前发放的证书按原复审日期办理")


def _after(r: RuleSet) -> str:
    return _("重新报名理论考试，无需重新培训") if r.after_last_failure == "theory_again" else _("重新参加培训")


#: (row key, label, the source entry it is read from, value in words)
FIELDS: list[tuple[str, Any, str, Callable[[RuleSet], str]]] = [
    ("renewal", _l("复审 / 换证"), "renewal", _renewal),
    ("transition", _l("新旧规则衔接"), "renewal", _transition),
    ("refresher", _l("复审 / 换证培训"), "renewal.refresher_hours", lambda r: _("%(n)s 学时", n=r.refresher_hours)),
    ("blocking", _l("不予复审的违章次数"), "renewal.blocking_violations",
     lambda r: _("%(n)s 次及以上或严重违章", n=r.blocking_violations) if r.blocking_violations else "—"),
    ("validity", _l("证书有效期"), "validity_years", lambda r: _("%(n)s 年", n=r.validity_years)),
    ("theory_attempts", _l("理论考试次数"), "retake.theory_attempts", lambda r: _attempts(r.theory_attempts)),
    ("practical_attempts", _l("实操考试次数"), "retake.practical_attempts",
     lambda r: _attempts(r.practical_attempts) if r.practical_required else _("不需要实操")),
    ("after_last", _l("最后一次不合格后"), "retake.after_last_failure", _after),
    ("carry_over", _l("合格成绩保留"), "retake.carry_over_months", lambda r: _("%(n)s 个月", n=r.result_valid_months)),
    ("theory", _l("理论考试"), "theory",
     lambda r: _("%(m)s 分钟，%(p)s 分及格", m=r.theory_minutes, p=r.pass_mark)),
    ("practical", _l("实操考试"), "practical",
     lambda r: _("%(m)s 分钟，%(p)s 分及格", m=r.practical_minutes, p=r.practical_pass_mark)
     if r.practical_required else _("不需要")),
    ("age", _l("年龄"), "eligibility", lambda r: _("年满 %(n)s 周岁", n=r.min_age)),
    ("education", _l("文化程度"), "eligibility", lambda r: str(EDUCATION_WORDS.get(r.min_education, "—"))),
    ("exemption", _l("免于培训"), "eligibility", lambda r: str(EXEMPTION_WORDS.get(r.training_exemption, "—"))),
    ("region", _l("向何处申请"), "application_region", lambda r: str(REGION_WORDS.get(r.application_region, "—"))),
    ("hours", _l("初训学时"), "hours", lambda r: _("%(n)s 学时", n=r.initial_hours)),
]


@dataclass
class Cell:
    value: str
    source: dict
    changed: bool  # differs from the previous version

    @property
    def unverified(self) -> bool:
        return self.source.get("status") == "unverified"


@dataclass
class Version:
    effective_from: date
    source: str
    unverified: bool
    rule: RuleSet
    cells: dict[str, Cell]
    categories: list[str]


def versions(session: Session, group: str) -> list[Version]:
    """The versions of a category group's rule sets over time (one per effective date), oldest first; a cell is
    marked changed when it differs from the version before."""
    rows = session.execute(select(RuleSet, Category.code).join(Category, Category.id == RuleSet.category_id)
                           .where(Category.group == group, Category.active.is_(True))
                           .order_by(RuleSet.effective_from, Category.position)).all()
    by_date: dict[date, tuple[RuleSet, list[str]]] = {}
    for rule, code in rows:
        by_date.setdefault(rule.effective_from, (rule, []))[1].append(code)
    out: list[Version] = []
    previous: Version | None = None
    for day, (rule, codes) in by_date.items():
        cells = {}
        for key, _label, source_key, words in FIELDS:
            value = words(rule)
            cells[key] = Cell(value, source_of(rule, source_key),
                              changed=previous is not None and previous.cells[key].value != value)
        version = Version(day, rule.source, rule.verification == "unverified"
                          or any(c.unverified for c in cells.values()), rule, cells, codes)
        out.append(version)
        previous = version
    return out
