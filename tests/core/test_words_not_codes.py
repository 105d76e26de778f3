"""Words, not codes: every page a demo role can reach, in Chinese and English, shows words a person would write.

The walk seeds the demo data, then for each demo account (and anonymously) follows every same-site link from
the start pages with GET, in zh_CN and in en, and reads the visible text of each page (tags, scripts and
attribute values left out; ``title``, ``aria-label``, ``placeholder`` and ``alt`` kept, since people read them).
It fails on:

* raw codes: snake_case enum values (``true_false``, ``in_progress``), role keys (``centre_staff``), action keys
  (``proctor.force_submit``), rule-set ids (``special-30``, ``leader-high-risk``), catalogue group codes and raw
  JSON (``{"``);
* English words on a Chinese page, apart from a short allow-list of proper nouns and abbreviations, and
  the demo data's own Latin-script values (usernames, e-mail addresses, certificate numbers).

Links are followed per endpoint a few times (ids come from the demo data), so every reachable page is seen
without walking every row of every list.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from exam_platform import demo

# Proper nouns and abbreviations a Chinese page may carry in Latin letters.
ALLOWED_LATIN = {
    "PDF", "QR", "API", "ID", "IP", "URL", "CSV", "XLSX", "xlsx", "Excel", "JSON", "OpenAPI", "Word", "HTTP",
    "HTTPS", "English", "CPU", "AA", "WCAG", "PNG", "JPEG", "JPG", "KB", "MB", "GB", "PostgreSQL", "SQLite",
    "Chrome", "Chromium", "Edge", "Safari", "Firefox", "Android", "iOS", "WiFi", "Wi", "Fi", "VPN", "UTC",
    "GB", "AQ", "T", "No", "CA", "SHA", "USB", "Noto", "Sans", "CJK", "SC", "A4", "PIN", "TOTP", "YAML", "CIDR",
    "Markdown", "HTML", "https", "http", "PageUp", "PageDown", "Ctrl", "WebP", "SVG", "ZIP", "zip",
}
PROPER_TERMS = ("X-Forwarded-For",)  # header names and the like, said as they are
# Codes that must never reach a page: snake_case enum values and role keys, dotted action keys; the catalogue's
# own codes (rule-set ids, category and group codes) are added from the database (``known_codes``).
RAW_CODE = re.compile(
    r"(?<![\w./@-])("
    r"[a-z]+(?:_[a-z0-9]+)+"                 # snake_case enum values and role keys: true_false, centre_staff
    r"|[a-z]+\.[a-z]+(?:_[a-z]+)*"           # action keys: proctor.force_submit, exam.publish
    r")(?![\w@-]|\.[a-z])")
NOT_CODES = re.compile(r"^(e\.g|i\.e|[\w-]+\.(md|yaml|yml|json|py|html|xlsx|csv|pdf|png|txt))$")
RAW_JSON = re.compile(r"[{\[]\s*\"\w+\"\s*:")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z]+")
# Pages that are not HTML for people (files, JSON, the API document) are not read.
SKIP_PATH = re.compile(r"^/(static|api|openapi|healthz|v1)/|\.(pdf|xlsx|csv|json|png|jpg|svg|js|css)$")
PER_ENDPOINT = 3   # instances of one route followed per role and language
MAX_PAGES = 400    # per role and language: a safety stop, not a limit reached in practice

READ_ATTRS = ("title", "aria-label", "placeholder", "alt")
LITERAL = ("script", "style", "template", "code", "kbd", "samp")  # not words: commands, keys, file names


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in LITERAL:
            self._skip += 1
        if tag == "a" and attrs.get("href") and "download" not in attrs:
            self.links.append(attrs["href"])
        for name in READ_ATTRS:
            if attrs.get(name):
                self.parts.append(attrs[name])
        self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in LITERAL and self._skip:
            self._skip -= 1
        self.parts.append(" ")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def read_page(html: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", "".join(parser.parts)), parser.links


def demo_latin_values(session) -> set[str]:
    """Latin-script values that are data, not interface words: usernames, bank codes and question keys (which
    authors choose and type in their bank files), and the words of the questions themselves (HAZOP, SDS …)."""
    from sqlalchemy import select

    from exam_platform.accounts.models import User
    from exam_platform.banks.models import Bank, Question, QuestionVersion

    words = {name for (name,) in session.execute(select(User.username))}
    words |= {code for (code,) in session.execute(select(Bank.code))}
    words |= {key for (key,) in session.execute(select(Question.key))}
    for stem, options, explanation in session.execute(
            select(QuestionVersion.stem, QuestionVersion.options, QuestionVersion.explanation)):
        words |= set(LATIN_WORD.findall(" ".join([stem, explanation or "", *map(str, options or [])])))
    return words


ANSWER_LETTERS = re.compile(r"^[A-H]+$")  # answers and option letters: A, ABD


def known_codes(session) -> set[str]:
    """The catalogue's and the permission model's own keys: rule-set ids, category codes other than the official
    特种作业 numbers (T-1.1 …), category groups, role keys and audit actions."""
    from sqlalchemy import select

    from exam_platform.audit import AuditRecord
    from exam_platform.catalog.models import Category, RuleSet
    from exam_platform.permissions import Role

    codes = {p for (p,) in session.execute(select(RuleSet.profile).distinct())}
    codes |= {c for (c,) in session.execute(select(Category.code)) if not c.startswith("T-")}
    codes |= {g for (g,) in session.execute(select(Category.group).distinct())}
    codes |= {r.value for r in Role} | {a for (a,) in session.execute(select(AuditRecord.action).distinct())}
    return {c for c in codes if c and not c.isalpha()}  # plain words (group "special") are the English check's


KNOWN_CODES: set[str] = set()


def problems_in(text: str, lang: str, data_words: set[str]) -> list[str]:
    found = []
    for code in KNOWN_CODES:
        if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text):
            found.append(f"code {code!r}: …{text[max(0, text.find(code) - 30):text.find(code) + len(code) + 30]}…")
    codes = [w for w in data_words if "-" in w or "_" in w or "." in w]
    if codes:
        text = re.sub("|".join(re.escape(c) for c in sorted(codes, key=len, reverse=True)), " ", text)
    for m in RAW_CODE.finditer(text):
        if NOT_CODES.match(m.group(1)):
            continue
        found.append(f"raw code {m.group(1)!r}: …{text[max(0, m.start() - 30):m.end() + 30]}…")
    for m in RAW_JSON.finditer(text):
        found.append(f"raw JSON: …{text[max(0, m.start() - 30):m.end() + 40]}…")
    if lang == "zh_CN":
        for term in PROPER_TERMS:
            text = text.replace(term, " ")
        cleaned = re.sub(r"\S+@\S+|https?://\S+|\b[\w-]*\d[\w-]*\b", " ", text)  # e-mail, links, numbers with letters
        for m in LATIN_WORD.finditer(cleaned):
            word = m.group(0)
            if word in ALLOWED_LATIN or word in data_words or ANSWER_LETTERS.match(word):
                continue
            found.append(f"English word {word!r} on a Chinese page: …{cleaned[max(0, m.start() - 30):m.end() + 30]}…")
    return found


def walk(app, client, start_pages: list[str], lang: str, data_words: set[str],
         visited: set[str] | None = None) -> dict[str, list[str]]:
    with client.session_transaction() as sess:
        sess["lang"] = lang
    adapter = app.url_map.bind("localhost")
    seen_paths: set[str] = set()
    per_endpoint: dict[str, int] = defaultdict(int)
    queue = deque(start_pages)
    report: dict[str, list[str]] = {}
    pages = 0
    while queue and pages < MAX_PAGES:
        path = queue.popleft()
        if path in seen_paths:
            continue
        seen_paths.add(path)
        try:
            endpoint, _args = adapter.match(urlsplit(path).path, method="GET")
        except Exception:  # not a GET route of the app (a form action, a 404 link): not walked
            continue
        if endpoint in ("accounts.logout", "core.set_language") or SKIP_PATH.search(urlsplit(path).path):
            continue
        if per_endpoint[endpoint] >= PER_ENDPOINT:
            continue
        per_endpoint[endpoint] += 1
        response = client.get(path)
        if visited is not None:
            visited.add(endpoint)
        pages += 1
        assert response.status_code < 500, f"{path} answered {response.status_code}"
        if response.status_code in (301, 302, 303, 307, 308) and response.location:
            target = urlsplit(urljoin("http://localhost" + path, response.location))
            if target.netloc == "localhost":
                queue.appendleft(target.path + (f"?{target.query}" if target.query else ""))
            continue
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        text, links = read_page(response.get_data(as_text=True))
        found = problems_in(text, lang, data_words)
        if found:
            report[f"{endpoint} {path}"] = found
        for href in links:
            target = urlsplit(urljoin("http://localhost" + path, href))
            if target.netloc != "localhost" or target.scheme not in ("http", "https"):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return report


@pytest.fixture()
def demo_world(app, db, clock):
    """The demo data inside the test's transaction (rolled back), with certificate keys in a folder of its own."""
    import tempfile

    saved = app.config.get("CERT_KEY_DIR")
    app.config["CERT_KEY_DIR"] = tempfile.mkdtemp(prefix="words_keys_")
    with app.test_request_context():
        demo.seed(db, now=clock())
    db.commit()
    yield db
    app.config["CERT_KEY_DIR"] = saved


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_pages_show_words_not_codes(app, demo_world, lang):
    """Every demo role (and anonymous), every reachable GET page, in one language (one demo seed per language)."""
    from sqlalchemy import select

    from exam_platform.accounts.models import User
    from tests import factories as f

    data_words = demo_latin_values(demo_world)
    KNOWN_CODES.clear()
    KNOWN_CODES.update(known_codes(demo_world))
    lines = []
    visited: set[str] = set()
    for username in [None, *demo.DEMO_USERNAMES]:
        client = app.test_client()
        start = ["/", "/login"]
        if username:
            user = demo_world.execute(select(User).where(User.username == username)).scalar_one()
            f.login_as(client, user)
            start = ["/"]
        report = walk(app, client, start, lang, data_words, visited)
        lines += [f"[{username or 'anonymous'}] {page}\n    " + "\n    ".join(found)
                  for page, found in sorted(report.items())]
    get_routes = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"}
    assert len(visited) > len(get_routes) // 2, f"the walk reached only {sorted(visited)}"
    assert not lines, f"{len(lines)} pages show codes or English words ({lang}):\n" + "\n".join(lines)


def test_the_walk_catches_codes_and_english(monkeypatch):
    """The detector itself: it flags what the issue saw and leaves ordinary Chinese alone."""
    words = set()
    monkeypatch.setattr(f"{__name__}.KNOWN_CODES", {"leader-high-risk", "special-30", "PRINCIPAL-HAZCHEM"})
    assert problems_in("规则集 special-30", "en", words)
    assert problems_in("Chart: PRINCIPAL-HAZCHEM", "en", words)
    assert not problems_in("Trainee sign-up, e.g. a half-year; see catalog.yaml", "en", words)
    assert problems_in("你的答案：False", "zh_CN", words)
    assert problems_in("题型 true_false", "zh_CN", words)
    assert problems_in("规则集（leader-high-risk）", "zh_CN", words)
    assert problems_in("操作 proctor.force_submit 角色 centre_staff", "en", words)
    assert problems_in('摘要 {"attempt": 4}', "en", words)
    assert problems_in("Attempt 4", "zh_CN", words)
    assert not problems_in("下载 PDF 准考证，扫描 QR 码核验", "zh_CN", words)
    assert not problems_in("Admission ticket · Result", "en", words)

