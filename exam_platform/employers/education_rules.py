"""The rules of "三级"安全教育 as data: the ``workplace_education`` versions of ``question_banks/catalog.yaml``
(令第3号 第十二、十三、十七条), read and checked here, never written as constants in code.

``rules_on(day)`` answers the version in force on ``day``. The file is read once per change of its
modification time, so an edited catalogue applies without a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..catalog.service import CATALOG_FILE
from ..yamlfile import YamlProblem, line_of, load_file

LEVELS = ("company", "workshop", "team")


@dataclass(frozen=True)
class Source:
    document: str
    article: str

    def __str__(self) -> str:
        return f"{self.document} {self.article}"


@dataclass(frozen=True)
class EducationRules:
    """One version of the 三级 education rules."""

    effective_from: date
    source: str
    levels: tuple[str, ...]
    high_risk_industries: tuple[str, ...]
    initial_hours: dict[str, float]     # "general" | "high_risk" → 学时
    yearly_hours: dict[str, float]
    reassignment_levels: tuple[str, ...]
    reassignment_away_days: int
    sources: dict[str, Source]          # levels | industries | initial | yearly | reassignment

    def high_risk(self, industry: str) -> bool:
        return industry in self.high_risk_industries

    def initial_minimum(self, industry: str) -> float:
        return self.initial_hours["high_risk" if self.high_risk(industry) else "general"]

    def yearly_minimum(self, industry: str) -> float:
        return self.yearly_hours["high_risk" if self.high_risk(industry) else "general"]


def _hours(block: Any, name: str, file: str, node: Any) -> dict[str, float]:
    if not isinstance(block, dict) or set(block) != {"general", "high_risk"}:
        raise YamlProblem(file, line_of(node), f"workplace_education：{name} 应含 general 与 high_risk")
    out = {}
    for key, value in block.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise YamlProblem(file, line_of(node), f"workplace_education：{name}.{key} 应为非负数")
        out[key] = float(value)
    return out


def _source(raw: Any, name: str, file: str, node: Any) -> Source:
    if not isinstance(raw, dict) or not raw.get("document") or not raw.get("article"):
        raise YamlProblem(file, line_of(node), f"workplace_education：{name} 应注明 document 与 article")
    return Source(str(raw["document"]), str(raw["article"]))


def _levels(raw: Any, name: str, file: str, node: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or any(level not in LEVELS for level in raw):
        raise YamlProblem(file, line_of(node), f"workplace_education：{name} 只能取 {', '.join(LEVELS)}")
    return tuple(raw)


def parse(data: Any, file: str = "catalog.yaml") -> list[EducationRules]:
    """The versions, oldest first; a malformed block raises YamlProblem naming its line."""
    versions = data.get("workplace_education") if isinstance(data, dict) else None
    if not isinstance(versions, list) or not versions:
        raise YamlProblem(file, None, "缺少 workplace_education（三级安全教育规则）")
    out = []
    for v in versions:
        if not isinstance(v, dict) or not isinstance(v.get("effective_from"), date):
            raise YamlProblem(file, line_of(v), "workplace_education：每个版本应有 effective_from 日期")
        away = v.get("reassignment_away_days")
        if not isinstance(away, int) or away <= 0:
            raise YamlProblem(file, line_of(v), "workplace_education：reassignment_away_days 应为正整数")
        out.append(EducationRules(
            effective_from=v["effective_from"], source=str(v.get("source", "")),
            levels=_levels(v.get("levels"), "levels", file, v),
            high_risk_industries=tuple(str(i) for i in v.get("high_risk_industries") or ()),
            initial_hours=_hours(v.get("initial_hours"), "initial_hours", file, v),
            yearly_hours=_hours(v.get("yearly_hours"), "yearly_hours", file, v),
            reassignment_levels=_levels(v.get("reassignment_levels"), "reassignment_levels", file, v),
            reassignment_away_days=away,
            sources={k: _source(v.get(f"{k}_source"), f"{k}_source", file, v)
                     for k in ("levels", "industries", "initial", "yearly", "reassignment")}))
    return sorted(out, key=lambda r: r.effective_from)


_cache: dict[Path, tuple[float, list[EducationRules]]] = {}


def versions(path: Path = CATALOG_FILE) -> list[EducationRules]:
    mtime = path.stat().st_mtime
    hit = _cache.get(path)
    if hit is None or hit[0] != mtime:
        hit = (mtime, parse(load_file(path), path.name))
        _cache[path] = hit
    return hit[1]


def rules_on(day: date, path: Path = CATALOG_FILE) -> EducationRules:
    """The version in force on ``day`` (the earliest one for a day before every version)."""
    found = versions(path)
    current = found[0]
    for v in found:
        if v.effective_from <= day:
            current = v
    return current


def industries(path: Path = CATALOG_FILE, *, on: date) -> list[str]:
    """What an employer may choose as its industry: 一般行业 and the high-risk ones of the rules."""
    return ["一般行业", *rules_on(on, path).high_risk_industries]
