"""Words, not codes: how an enum value, role, audit action, rule set, period, number or time range is written on a
page, in Chinese and English. One place for every label function; ``init_app`` makes them Jinja filters.

Pages never show a stored code (``true_false``, ``centre_staff``, ``proctor.force_submit``, ``leader-high-risk``,
``PRINCIPAL-HAZCHEM``, raw JSON); tests/core/test_words_not_codes.py walks every page to keep it so.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .i18n import localdate, localtime
from .permissions import Role

ROLE_LABELS = {
    Role.REGULATOR: _l("监管人员"),
    Role.QUESTION_AUTHOR: _l("题库管理员"),
    Role.CENTRE_STAFF: _l("考务人员"),
    Role.PROCTOR: _l("监考员"),
    Role.EXAMINER: _l("考评员"),
    Role.INSTITUTION_STAFF: _l("培训机构人员"),
    Role.CANDIDATE: _l("学员/考生"),
    Role.EMPLOYER: _l("生产经营单位人员"),
    Role.INSPECTOR: _l("执法人员"),
}

QUESTION_TYPES = {"true_false": _l("判断题"), "single": _l("单选题"), "multiple": _l("多选题")}

# Rule sets (catalog.yaml profiles) by the regulation they follow.
RULE_SET_LABELS = {
    "special-30": _l("特种作业人员（原安监总局令第30号）"),
    "special-19": _l("特种作业人员（应急管理部令第19号）"),
    "leader-general": _l("主要负责人和安全生产管理人员（一般行业）"),
    "leader-high-risk": _l("主要负责人和安全生产管理人员（高危行业）"),
    "fireworks-retail": _l("烟花爆竹零售经营单位人员"),
}

# What an audit record is about (the model's class name).
TARGET_LABELS = {
    "User": _l("账号"), "Organization": _l("单位"), "Role": _l("角色"), "RoleGrant": _l("角色"),
    "Certificate": _l("证书"), "CertificateKey": _l("签名密钥"), "CertificateApplication": _l("证书申请"),
    "Sitting": _l("考试场次"), "Registration": _l("考试报名"), "Attempt": _l("答卷"), "ExamResult": _l("考试成绩"),
    "Question": _l("试题"), "QuestionBank": _l("题库"), "Bank": _l("题库"), "BankVersion": _l("题库版本"),
    "PaperRule": _l("组卷规则"), "Blueprint": _l("组卷规则"),  # Blueprint: before the rename
    "Category": _l("类别"), "RuleSet": _l("规则集"),
    "TrainingClass": _l("培训班"), "ClassSession": _l("课次"), "Enrollment": _l("培训报名"), "Lesson": _l("课件"),
    "Completion": _l("培训合格证明"), "TrainingCompletion": _l("培训合格证明"),
    "WorkforceDeclaration": _l("从业人员申报"), "ReportTarget": _l("工作目标"), "Target": _l("工作目标"),
    "Worker": _l("从业人员"), "Post": _l("岗位"), "EmployerPost": _l("岗位"), "EmployerWorker": _l("从业人员"),
    "PracticalScore": _l("实操成绩"),
}

# Audit actions: the whole key first; otherwise the object (first part) and the verb (last part).
ACTION_LABELS = {
    "role.grant": _l("授予角色"), "role.revoke": _l("撤销角色"),
    "user.create": _l("创建账号"), "user.update": _l("修改账号"),
    "user.enable": _l("启用账号"), "user.disable": _l("停用账号"),
    "user.change_password": _l("修改密码"), "user.reset_password": _l("重置密码"),
    "user.unlock_login": _l("解除登录限制"), "user.register_number_taken": _l("注册时证件号码已被占用"),
    "organization.create": _l("创建单位"), "organization.update": _l("修改单位"),
    "identity.verify": _l("核验身份"), "identity.set_aside": _l("撤销身份核验"),
    "catalog.load": _l("加载类别与规则集"), "catalog.rule_set_correct": _l("更正规则集"),
    "catalog.rule_set_publish": _l("发布规则集"),
    "bank.create": _l("创建题库"), "bank.generate": _l("生成题库"), "bank.import": _l("导入题库"),
    "bank.upload": _l("上传题库"), "question.create": _l("新建试题"), "question.edit": _l("修改试题"),
    "blueprint.create": _l("创建组卷规则"), "blueprint.update": _l("修改组卷规则"),
    "sitting.create": _l("创建考试场次"), "sitting.update": _l("修改考试场次"), "sitting.cancel": _l("取消考试场次"),
    "sitting.publish": _l("发布考试场次"), "sitting.publish_results": _l("公布成绩"),
    "sitting.assign": _l("指派考务人员"), "sitting.unassign": _l("取消指派"),
    "registration.create": _l("考试报名"), "registration.import": _l("批量导入报名"),
    "registration.cancel": _l("取消报名"), "registration.check_in": _l("考生签到"),
    "registration.absent": _l("记为缺考"), "practical.record": _l("录入实操成绩"),
    "proctor.force_submit": _l("强制交卷"), "proctor.extend": _l("延长考试时间"),
    "proctor.unbind_device": _l("解除设备绑定"), "proctor.unlock_device": _l("解除设备绑定"),
    "proctor.void": _l("作废答卷"), "proctor.note": _l("记录考场情况"),
    "certificate.create": _l("生成证书"), "certificate.issued": _l("发证"), "certificate.approved": _l("批准发证"),
    "certificate.refuse": _l("不予发证"), "certificate.export": _l("导出证书"),
    "certificate.result_changed": _l("成绩变更"), "certificate.review_apply": _l("申请复审"),
    "certificate.review_refuse": _l("复审不通过"), "certificate.rules_applied": _l("按规则更新证书状态"),
    "certificate.token_upgraded": _l("更新查验码"), "certificate.tokens_upgrade_run": _l("批量更新查验码"),
    "certificate.violation": _l("记录违章"), "certificate.withdraw": _l("撤回申请"),
    "certificate.suspended": _l("暂扣证书"), "certificate.revoked": _l("吊销证书"),
    "certificate.reissued": _l("补发证书"), "certificate.renewed": _l("换证"), "certificate.reviewed": _l("复审合格"),
    "certificate.cancelled": _l("注销证书"), "certificate.restored": _l("恢复证书"),
    "certificate.expired": _l("证书过期"),
    "certificate_key.compromised": _l("停用泄露的签名密钥"), "certificate_key.rotate": _l("轮换签名密钥"),
    "employers.batch_verify": _l("批量核验证书"), "employers.post.delete": _l("删除岗位"),
    "employers.post.save": _l("保存岗位"), "employers.roster.import": _l("导入从业人员名单"),
    "employers.worker.remove": _l("移除从业人员"), "employers.worker.save": _l("保存从业人员"),
    "reports.target.delete": _l("删除工作目标"), "reports.target.set": _l("设定工作目标"),
    "reports.workforce.delete": _l("删除从业人员申报"), "reports.workforce.set": _l("申报从业人员数"),
    "training.attendance.correct": _l("更正考勤"), "training.attendance.record": _l("记录考勤"),
    "training.class.create": _l("创建培训班"), "training.class.status": _l("变更培训班状态"),
    "training.class.update": _l("修改培训班"), "training.completion.issue": _l("出具培训合格证明"),
    "training.completion.revoke": _l("撤销培训合格证明"), "training.enroll": _l("报名培训班"),
    "training.enroll_bulk": _l("批量报名培训班"), "training.lesson.create": _l("创建课件"),
    "training.lesson.move": _l("调整课件顺序"), "training.lesson.update": _l("修改课件"),
    "training.session.add": _l("添加课次"), "training.session.delete": _l("删除课次"),
    "training.test_score": _l("录入培训考核成绩"), "training.withdraw": _l("退出培训班"),
}
VERB_LABELS = {
    "create": _l("创建"), "update": _l("修改"), "edit": _l("修改"), "save": _l("保存"), "delete": _l("删除"),
    "cancel": _l("取消"), "publish": _l("发布"), "approve": _l("批准"), "refuse": _l("不予批准"),
    "revoke": _l("撤销"), "suspend": _l("暂扣"), "restore": _l("恢复"), "import": _l("导入"), "export": _l("导出"),
    "issue": _l("出具"), "issued": _l("发证"), "record": _l("记录"), "set": _l("设定"),
}

# Fields of audit summaries (``before``/``after``) shown by name; others are counted.
FIELD_LABELS = {
    "name": _l("名称"), "title": _l("标题"), "status": _l("状态"), "reason": _l("理由"), "note": _l("备注"),
    "valid_until": _l("有效期至"), "issued_on": _l("发证日期"), "number": _l("编号"), "workers": _l("从业人员数"),
    "declared_on": _l("申报日期"), "minutes": _l("时长（分钟）"), "room": _l("考场"), "seats": _l("座位数"),
    "starts_at": _l("开始时间"), "ends_at": _l("结束时间"), "starts_on": _l("开班日期"), "ends_on": _l("结业日期"),
    "score": _l("成绩"), "value": _l("目标值"), "year": _l("年度"), "real_name": _l("姓名"),
    "username": _l("用户名"), "active": _l("启用"), "passed": _l("合格"), "hours": _l("学时"),
}

STATUS_LABELS = {
    "registered": _l("已报名"), "checked_in": _l("已签到"), "absent": _l("缺考"), "cancelled": _l("已取消"),
    "in_progress": _l("作答中"), "submitted": _l("已交卷"), "forced": _l("强制交卷"), "timed_out": _l("超时交卷"),
    "voided": _l("已作废"), "pending": _l("待审批"), "valid": _l("有效"), "suspended": _l("暂扣"),
    "revoked": _l("已吊销"), "expired": _l("已过期"), "draft": _l("草稿"), "published": _l("已发布"),
    "open": _l("报名中"), "closed": _l("已结束"), "finished": _l("已结业"), "active": _l("启用"),
    "planned": _l("筹备中"), "running": _l("培训中"), "withdrawn": _l("已退出"), "retired": _l("已停用"),
}

_CODE = re.compile(r"^[a-z]+(?:[_.-][a-z0-9]+)+$|^[A-Z]+(?:-[A-Z]+)+$")


def _zh() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "zh"


def role_label(role: Any) -> str:
    try:
        return str(ROLE_LABELS[Role(role)])
    except ValueError:
        return str(_l("其他角色"))


def roles_label(roles: str | list | None) -> str:
    """``"centre_staff,proctor"`` (an audit record's roles) → ``考务人员、监考员``."""
    items = roles.split(",") if isinstance(roles, str) else list(roles or [])
    sep = "、" if _zh() else ", "
    return sep.join(role_label(r) for r in items if r)


def target_label(target_type: str, target_id: Any = "") -> str:
    label = str(TARGET_LABELS.get(target_type, _l("对象"))) if target_type else ""
    return f"{label} #{target_id}" if label and target_id not in ("", None) else label


def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    parts = action.split(".")
    obj = parts[0]
    if obj == "question" and parts[-1].startswith("bulk_"):
        return str(_l("批量处理试题"))
    obj_label = {"certificate": _l("证书"), "proctor": _l("监考"), "training": _l("培训"), "sitting": _l("考试场次"),
                 "registration": _l("考试报名"), "user": _l("账号"), "bank": _l("题库"), "question": _l("试题"),
                 "employers": _l("用人单位"), "reports": _l("统计")}.get(obj)
    verb = parts[-1].rsplit("_", 1)[-1]
    if obj_label and verb in VERB_LABELS:
        return f"{obj_label}{'' if _zh() else ': '}{VERB_LABELS[verb]}"
    return f"{obj_label}{_l('：其他操作')}" if obj_label else str(_l("其他操作"))


def action_choices(actions: list[str]) -> list[tuple[str, str]]:
    """(key, label) for the audit page's filter: the actions that occur, by label."""
    return sorted(((a, action_label(a)) for a in actions), key=lambda kv: kv[1])


def _value(value: Any) -> str | None:
    if isinstance(value, bool):
        return str(_l("是")) if value else str(_l("否"))
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, str):
        if value in STATUS_LABELS:
            return str(STATUS_LABELS[value])
        if _CODE.match(value) or value.startswith(("{", "[")):
            return None
        return value[:80]
    return None


