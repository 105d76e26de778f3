"""The login throttle (accounts/login_throttle.py) through real HTTP: a classmate behind the exam room's address
cannot lock a candidate out, and guessing stays bounded per account whatever the address or the spelling."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from exam_platform.accounts.service import username_key
from exam_platform.audit import AuditRecord
from exam_platform.permissions import Role
from tests import factories as f

WRONG = "Wrong-Password-1"
SPELLINGS = ["trainee2", "TRAINEE2", " trainee2", "Trainee2 ", "\ttRAINEE2"]  # one account, however typed


@given(name=st.text(st.sampled_from("abcxyzABC019._-@"), min_size=1, max_size=20),
       flips=st.lists(st.booleans(), min_size=20, max_size=20),
       before=st.sampled_from(["", " ", "\t", "\u3000 "]), after=st.sampled_from(["", " ", "\n"]))
def test_every_spelling_that_reaches_an_account_is_counted_as_that_account(name, flips, before, after):
    typed = before + "".join(c.swapcase() if flip else c for c, flip in zip(name, flips, strict=False)) + after
    assert username_key(typed) == username_key(name) == name.lower()


def login(client, username, password, address="10.8.0.1"):
    """A login POST; every exam-room browser reaches the server from the room's one NAT address."""
    return client.post("/login", data={"username": username, "password": password, "csrf_token": client.csrf_token()},
                       environ_base={"REMOTE_ADDR": address})


def _candidate(db, username="trainee2"):
    user = f.user(db, Role.CANDIDATE, username=username)
    db.commit()
    return user


def test_a_classmate_cannot_lock_out_a_browser_that_has_signed_in_before(app, client, db, rate_limits, clock):
    _candidate(db)
    owner = app.test_client()
    assert login(owner, "trainee2", f.PASSWORD).status_code == 302  # yesterday, at home or in class
    owner.post("/logout")
    clock.advance(days=1)

    classmate = app.test_client()  # same room, same address, never signed in to this account
    codes = [login(classmate, SPELLINGS[i % len(SPELLINGS)], WRONG).status_code for i in range(40)]
    assert codes.count(200) == 10 and codes[10:] == [429] * 30

    for spelling in ["trainee2", "TRAINEE2", " trainee2"]:
        assert login(owner, spelling, f.PASSWORD).status_code == 302, spelling
        owner.post("/logout")


def test_guesses_from_unknown_browsers_are_bounded_per_account_across_addresses(app, db, rate_limits, clock):
    _candidate(db)
    codes = []
    for i in range(40):  # a fresh browser and a fresh address for every guess, and every spelling
        codes.append(login(app.test_client(), SPELLINGS[i % len(SPELLINGS)], WRONG, f"10.9.{i}.7").status_code)
    assert codes.count(200) == 10 and codes[10:] == [429] * 30

    # Once the window is full the password is not even checked: the right one is refused alike.
    refused = login(app.test_client(), "trainee2", f.PASSWORD, "10.10.0.1")
    assert refused.status_code == 429
    assert "该账号登录尝试过多，请5分钟后再试" in refused.get_data(as_text=True)
    assert 0 < int(refused.headers["Retry-After"]) <= 300

    clock.advance(minutes=5, seconds=1)  # the window moves on: the owner gets in from a new browser
    assert login(app.test_client(), "trainee2", f.PASSWORD, "10.10.0.1").status_code == 302


def test_the_window_moves_rather_than_locking_for_a_fixed_period(app, db, rate_limits, clock):
    _candidate(db)
    for _ in range(5):
        assert login(app.test_client(), "trainee2", WRONG).status_code == 200
    clock.advance(minutes=3)
    for _ in range(5):
        assert login(app.test_client(), "trainee2", WRONG).status_code == 200
    assert login(app.test_client(), "trainee2", WRONG).status_code == 429
    clock.advance(minutes=2, seconds=1)  # the first five are older than 5 minutes now; the last five are not
    codes = [login(app.test_client(), "trainee2", WRONG).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_a_known_browser_has_its_own_bound(app, db, rate_limits, clock):
    _candidate(db)
    shared_pc = app.test_client()
    assert login(shared_pc, "trainee2", f.PASSWORD).status_code == 302
    shared_pc.post("/logout")
    # Someone at a computer the candidate used: 10 guesses per 5 minutes there too, then 429 — right password or not.
    codes = [login(shared_pc, "trainee2", WRONG).status_code for _ in range(10)]
    assert codes == [200] * 10
    assert login(shared_pc, "trainee2", f.PASSWORD).status_code == 429
    # ... which does not touch the unknown-browser window, nor other browsers the owner used.
    assert login(app.test_client(), "trainee2", f.PASSWORD).status_code == 302


def test_the_browser_cookie_is_per_account_and_cannot_be_forged(app, client, db, rate_limits, clock):
    _candidate(db)
    _candidate(db, "trainee3")
    mine = app.test_client()
    assert login(mine, "trainee3", f.PASSWORD).status_code == 302  # known to trainee3, not to trainee2
    cookie = mine.get_cookie("known_browser")
    assert cookie is not None and cookie.http_only and "trainee" not in cookie.value
    mine.post("/logout")
    forged = app.test_client()
    forged.set_cookie("known_browser", cookie.value[:-3] + "abc")
    for browser in (mine, forged):
        codes = [login(browser, "trainee2", WRONG).status_code for _ in range(5)]
        assert codes == [200] * 5
    assert login(app.test_client(), "trainee2", WRONG).status_code == 429  # both counted as unknown browsers


def test_staff_unlock_lets_the_owner_in_from_a_new_browser_and_is_audited(app, client, db, rate_limits, clock):
    user = _candidate(db)
    admin = f.user(db, Role.REGULATOR)
    db.commit()
    for _ in range(10):
        login(app.test_client(), "TRAINEE2", WRONG)
    exam_pc = app.test_client()
    assert login(exam_pc, "trainee2", f.PASSWORD).status_code == 429

    f.login_as(client, admin)
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "10 / 10" in page and "已受限" in page
    assert client.post(f"/admin/users/{user.id}/login-unlock").status_code == 302
    assert "0 / 10" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    record = db.scalar(select(AuditRecord).where(AuditRecord.action == "user.unlock_login"))
    assert record.target_id == str(user.id) and record.actor_id == admin.id and '"attempts": 10' in record.summary

    assert login(exam_pc, "trainee2", f.PASSWORD).status_code == 302


def test_unlock_needs_a_regulator_and_a_csrf_token(app, client, db, rate_limits):
    user = _candidate(db)
    proctor = f.user(db, Role.PROCTOR)
    admin = f.user(db, Role.REGULATOR)
    db.commit()
    f.login_as(client, proctor)
    assert client.post(f"/admin/users/{user.id}/login-unlock").status_code == 403
    f.login_as(client, admin)
    assert client.post(f"/admin/users/{user.id}/login-unlock", csrf=False).status_code == 400
    assert db.scalar(select(AuditRecord).where(AuditRecord.action == "user.unlock_login")) is None


def test_a_room_of_candidates_behind_one_address_all_get_in(app, db, rate_limits, clock):
    """DESIGN §5.8: 100 candidates signing in within a minute from the room's one address, none of them known."""
    users = [f.user(db, Role.CANDIDATE, username=f"room{i:03d}") for i in range(100)]
    db.commit()
    codes = [login(app.test_client(), u.username, f.PASSWORD).status_code for u in users]
    assert codes == [302] * 100
