"""特种作业目录 as versioned data: catalogue versions, their items, and each item's successor.

``catalog.yaml`` lists the versions under ``catalogue_versions`` (oldest first). A version names its document,
effective date, verification status (``verified`` | ``unverified`` = 未经原文核对) and source, the counts the
document states (``reported_classes``, ``reported_items``) and how many of those items are not known here
(``unknown_items``). Its items are:

- a category code (``T-1.2``): the 操作项目 of that category, with its name and 作业类别;
- a mapping ``{code, name, class_code, class_name, category, status, replaces}`` for an item of its own (``replaces``:
  codes of the version it carries over from, whose successor it becomes);
- ``carry_over: {from: <version>, status: unverified, except: [codes]}``: every item of an earlier version not in
  ``except`` is listed again under the same code and becomes its successor (an excepted item is retired there).

Certificates never depend on a catalogue version: a certificate of a retired item keeps its own validity and is
valid until it expires. Adding an item is a data edit here and ``flask import-catalog`` (``service.load_catalog``);
a bad file is refused whole with file, line and reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..yamlfile import YamlProblem, line_of
from .models import CatalogueItem, CatalogueVersion, Category
from .shapes import STATUSES

VERSION_KEYS = ("code", "name", "document", "effective_from", "status", "source", "reported_classes",
                "reported_items", "unknown_items", "items", "carry_over")
ITEM_KEYS = ("code", "name", "class_code", "class_name", "category", "status", "replaces")


def _problem(file: str, node: Any, version: str, reason: str) -> YamlProblem:
    return YamlProblem(file, line_of(node), f"目录版本 {version}：{reason}")


def _count(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def parse(data: Any, categories: list[dict], file: str) -> list[dict]:
    """Check ``catalogue_versions``; return the versions with resolved items (each item: its values, ``_from``:
    the (version code, item code) pairs it succeeds). Raises YamlProblem."""
    raw = data.get("catalogue_versions") if isinstance(data, dict) else None
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise YamlProblem(file, line_of(data), "catalogue_versions 应为列表")
    cats = {c["code"]: c for c in categories}
    out: list[dict] = []
    by_code: dict[str, dict] = {}
    for node in raw:
        if not isinstance(node, dict):
            raise YamlProblem(file, line_of(data), "每个目录版本应为映射")
        name = str(node.get("code") or "?")
        for key in node:
            if key not in VERSION_KEYS:
                raise _problem(file, node, name, f"未知字段 {key}")
        for key in ("code", "name", "document"):
            if not isinstance(node.get(key), str) or not node[key].strip():
                raise _problem(file, node, name, f"缺少字段 {key}")
        if name in by_code:
            raise _problem(file, node, name, "目录版本代码重复")
        if not isinstance(node.get("effective_from"), date):
            raise _problem(file, node, name, "effective_from 应为日期（YYYY-MM-DD）")
        if out and node["effective_from"] <= out[-1]["effective_from"]:
            raise _problem(file, node, name, "目录版本应按生效日期从早到晚排列，且日期不同")
        status = node.get("status", "unverified")
        if status not in STATUSES:
            raise _problem(file, node, name, "status 应为 verified / unverified 之一")
        for key in ("reported_classes", "reported_items", "unknown_items"):
            if not _count(node.get(key)):
                raise _problem(file, node, name, f"{key} 应为非负整数")
        version = {"code": name, "name": node["name"], "document": node["document"],
                   "effective_from": node["effective_from"], "status": status,
                   "source": str(node.get("source") or ""), "reported_classes": node.get("reported_classes"),
                   "reported_items": node.get("reported_items"), "unknown_items": node.get("unknown_items") or 0,
                   "items": []}
        items: dict[str, dict] = {}

        def add(item: dict, where: Any, version_name: str = name, items: dict = items) -> None:
            if item["code"] in items:
                raise _problem(file, where, version_name, f"操作项目代码重复：{item['code']}")
            items[item["code"]] = item

        carry = node.get("carry_over")
        if carry is not None:
            if not isinstance(carry, dict) or set(carry) - {"from", "status", "except"}:
                raise _problem(file, node, name, "carry_over 应为映射 {from, status, except}")
            earlier = by_code.get(carry.get("from"))
            if earlier is None:
                raise _problem(file, carry, name, f"carry_over.from 应为前面的目录版本：{carry.get('from')}")
            retired = carry.get("except") or []
            if not isinstance(retired, list):
                raise _problem(file, carry, name, "carry_over.except 应为列表")
            known = {i["code"] for i in earlier["items"]}
            if unknown := sorted(set(map(str, retired)) - known):
                raise _problem(file, carry, name, f"carry_over.except 中的未知操作项目 {', '.join(unknown)}")
            item_status = carry.get("status", status)
            if item_status not in STATUSES:
                raise _problem(file, carry, name, "carry_over.status 应为 verified / unverified 之一")
            for old in earlier["items"]:
                if old["code"] not in retired:
                    add({**old, "status": item_status, "_from": [(earlier["code"], old["code"])]}, carry)
        raw_items = node.get("items") or []
        if not isinstance(raw_items, list):
            raise _problem(file, node, name, "items 应为列表")
        for entry in raw_items:
            if isinstance(entry, str):
                cat = cats.get(entry)
                if cat is None:
                    raise _problem(file, node, name, f"items 中的未知类别 {entry}")
                add({"code": entry, "name": cat["name"], "class_code": cat.get("class_code", ""),
                     "class_name": cat.get("class_name", ""), "category": entry, "status": status, "_from": []},
                    node)
                continue
            if not isinstance(entry, dict):
                raise _problem(file, node, name, "items 的每一项应为类别代码或映射")
            for key in entry:
                if key not in ITEM_KEYS:
                    raise _problem(file, entry, name, f"操作项目中的未知字段 {key}")
            for key in ("code", "name"):
                if not isinstance(entry.get(key), str) or not entry[key].strip():
                    raise _problem(file, entry, name, f"操作项目缺少字段 {key}")
            category = entry.get("category")
            if category is not None and category not in cats:
                raise _problem(file, entry, name, f"操作项目 {entry['code']}：未知类别 {category}")
            item_status = entry.get("status", status)
            if item_status not in STATUSES:
                raise _problem(file, entry, name, "操作项目的 status 应为 verified / unverified 之一")
            replaces = entry.get("replaces") or []
            if isinstance(replaces, str):
                replaces = [replaces]
            source = by_code.get(carry.get("from")) if isinstance(carry, dict) else (out[-1] if out else None)
            known = {i["code"] for i in source["items"]} if source else set()
            if unknown := sorted(set(map(str, replaces)) - known):
                raise _problem(file, entry, name, f"replaces 中的未知操作项目（应为上一目录版本的项目）"
                               f"{', '.join(unknown)}")
            if entry["code"] in items and items[entry["code"]].get("_from"):
                items.pop(entry["code"])  # an item of its own takes the place of the carried-over one
            add({"code": entry["code"], "name": entry["name"], "class_code": str(entry.get("class_code") or ""),
                 "class_name": str(entry.get("class_name") or ""), "category": category, "status": item_status,
                 "_from": [(source["code"], str(r)) for r in replaces] if source else []}, entry)
        version["items"] = list(items.values())
        if version["reported_items"] is not None and \
                len(version["items"]) + version["unknown_items"] != version["reported_items"]:
            known, unknown = len(version["items"]), version["unknown_items"]
            raise _problem(file, node, name, f"已知操作项目 {known} 项加未知 {unknown} 项"
                                             f"应等于 reported_items {version['reported_items']}")
        out.append(version)
        by_code[name] = version
    return out


@dataclass
class VersionsLoaded:
    versions_added: int = 0
    versions_updated: int = 0
    items_added: int = 0
    items_updated: int = 0
    items_removed: int = 0


def load(session: Session, versions: list[dict]) -> VersionsLoaded:
    """Create or update the catalogue versions and items (idempotent); items no longer listed are removed."""
    done = VersionsLoaded()
    cats = {c.code: c.id for c in session.scalars(select(Category))}
    existing = {v.code: v for v in session.scalars(select(CatalogueVersion))}
    rows: dict[tuple[str, str], CatalogueItem] = {}
    stale: list[CatalogueItem] = []
    loaded: list[CatalogueVersion] = []
    for position, v in enumerate(versions):
        values = {k: v[k] for k in ("name", "document", "effective_from", "status", "source", "reported_classes",
                                    "reported_items", "unknown_items")} | {"position": position}
        row = existing.get(v["code"])
        if row is None:
            row = CatalogueVersion(code=v["code"], **values)
            session.add(row)
            session.flush()
            done.versions_added += 1
        elif _differs(row, values):
            _set(row, values)
            done.versions_updated += 1
        loaded.append(row)
        old_items = {i.code: i for i in session.scalars(select(CatalogueItem)
                                                        .where(CatalogueItem.version_id == row.id))}
        for item_position, item in enumerate(v["items"]):
            values = {"name": item["name"], "class_code": item["class_code"], "class_name": item["class_name"],
                      "category_id": cats.get(item["category"]) if item["category"] else None,
                      "status": item["status"], "position": item_position}
            found = old_items.pop(item["code"], None)
            if found is None:
                found = CatalogueItem(version_id=row.id, code=item["code"], **values)
                session.add(found)
                done.items_added += 1
            elif _differs(found, values):
                _set(found, values)
                done.items_updated += 1
            rows[(v["code"], item["code"])] = found
        stale.extend(old_items.values())
    session.flush()
    successors: dict[int, CatalogueItem | None] = {item.id: None for item in rows.values()}
    for v in versions:
        for item in v["items"]:
            for key in item["_from"]:
                successors[rows[key].id] = rows[(v["code"], item["code"])]
    for item in rows.values():
        target = successors[item.id]
        if item.successor_id != (target.id if target else None):
            item.successor = target
            done.items_updated += 1
    session.flush()
    for item in stale:  # nothing listed points at them any more
        session.delete(item)
        done.items_removed += 1
    session.flush()
    for row in loaded:  # the collections read before this load are stale now
        session.expire(row, ["items"])
    for cat in session.scalars(select(Category)):
        session.expire(cat, ["catalogue_items"])
    return done


def _differs(row: Any, values: dict) -> bool:
    return any(getattr(row, k) != val for k, val in values.items())


def _set(row: Any, values: dict) -> None:
    for k, val in values.items():
        setattr(row, k, val)


# ---- for the regulator's page ----------------------------------------------------------------------------------

@dataclass
class VersionView:
    version: CatalogueVersion
    known_items: int
    known_classes: int
    unverified_items: int
    retired: list[CatalogueItem]  # items with no successor in the next version
    carried: int  # items with a successor in the next version
    is_last: bool


def overview(session: Session) -> list[VersionView]:
    """The catalogue versions side by side, oldest first, with their counts and successors."""
    versions = list(session.scalars(select(CatalogueVersion).order_by(CatalogueVersion.effective_from)))
    out = []
    for n, v in enumerate(versions):
        last = n == len(versions) - 1
        out.append(VersionView(
            v, len(v.items), len({i.class_code for i in v.items if i.class_code}),
            sum(1 for i in v.items if i.status == "unverified"),
            [] if last else [i for i in v.items if i.successor_id is None],
            0 if last else sum(1 for i in v.items if i.successor_id is not None), last))
    return out