def audit_summary(summary: str) -> str:
    """An audit record's JSON summary as a line a person reads: 备注, then the named fields that changed."""
    if not summary:
        return ""
    try:
        data = json.loads(summary)
    except ValueError:
        return summary if not _CODE.search(summary) else ""
    if not isinstance(data, dict):
        return ""
    parts: list[str] = []
    hidden = 0
    for key in ("before", "after"):
        block = data.get(key)
        if not isinstance(block, dict):
            continue
        fields = []
        for name, value in block.items():
            shown = _value(value)
            if name in FIELD_LABELS and shown is not None:
                fields.append(f"{FIELD_LABELS[name]}{'：' if _zh() else ': '}{shown}")
            else:
                hidden += 1
        if fields:
            head = _l("变更前") if key == "before" else _l("变更后")
            parts.append(f"{head}{'：' if _zh() else ': '}" + ("，" if _zh() else ", ").join(fields))
    note = data.get("note")
    if isinstance(note, str) and note:
        parts.append(f"{_l('备注')}{'：' if _zh() else ': '}{note[:200]}")
    if hidden:
        parts.append(str(_l("另有 %(n)s 项数据", n=hidden)))
    return "；".join(parts) if _zh() else "; ".join(parts)


def category_label(category: Any) -> str:
    """A category as people name it: 特种作业 by its official code and name (``T-1.1 高压电工作业``), the others by
    name only (the catalogue's own keys such as PRINCIPAL-HAZCHEM are not for people)."""
    if category is None:
        return "—"
    code, name = getattr(category, "code", ""), getattr(category, "name", "")
    if code.startswith("T-"):
        return f"{code} {name}"
    return name or "—"


