"""The regulator's statistics in a real browser: the server-rendered SVG charts (data: images) load and draw under
the app's CSP with no console error, each next to its table, and the registry figures of the demo are there."""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _stat(page, name: str) -> str:
    return page.locator(f'[data-stat="{name}"] .report-stat-value').inner_text()


def test_regulator_dashboard_charts_render_under_the_csp_beside_their_tables(page, live_server):
    problems: list[str] = []
    failed: list[str] = []
    # A failed load is reported by URL below; the console's own line for it names no URL.
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda err: problems.append(f"pageerror: {err}"))
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 and "/favicon.ico" not in r.url else None)
    login(page, live_server, "admin", "Demo-Regulator-2026")
    response = page.goto(f"{live_server}/reports/regulator")
    assert "img-src 'self' data:" in response.headers["content-security-policy"]
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", level=1)).to_contain_text("监管统计")

    charts = page.locator("figure.report-chart img")
    expect(charts).to_have_count(5)
    for i in range(5):
        img = charts.nth(i)
        img.scroll_into_view_if_needed()
        src = img.get_attribute("src")
        assert src.startswith("data:image/svg+xml;base64,")
        svg = base64.b64decode(src.split(",", 1)[1]).decode("utf-8")
        assert svg.lstrip().startswith("<svg") and "<script" not in svg
        # Decoded and drawn by the browser (a blocked or broken image has no natural size).
        drawn = img.evaluate("el => el.complete && el.naturalWidth > 0 && el.naturalHeight > 0")
        assert drawn, img.get_attribute("alt")
        box = img.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 80

    # Each chart has its table with the same rows: the breakdown, classes and certificates, and the trend.
    for table_id in ("breakdown", "breakdown-classes", "breakdown-certificates", "trend", "trend-certificates"):
        expect(page.locator(f"table#{table_id} tbody tr").first).to_be_visible()
    pair = page.locator(".report-side").filter(has=page.locator("table#breakdown-certificates"))
    expect(pair.locator("figure.report-chart img")).to_have_count(1)

    # The demo registry: certificates were issued this year; the due figure (复审 or 换证 coming due) matches its
    # table total (the demo's T-4.1 needs no 复审 under 令19, so the figure may be 0).
    assert int(_stat(page, "review_due")) >= 0
    assert int(_stat(page, "issued")) >= 1
    total = page.locator('table#breakdown-certificates tfoot td[data-col="review_due"]')
    expect(total).to_have_text(_stat(page, "review_due"))

    # Another breakdown re-renders the charts from the server, still without a console error.
    page.get_by_label("分组统计").select_option("institution")
    page.get_by_role("button", name="统计").click()
    page.wait_for_load_state()
    expect(page.locator("h2").first).to_contain_text("培训机构")
    assert page.locator("figure.report-chart img").first.evaluate("el => el.complete && el.naturalWidth > 0")
    assert not [p for p in problems if re.search(r"Content Security Policy|Refused to", p)], problems
    assert problems == [] and failed == []
