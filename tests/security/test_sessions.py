"""Sessions through the real login form: a copied cookie dies with logout, password change and account disable;
login never tells whether an account exists; cookies carry their attributes; ``next`` stays on this site; a
session lasts 12 hours from the login however busy it is, and a request that changes nothing in it sends no
Set-Cookie."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from exam_platform.accounts.sessions import LOGIN_AT
from exam_platform.exams import device
from exam_platform.permissions import Role
from tests import factories as f
from tests.exams import factories as xf
from tests.factories import PASSWORD


def login(client, username: str, password: str = PASSWORD, next_: str = ""):
    return client.post("/login", data={"username": username, "password": password, "next": next_})


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def thief_with(app, cookie: str):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def logged_in(c) -> bool:
    return c.get("/home").status_code == 200


def test_a_copied_cookie_dies_with_logout_password_change_and_disable(app, client, db):
    alice = f.user(db, Role.CANDIDATE, username="alice-session")
    admin = f.user(db, Role.REGULATOR, username="admin-session")
    db.commit()
    # logout
    assert login(client, "alice-session").status_code == 302
    thief = thief_with(app, session_cookie(client))
    assert logged_in(thief)
    client.post("/logout")
    assert not logged_in(thief)
    # password change (the changing session continues, every copy of the old cookie ends)
    login(client, "alice-session")
    thief = thief_with(app, session_cookie(client))
    assert logged_in(thief)
    r = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "Another-Horse-77"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    assert logged_in(client) and not logged_in(thief)
    # disable by the regulator
    thief = thief_with(app, session_cookie(client))
    assert logged_in(thief)
    regulator = app.test_client()
    login(regulator, "admin-session")
    assert regulator.post(f"/admin/users/{alice.id}/active", data={"active": "0"}).status_code == 302
    db.expire_all()
    assert db.get(type(alice), alice.id).active is False
    assert not logged_in(thief) and not logged_in(client)
    assert admin.id


def _normalised(page: str) -> str:
    page = re.sub(r'(name="csrf[_-]token" (?:content|value)=")[^"]+', r"\1X", page)
    return re.sub(r'value="[^"]*"', 'value=""', page)  # the typed username is kept in the form


def test_login_does_not_reveal_whether_an_account_exists(app, client, db):
    f.user(db, Role.CANDIDATE, username="bob-exists")
    gone = f.user(db, Role.CANDIDATE, username="carol-disabled")
    gone.active = False
    db.commit()
    answers = [login(client, "bob-exists", "Wrong-Password-99"), login(client, "nobody-here-at-all", PASSWORD),
               login(client, "carol-disabled", PASSWORD)]
    assert {r.status_code for r in answers} == {200}
    assert len({_normalised(r.get_data(as_text=True)) for r in answers}) == 1


def test_cookie_attributes(app, client, db):
    f.user(db, Role.CANDIDATE, username="dave-cookie")
    db.commit()
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        r = login(client, "dave-cookie")
        cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("session="))
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    attrs = {a.strip().split("=")[0].lower(): a.strip() for a in cookie.split(";")[1:]}
    assert "httponly" in attrs and "secure" in attrs
    assert attrs["samesite"].lower() == "samesite=lax"
    page = client.get("/home")
    assert "no-store" in page.headers["Cache-Control"]  # personal pages are never cached


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
    "http:evil.example", "/\t/evil.example", "/\n/evil.example", " //evil.example", "https:/evil.example",
    "/%09/evil.example", "\x00//evil.example", "///evil.example",
])
def test_next_never_leaves_the_site(app, client, db, target):
    f.user(db, Role.CANDIDATE, username="erin-next")
    db.commit()
    r = login(client, "erin-next", next_=target)
    assert r.status_code == 302
    location = r.headers["Location"]
    # What a browser would do with it: strip tabs and newlines, then resolve against this site.
    cleaned = re.sub(r"[\t\n\r]", "", location).strip()
    parts = urlsplit(cleaned)
    assert parts.netloc in ("", "localhost") and parts.scheme in ("", "http", "https"), location
    assert not cleaned.startswith(("//", "/\\", "\\")), location
    lang = client.post("/lang", data={"lang": "en", "next": target})
    assert not re.sub(r"[\t\n\r]", "", lang.headers["Location"]).strip().startswith(("//", "/\\", "\\"))


def test_api_requests_that_change_nothing_in_the_session_send_no_cookie(app, client, db, clock):
    w = xf.world(db)
    reg = xf.registered(db, w)
    db.commit()
    clock.set(w.sitting.starts_at + timedelta(minutes=2))
    client.set_cookie(device.COOKIE, "device-token-of-the-exam-room-pc-0001")
    assert any(h.startswith("session=") for h in login(client, reg.candidate.username).headers.getlist("Set-Cookie"))
    assert client.get(f"/exams/take/{reg.id}").status_code == 200  # the page puts a CSRF secret in the session
    start = client.post(f"/api/v1/registrations/{reg.id}/attempt")
    assert start.status_code == 200, start.get_json()
    attempt_id = start.get_json()["attempt_id"]
    answers = [client.post(f"/api/v1/attempts/{attempt_id}/answers", json={"position": 1, "response": True,
                                                                            "seq": seq}) for seq in (1, 2)]
    paper = client.get(f"/api/v1/attempts/{attempt_id}/paper")
    for r in (start, *answers, paper):
        assert r.status_code == 200, r.get_json()
        assert r.headers.getlist("Set-Cookie") == [], (r.request.path, r.headers.getlist("Set-Cookie"))
        assert r.headers.get("Cache-Control") == "no-store"  # personal answers are never cached
        assert r.headers.get("X-Content-Type-Options") == "nosniff"


def test_a_session_ends_12_hours_after_login_however_busy(app, client, db, clock):
    f.user(db, Role.CANDIDATE, username="frank-12h")
    db.commit()
    login(client, "frank-12h")
    with client.session_transaction() as s:
        assert s[LOGIN_AT] == int(clock().timestamp())  # the login time comes from the one clock
    assert logged_in(client)
    clock.advance(hours=11, minutes=59)
    with client.session_transaction() as s:  # re-signed now: only the login time says how old the session is
        s["touched"] = True
    assert logged_in(client)
    clock.advance(minutes=2)
    assert not logged_in(client)
    login(client, "frank-12h")  # a new login starts a new 12 hours
    assert logged_in(client)
