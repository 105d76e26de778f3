"""The reports' part of the OpenAPI document (collected by exam_platform/openapi.py): the dashboards' figures as
JSON. Tables are lists of flat rows of figures (docs/statistics.md defines every figure); the envelope around
them is strict."""

from __future__ import annotations

from typing import Any

from ..openapi import FIGURES, LOGGED_IN, NULLABLE_INT, NULLABLE_NUMBER, errors, obj, ok, path_id, query, ref

TABLE = {"type": "array", "items": FIGURES}
DATE = {"type": "string", "format": "date"}
PERIOD = query("period", {"type": "string"}, "2026, 2026H1 or 2026Q3 (another value: the current year)")
FILTERS = [
    PERIOD,
    query("dim", {"type": "string"}, "breakdown: group, category, region, institution, centre or employer "
                                     "(another value: category)"),
    query("grain", {"type": "string"}, "trend: month, quarter, half or year (another value: month)"),
    query("group", {"type": "string"}, "a category group (another value: all)"),
    *(query(name, {"type": "string"}, f"a {name} id (another value: all)")
      for name in ("category", "institution", "centre", "employer")),
    query("region", {"type": "string"}, "a region code"),
]
PUBLICATION_CELLS = obj({name: {"type": "integer"} for name in ("sittings", "candidates", "sat", "passed",
                                                                 "certificates")} | {"pass_rate": NULLABLE_NUMBER})
TAGS = ["reports"]

SCHEMAS: dict[str, Any] = {
    "Overview": obj({"dimension": {"type": "string"}, "grain": {"type": "string"}, "period": {"type": "string"},
                     "today": DATE, "total": FIGURES, "rows": TABLE, "trend": TABLE}),
    "Publication": obj({
        "period": {"type": "string"}, "start": DATE, "end": DATE,
        "rows": {"type": "array", "items": obj({"key": {"type": ["integer", "string", "null"]},
                                                 "label": {"type": "string"},
                                                 "special": PUBLICATION_CELLS, "leader": PUBLICATION_CELLS})},
        "total": obj({"special": PUBLICATION_CELLS, "leader": PUBLICATION_CELLS})}),
    "TargetProgress": obj({"year": {"type": "integer"}, "targets": TABLE}),
    "Workforce": obj({"rows": TABLE}),
    "CentreDashboard": obj({"period": {"type": "string"}, "total": FIGURES, "sittings": TABLE, "categories": TABLE,
                            "category_total": FIGURES, "incidents": TABLE}),
    "InstitutionDashboard": obj({"period": {"type": "string"}, "total": FIGURES, "rows": TABLE, "kinds": TABLE,
                                 "classes": obj({"rows": TABLE, "total": FIGURES})}),
    "ItemStatistics": obj({
        "scope": obj({"kind": {"enum": ["blueprint", "bank", "sitting"]}, "id": {"type": "integer"},
                      "title": {"type": "string"}, "pass_mark": NULLABLE_NUMBER, "bank_id": NULLABLE_INT}),
        "test": {"type": "object", "additionalProperties": {
            "anyOf": [FIGURES["additionalProperties"], {"type": "array", "items": {"type": "number"}}]}},
        "items": {"type": "array", "items": ref("ItemRow")}}),
    "ItemRow": obj({
        "version_id": {"type": "integer"}, "part": NULLABLE_INT, "question_key": {"type": "string"},
        "number": NULLABLE_INT, "type": {"type": "string"}, "topic": {"type": ["string", "null"]},
        "difficulty": NULLABLE_INT,
        "current": {"type": "boolean"}, "exposure": {"type": "integer"}, "exposure_rate": {"type": "number"},
        "facility": NULLABLE_NUMBER, "point_biserial": NULLABLE_NUMBER, "discrimination": NULLABLE_NUMBER,
        "omitted": {"type": "integer"}, "flags": {"type": "array", "items": {"type": "string"}}}),
}

READ = errors(*LOGGED_IN)

PATHS: dict[str, Any] = {
    "/api/v1/reports/overview": {"get": {
        "summary": "The regulator's overview: totals, a breakdown and a trend (regulators)", "tags": TAGS,
        "parameters": FILTERS, "responses": {"200": ok("Overview"), **READ}}},
    "/api/v1/reports/publication": {"get": {
        "summary": "The half-year publication table per training institution (regulators)", "tags": TAGS,
        "parameters": [query("period", {"type": "string"}, "a half-year, 2026H1 (another value: the last one)")],
        "responses": {"200": ok("Publication"), **READ}}},
    "/api/v1/reports/targets": {"get": {
        "summary": "Annual targets and their progress (regulators)", "tags": TAGS,
        "parameters": [query("year", {"type": "string"}, "a year, 2000–2100 (another value: this year)")],
        "responses": {"200": ok("TargetProgress"), **READ}}},
    "/api/v1/reports/workforce": {"get": {
        "summary": "持证率: certificate holders against employers' declared workforce (regulators)", "tags": TAGS,
        "responses": {"200": ok("Workforce"), **READ}}},
    "/api/v1/reports/centre/{centre_id}": {"get": {
        "summary": "An exam centre's dashboard (regulators, that centre's staff)", "tags": TAGS,
        "parameters": [path_id("centre_id"), PERIOD], "responses": {"200": ok("CentreDashboard"), **READ}}},
    "/api/v1/reports/institution/{institution_id}": {"get": {
        "summary": "A training institution's dashboard (regulators, that institution's staff)", "tags": TAGS,
        "parameters": [path_id("institution_id"), PERIOD], "responses": {"200": ok("InstitutionDashboard"), **READ}}},
    "/api/v1/reports/items/blueprint/{blueprint_id}": {"get": {
        "summary": "Item analysis of an exam blueprint's questions (regulators, question authors)", "tags": TAGS,
        "parameters": [path_id("blueprint_id")], "responses": {"200": ok("ItemStatistics"), **READ}}},
}
