"""An initial password (set by staff and announced) must be changed before anything else opens (issue 16)."""

from __future__ import annotations

from tests import factories as f


def test_every_page_leads_to_the_password_change_until_it_is_done(db, client):
    me = f.user(db, "candidate")
    me.must_change_password = True
    db.commit()
    f.login_as(client, me)
    for path in ("/home", "/exams/my", "/exams/my/photo", "/training/my"):
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"].endswith("/account/password"), path
    api = client.post("/api/v1/registrations/1/attempt")
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "password_change_required"
    assert client.get("/account/password").status_code == 200
    r = client.post("/account/password", data={"current_password": f.PASSWORD,
                                               "new_password": "Another-Horse-77x"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    db.refresh(me)
    assert not me.must_change_password
    assert client.get("/home").status_code == 200


def test_logging_out_stays_possible(db, client):
    me = f.user(db, "candidate")
    me.must_change_password = True
    db.commit()
    f.login_as(client, me)
    assert client.post("/logout").headers["Location"].endswith("/login")


def test_nothing_is_pre_ticked_in_bulk_approval():
    from exam_platform.paths import ROOT

    page = (ROOT / "templates" / "certificates" / "registry" / "pending.html").read_text()
    assert 'name="ids"' in page and " checked" not in page
