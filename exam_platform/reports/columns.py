"""The columns each table shows (page, export and docs use the same list): (key, label, kind).

kind: ``count`` (integer), ``hours`` (number), ``rate`` (percent, None shown as "—").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

Column = tuple[str, Any, str]

TRAINING: list[Column] = [
    ("trainees", _l("培训人数"), "count"),
    ("completions", _l("培训合格证明"), "count"),
    ("hours", _l("培训学时"), "hours"),
]
EXAMS: list[Column] = [
    ("candidates", _l("考生人数"), "count"),
    ("sat", _l("参考人次"), "count"),
    ("passed", _l("合格人次"), "count"),
    ("pass_rate", _l("合格率"), "rate"),
    ("first_pass_rate", _l("首考合格率"), "rate"),
    ("theory_pass_rate", _l("理论合格率"), "rate"),
    ("practical_pass_rate", _l("实操合格率"), "rate"),
]
CLASSES: list[Column] = [
    ("classes", _l("培训班"), "count"),
    ("enrolled", _l("报名人次"), "count"),
    ("attendance_rate", _l("出勤率"), "rate"),
    ("class_hours", _l("已计学时"), "hours"),
]
#: Issued and the events are of the period; held, due and overdue are the registry as of today.
CERTIFICATES: list[Column] = [
    ("issued", _l("发证数"), "count"),
    ("suspended", _l("暂扣"), "count"),
    ("revoked", _l("撤销"), "count"),
    ("cancelled", _l("注销"), "count"),
    ("valid", _l("有效证书（今日）"), "count"),
    ("review_due", _l("复审或换证将到期（今日）"), "count"),
    ("review_overdue", _l("复审或换证已逾期（今日）"), "count"),
]
CERTIFICATE_TREND: list[Column] = CERTIFICATES[:4]
#: An institution's classes one by one.
CLASS_ROWS: list[Column] = [
    ("capacity", _l("计划人数"), "count"),
    ("enrolled", _l("报名人次"), "count"),
    ("sessions", _l("课次"), "count"),
    ("attendance_rate", _l("出勤率"), "rate"),
    ("class_hours", _l("已计学时"), "hours"),
    ("completions", _l("培训合格证明"), "count"),
]

CENTRE_SITTINGS: list[Column] = [
    ("registered", _l("报名人数"), "count"),
    ("attended", _l("实到"), "count"),
    ("absent", _l("缺考"), "count"),
    ("attendance_rate", _l("到考率"), "rate"),
    ("sat", _l("参考人次"), "count"),
    ("passed", _l("合格人次"), "count"),
    ("pass_rate", _l("合格率"), "rate"),
    ("incidents", _l("考场记录"), "count"),
]
PUBLICATION: list[Column] = [
    ("sittings", _l("考试场次"), "count"),
    ("candidates", _l("考生人数"), "count"),
    ("certificates", _l("发证数"), "count"),
    ("pass_rate", _l("平均合格率"), "rate"),
]


def overview_columns() -> list[Column]:
    return TRAINING + CLASSES + EXAMS + CERTIFICATES


def trend_columns() -> list[Column]:
    return TRAINING + CLASSES + EXAMS + CERTIFICATE_TREND


def values(row: dict[str, Any], columns: Sequence[Column]) -> list[Any]:
    return [row.get(key) for key, _label, _kind in columns]


def header(columns: Iterable[Column]) -> list[str]:
    return [str(label) for _key, label, _kind in columns]
