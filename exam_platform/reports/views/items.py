"""Item analysis pages for question authors and regulators (the roles that may read exam banks and item
statistics). Question content appears only where ``can_read_exam_banks`` holds; nobody else reaches these pages."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...db import get_session
from ...permissions import Role, can_read_exam_banks, can_read_item_statistics, require, role_required
from .. import charts, exports, items, itemstats
from ..itemstats import LETTERS

bp = Blueprint("reports_items", __name__, url_prefix="/reports/items")

READERS = (Role.REGULATOR, Role.QUESTION_AUTHOR)
TYPE_LABELS = {"true_false": _l("判断"), "single": _l("单选"), "multiple": _l("多选"), "case": _l("案例")}
COLUMNS = [("question_key", _l("试题编号")), ("number", _l("版本")), ("type", _l("题型")), ("topic", _l("知识点")),
           ("difficulty", _l("难度")), ("exposure", _l("曝光次数")), ("exposure_rate", _l("曝光率（%）")),
           ("facility", _l("通过率（%）")), ("point_biserial", _l("点二列相关")),
           ("discrimination", _l("区分度（27%）")), ("flags", _l("提示"))]


def flag_labels() -> dict[str, str]:
    return {itemstats.FLAG_TOO_EASY: _("过易"), itemstats.FLAG_TOO_HARD: _("过难"),
            itemstats.FLAG_NEGATIVE: _("负区分度"), itemstats.FLAG_LOW: _("区分度低"),
            itemstats.FLAG_OVER_EXPOSED: _("曝光过度")}


def column_labels() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in COLUMNS]


@bp.get("/")
@role_required(*READERS)
def index():
    db = get_session()
    return render_template("reports/items_index.html", blueprints=items.blueprints_overview(db),
                           sittings=items.sittings_overview(db))


def _analysed(kind: str, obj_id: int):
    require(can_read_item_statistics(current_user))
    db = get_session()
    scope = items.scope_of(db, kind, obj_id)
    result = items.analysis(db, scope)
    rows = items.version_rows(db, result)
    flag = request.args.get("flag", "")
    if flag:
        rows = [r for r in rows if flag in r["flags"]]
    sort, desc = request.args.get("sort", "point_biserial"), request.args.get("dir", "asc") == "desc"
    return scope, result, items.sort_rows(rows, sort, desc), sort, desc, flag


def _page(kind: str, obj_id: int):
    scope, result, rows, sort, desc, flag = _analysed(kind, obj_id)
    test = result.test
    hist = charts.data_uri(charts.histogram(_("成绩分布"), itemstats.BINS, test.distribution, _("人数")))
    return render_template("reports/items_scope.html", scope=scope, test=test, rows=rows, sort=sort, desc=desc,
                           flag=flag, hist=hist, bins=itemstats.BINS, flag_labels=flag_labels(),
                           columns=column_labels(), type_labels=TYPE_LABELS,
                           flag_counts={f: len(result.flagged(f)) for f in itemstats.FLAGS})


@bp.get("/blueprint/<int:blueprint_id>")
@role_required(*READERS)
def blueprint(blueprint_id: int):
    return _page("blueprint", blueprint_id)


@bp.get("/bank/<int:bank_id>")
@role_required(*READERS)
def bank(bank_id: int):
    return _page("bank", bank_id)


@bp.get("/sitting/<int:sitting_id>")
@role_required(*READERS)
def sitting(sitting_id: int):
    return _page("sitting", sitting_id)


@bp.get("/blueprint/<int:blueprint_id>/export")
@role_required(*READERS)
def blueprint_export(blueprint_id: int):
    scope, result, rows, *_rest = _analysed("blueprint", blueprint_id)
    labels = flag_labels()
    body = [[r[k] if k != "flags" else "、".join(labels[f] for f in r["flags"]) for k, _label in COLUMNS]
            for r in rows]
    t = result.test
    summary = [[_("作答数"), t.attempts], [_("平均分"), t.mean], [_("标准差"), t.sd], [_("KR-20"), t.kr20],
               *[[_("成绩 %(b)s", b=b), c] for b, c in zip(itemstats.BINS, t.distribution, strict=True)]]
    return exports.download([(_("试题"), [label for _k, label in column_labels()], body),
                             (_("整卷"), [_("项目"), _("数值")], summary)],
                            filename=f"试题分析-{scope.title}", fmt=request.args.get("format", "xlsx"))


@bp.get("/version/<int:version_id>")
@role_required(*READERS)
def version(version_id: int):
    require(can_read_item_statistics(current_user))
    db = get_session()
    qv = items.version_detail(db, version_id)
    blueprint_id = request.args.get("blueprint", type=int)
    scope = items.scope_of(db, "blueprint", blueprint_id) if blueprint_id else items.scope_of(db, "bank", qv.bank_id)
    part = request.args.get("part", type=int)
    parts = qv.parts or []
    if qv.type == "case" and (part is None or not 0 <= part < len(parts)):
        part = 0 if parts else None
    if qv.type != "case":
        part = None
    # a case question is analysed part by part (``?part=n``): the part's type, options and key
    shown = parts[part] if part is not None else {"type": qv.type, "options": qv.options, "answer": qv.answer}
    item_id = items.part_item_id(qv.id, part) if part is not None else qv.id
    stat = items.analysis(db, scope).items.get(item_id)
    qtype, texts = shown["type"], [o if isinstance(o, str) else (o or {}).get("text", "") for o in
                                   shown.get("options") or []]
    n_options = 2 if qtype == "true_false" else len(texts)
    labels = ([_("对"), _("错")] if qtype == "true_false" else list(LETTERS[:n_options]))
    key = itemstats.key_mask(qtype, shown["answer"])
    options = []
    for i, label in enumerate(labels):
        count = stat.option_counts[i] if stat else 0
        options.append({"letter": label, "text": (texts[i] if qtype != "true_false" else None),
                        "count": count, "share": round(100 * count / stat.exposure, 1) if stat else None,
                        "key": bool(key >> i & 1)})
    chart = charts.data_uri(charts.bar(_("选项选择比例（按题库原始选项）"), [o["letter"] for o in options],
                                       [(_("选择比例"), [o["share"] for o in options])], percent=True))
    return render_template("reports/items_version.html", qv=qv, scope=scope, item=stat, options=options,
                           part=part, part_stem=shown.get("stem") if part is not None else None,
                           parts=parts,
                           chart=chart, show_content=can_read_exam_banks(current_user), flag_labels=flag_labels(),
                           type_labels=TYPE_LABELS)