def rule_set_label(rule_set: Any) -> str:
    """A rule set by the regulation it follows, with the date it took effect when known."""
    if rule_set is None:
        return "—"
    profile = getattr(rule_set, "profile", rule_set)
    label = str(RULE_SET_LABELS.get(profile) or getattr(rule_set, "source", "") or _l("规则集"))
    effective = getattr(rule_set, "effective_from", None)
    return f"{label}{'（' if _zh() else ' ('}{_l('自 %(d)s 起', d=localdate(effective))}{'）' if _zh() else ')'}" \
        if effective else label


def question_type_label(qtype: str) -> str:
    return str(QUESTION_TYPES.get(qtype, _l("其他题型")))


def answer_label(value: Any, qtype: str = "") -> str:
    """A candidate's or the keyed answer: 正确/错误 for 判断题, letters for the others, 未答 when empty."""
    if value is None or value == "" or value == []:
        return str(_l("未答"))
    if qtype == "true_false" or isinstance(value, bool) or value in ("True", "False", "true", "false"):
        truth = value if isinstance(value, bool) else str(value).lower() == "true"
        return str(_l("正确")) if truth else str(_l("错误"))
    if isinstance(value, list | tuple):
        return "".join(str(v) for v in value)
    return str(value)


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, _l("其他")))


