"""Login, logout and sessions through real HTTP."""

import re

from exam_platform.permissions import Role
from tests import factories as f


def login(client, username, password, next_url=""):
    return client.post("/login", data={"username": username, "password": password, "next": next_url,
                                       "csrf_token": client.csrf_token()})


def test_login_lands_on_the_role_home_page(client, db):
    user = f.user(db, Role.CANDIDATE, username="candidate1")
    db.commit()
    response = login(client, "candidate1", f.PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/home")
    home = client.get("/home").get_data(as_text=True)
    assert user.real_name in home


def test_wrong_password_and_unknown_user_answer_alike(client, db):
    f.user(db, Role.CANDIDATE, username="candidate2")
    db.commit()
    wrong = login(client, "candidate2", "Wrong-Password-1")
    unknown = login(client, "nobody-here", "Wrong-Password-1")
    assert wrong.status_code == unknown.status_code == 200
    assert "用户名或密码不正确" in wrong.get_data(as_text=True)
    strip = lambda r: re.sub(r'(value|content)="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(wrong).replace("candidate2", "X") == strip(unknown).replace("nobody-here", "X")


def test_login_keeps_what_the_user_typed(client):
    page = login(client, "someone", "").get_data(as_text=True)
    assert 'value="someone"' in page and "此项必填" in page


def test_next_is_followed_only_to_local_paths(client, db):
    f.user(db, Role.CANDIDATE, username="candidate3")
    db.commit()
    for evil in ["https://evil.example/x", "//evil.example", "/\\evil.example", "javascript:alert(1)"]:
        client.forget_csrf()
        response = login(client, "candidate3", f.PASSWORD, next_url=evil)
        assert response.headers["Location"].endswith("/home"), evil
        client.post("/logout")
    client.forget_csrf()
    response = login(client, "candidate3", f.PASSWORD, next_url="/account/password")
    assert response.headers["Location"].endswith("/account/password")


def test_a_copied_cookie_is_dead_after_logout(app, client, db):
    f.user(db, Role.CANDIDATE, username="candidate4")
    db.commit()
    login(client, "candidate4", f.PASSWORD)
    stolen = client.get_cookie("session").value
    assert client.get("/home").status_code == 200
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/home")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_post_without_csrf_token_is_refused(client, db):
    f.user(db, Role.CANDIDATE, username="candidate5")
    db.commit()
    response = client.post("/login", data={"username": "candidate5", "password": f.PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert client.get("/home").status_code == 302


def test_session_cookie_attributes(client, db):
    f.user(db, Role.CANDIDATE, username="candidate6")
    db.commit()
    response = login(client, "candidate6", f.PASSWORD)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_is_rate_limited_per_account_not_per_room(client, db, rate_limits):
    f.user(db, Role.CANDIDATE, username="candidate7")
    other = f.user(db, Role.CANDIDATE, username="candidate8")
    db.commit()
    codes = [login(client, "candidate7", "Wrong-Password-1").status_code for _ in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    # Another candidate behind the same IP (a whole exam room shares one) still logs in.
    assert login(client, other.username, f.PASSWORD).status_code == 302


def test_self_registration_creates_a_candidate_and_shows_field_errors(client, db):
    from exam_platform.accounts.idnumber import make_resident_id

    data = {"username": "newbie", "real_name": "李四", "id_type": "resident_id", "id_number": "110105194912310021",
            "phone": "13900000000", "password": "Correct-Horse-42", "csrf_token": client.csrf_token()}
    page = client.post("/register", data=data)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "校验位" in html and 'value="李四"' in html
    data["id_number"] = make_resident_id("11010519900307123")
    assert client.post("/register", data=data).status_code == 302
    assert login(client, "newbie", "Correct-Horse-42").status_code == 302
