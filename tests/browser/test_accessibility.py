"""WCAG 2.2 AA audit with axe-core over the 30 most used pages, at a laptop (1366×768) and a phone (390×844) size.

axe-core is the npm package pinned in package.json (``make setup`` runs ``npm ci`` when npm is present); the test
injects ``node_modules/axe-core/axe.min.js`` into each page of the demo and fails on any violation of the rules
tagged wcag2a, wcag2aa, wcag21a, wcag21aa or wcag22aa. Without node_modules the test is skipped with a notice —
except under CI, where it fails (as a missing Chromium does).

The pages (role, address; ``→ pattern``: the first link on that page whose address matches, i.e. a real id):
anonymous: landing, login, registration; trainee: home, my exams, 准考证, my certificates, my classes, one class,
practice, 错题本, change password; centre: sittings, one sitting, the centre report; proctor: the console;
trainer: classes, one class, calendar, lessons, trainee results; regulator: home, users, audit log, registry,
pending certificates, reports, regulator report; author: banks, one bank, blueprints; employer: home.
The exam page itself is not opened here (it would start an attempt in the shared demo); its own browser tests
cover it.
"""

from __future__ import annotations

import os
import re

import pytest

from exam_platform.paths import ROOT
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORDS = {"trainee": "Demo-Trainee-2026", "centre": "Demo-Centre-2026", "proctor": "Demo-Proctor-2026",
             "trainer": "Demo-Trainer-2026", "admin": "Demo-Regulator-2026", "author": "Demo-Author-2026",
             "employer": "Demo-Employer-2026"}
PAGES: list[tuple[str | None, str, str | None]] = [
    (None, "/", None),
    (None, "/login", None),
    (None, "/register", None),
    ("trainee", "/home", None),
    ("trainee", "/exams/my", None),
    ("trainee", "/exams/my", r"/exams/registrations/\d+/ticket$"),
    ("trainee", "/certificates/", None),
    ("trainee", "/training/my", None),
    ("trainee", "/training/my", r"/training/my/\d+$"),
    ("trainee", "/training/practice", None),
    ("trainee", "/training/practice/wrong", None),
    ("trainee", "/password", None),
    ("centre", "/exams/sittings", None),
    ("centre", "/exams/sittings", r"/exams/sittings/\d+$"),
    ("centre", "/reports/centre", None),
    ("proctor", "/exams/sittings", r"/exams/sittings/\d+$ > /exams/sittings/\d+/console$"),
    ("trainer", "/training/classes", None),
    ("trainer", "/training/classes", r"/training/classes/\d+$"),
    ("trainer", "/training/calendar", None),
    ("trainer", "/training/lessons", None),
    ("trainer", "/exams/trainees", None),
    ("admin", "/home", None),
    ("admin", "/admin/users", None),
    ("admin", "/admin/audit", None),
    ("admin", "/registry/", None),
    ("admin", "/registry/pending", None),
    ("admin", "/reports/regulator", None),
    ("author", "/banks/", None),
    ("author", "/banks/", r"/banks/[^/]+/$"),
    ("author", "/blueprints/", None),
    ("employer", "/employer/", None),
]
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail("node_modules/axe-core is missing, and the accessibility audit may not be skipped under CI "
                        "(run `make setup`, which runs `npm ci`)")
        pytest.skip("accessibility audit skipped: node_modules/axe-core is missing (npm ci)")
    return AXE.read_text(encoding="utf-8")


def _target(page, base: str, path: str, pattern: str | None) -> str:
    """``pattern``: links to follow one after the other (``a > b``), each the first matching one on its page."""
    for step in (pattern or "").split(" > ") if pattern else []:
        page.goto(f"{base}{path}")
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        found = next((h for h in hrefs if re.search(step, h.split("?")[0])), None)
        assert found, f"no link matching {step} on {path}"
        path = found
    return path


def _audit(page, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    lines = []
    for v in result["violations"]:
        for node in v["nodes"][:5]:
            lines.append(f"{v['id']} ({v['impact']}): {' '.join(node['target'])} — {node['failureSummary'][:200]}")
    return lines


@pytest.mark.parametrize("size", SIZES)
def test_the_most_used_pages_have_no_wcag_violations(browser, live_server, axe_source, size):
    assert len(PAGES) >= 30
    contexts = {}
    report = []
    try:
        for role, path, pattern in PAGES:
            if role not in contexts:
                context = browser.new_context(locale="zh-CN", viewport=SIZES[size], bypass_csp=True)  # to inject axe
                contexts[role] = context.new_page()
                if role:
                    login(contexts[role], live_server, role, PASSWORDS[role])
            page = contexts[role]
            target = _target(page, live_server, path, pattern)
            page.goto(f"{live_server}{target}")
            page.wait_for_load_state()
            for line in _audit(page, axe_source):
                report.append(f"[{role or 'anonymous'}] {target}: {line}")
    finally:
        for page in contexts.values():
            page.context.close()
    assert not report, f"{len(report)} WCAG 2.2 AA violations at {size}:\n" + "\n".join(report)