def number(value: Any, places: int = 1) -> str:
    """At most ``places`` decimals, no trailing zeros: 4.83333 → 4.8, 12.0 → 12."""
    if value is None:
        return "—"
    text = f"{float(value):.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def period_label(value: Any, grain: str = "") -> str:
    """Report periods: ``2026H2`` → 2026年下半年 / H2 2026; ``2026Q3`` → 2026年第3季度; ``2026-07`` → 2026年7月."""
    text = str(value)
    zh = _zh()
    m = re.fullmatch(r"(\d{4})H([12])", text)
    if m:
        year, half = m.groups()
        return f"{year}年{'上' if half == '1' else '下'}半年" if zh else f"H{half} {year}"
    m = re.fullmatch(r"(\d{4})Q([1-4])", text)
    if m:
        return f"{m[1]}年第{m[2]}季度" if zh else f"Q{m[2]} {m[1]}"
    m = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if m:
        return f"{m[1]}年{int(m[2])}月" if zh else f"{m[1]}-{m[2]}"
    m = re.fullmatch(r"(\d{4})", text)
    if m:
        return f"{m[1]}年" if zh else m[1]
    return text


def time_range(start: datetime | None, end: datetime | None) -> str:
    """``2026-12-07 20:26 – 22:26``; an end on another (local) day shows its date: ``… – 2026-12-08 00:36``."""
    if start is None:
        return ""
    if end is None:
        return localtime(start)
    same_day = localdate(start) == localdate(end)
    return f"{localtime(start)} – {localtime(end, 'HH:mm') if same_day else localtime(end)}"


def init_app(app: Flask) -> None:
    for name, function in {
        "role_label": role_label, "roles_label": roles_label, "target_label": target_label,
        "action_label": action_label, "audit_summary": audit_summary, "category_label": category_label,
        "rule_set_label": rule_set_label, "question_type_label": question_type_label, "answer_label": answer_label,
        "status_label": status_label, "number": number, "period_label": period_label, "time_range": time_range,
        "region_label": region_label, "id_type_label": id_type_label, "numbering_label": numbering_label,
    }.items():
        app.jinja_env.filters[name] = function


# GB/T 2260 region codes: provinces, and the prefectures of the province the demo data uses (江西, 36).
PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区", "21": "辽宁省",
    "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省",
    "35": "福建省", "36": "江西省", "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省",
    "44": "广东省", "45": "广西壮族自治区", "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省",
    "53": "云南省", "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}
PREFECTURES = {
    "3601": "南昌市", "3602": "景德镇市", "3603": "萍乡市", "3604": "九江市", "3605": "新余市", "3606": "鹰潭市",
    "3607": "赣州市", "3608": "吉安市", "3609": "宜春市", "3610": "抚州市", "3611": "上饶市",
}


def region_label(code: str | None) -> str:
    """``360000`` → 江西省, ``360100`` → 江西省南昌市; a code not in the tables keeps its digits after the province."""
    code = (code or "").strip()
    if not code:
        return str(_l("（未填写）"))
    province = PROVINCES.get(code[:2])
    if province is None:
        return code
    if code[2:] in ("", "0000"):
        return province
    prefecture = PREFECTURES.get(code[:4])
    if prefecture and code[4:] in ("", "00"):
        return f"{province}{prefecture}"
    return f"{province}{prefecture or ''} {code}"


ID_TYPES = {
    "resident_id": _l("居民身份证"), "passport": _l("护照"), "hmt_residence": _l("港澳台居民居住证"),
    "hmt_permit": _l("港澳台居民通行证"), "foreign_pr": _l("外国人永久居留身份证"),
}


def id_type_choices() -> list[tuple[str, Any]]:
    """Choices for a 证件类型 select, shown in the page's language (spreadsheets keep the Chinese names)."""
    return list(ID_TYPES.items())


def id_type_label(kind: str) -> str:
    return str(ID_TYPES.get(kind, _l("其他证件")))


def numbering_label(rule_set: Any) -> str:
    """A certificate numbering rule as words: ``T+id`` → T + 证件号码; ``{prefix}{year}{seq:06d}`` → AQ + 年份 +
    6 位序号."""
    numbering = getattr(rule_set, "numbering", "") or ""
    if numbering == "T+id":
        return str(_l("T + 证件号码"))
    parts = []
    for m in re.finditer(r"\{(\w+)(?::0?(\d+)d)?\}|([^{}]+)", numbering):
        name, width, literal = m.groups()
        if literal:
            parts.append(literal)
        elif name == "prefix":
            parts.append(getattr(rule_set, "number_prefix", "") or str(_l("前缀")))
        elif name == "year":
            parts.append(str(_l("年份")))
        elif name == "seq":
            parts.append(str(_l("%(n)s 位序号", n=width or "")) if width else str(_l("序号")))
        else:
            parts.append(str(_l("其他")))
    return " + ".join(parts) if parts else "—"
