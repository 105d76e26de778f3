"""Regulator administration through HTTP: field errors keep input, 教考分离 in the UI, audit search."""

from sqlalchemy import func, select

from exam_platform.accounts.models import Organization, User
from exam_platform.permissions import Role
from tests import factories as f


def _regulator(client, db):
    admin = f.user(db, Role.REGULATOR)
    db.commit()
    f.login_as(client, admin)
    return admin


def test_create_organisation_with_bad_region_keeps_input_and_writes_nothing(client, db):
    _regulator(client, db)
    before = db.scalar(select(func.count(Organization.id)))
    response = client.post("/admin/organizations/new", data={"name": "某某考点", "kind": "exam_centre",
                                                             "region_code": "12ab"})
    html = response.get_data(as_text=True)
    assert "行政区划代码应为6位数字" in html and 'value="某某考点"' in html
    assert db.scalar(select(func.count(Organization.id))) == before
    response = client.post("/admin/organizations/new", data={"name": "某某考点", "kind": "exam_centre",
                                                             "region_code": "360100"})
    assert response.status_code == 302
    assert db.scalar(select(func.count(Organization.id))) == before + 1


def test_duplicate_id_number_is_a_field_error_not_a_500(client, db):
    _regulator(client, db)
    existing = f.user(db)
    db.commit()
    response = client.post("/admin/users/new", data={
        "username": "another", "real_name": "王五", "id_type": "resident_id", "id_number": existing.id_number,
        "phone": "", "password": "Correct-Horse-42", "employer_id": "0"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "该证件号码已有账号" in html and 'value="another"' in html


def test_granting_an_examining_role_to_a_trainer_is_refused_in_the_ui(client, db):
    _regulator(client, db)
    trainer = f.user(db, Role.INSTITUTION_STAFF)
    centre = f.org(db, "exam_centre")
    db.commit()
    response = client.post(f"/admin/users/{trainer.id}/grants", data={"role": "proctor",
                                                                      "organization_id": str(centre.id)})
    assert response.status_code == 400
    assert "教考分离" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, trainer.id).roles == {Role.INSTITUTION_STAFF}


def test_disabling_a_user_ends_their_session_and_is_audited(app, client, db):
    _regulator(client, db)
    victim = f.user(db, Role.CANDIDATE)
    db.commit()
    victim_client = app.test_client()
    f.login_as(victim_client, victim)
    assert victim_client.get("/home").status_code == 200
    assert client.post(f"/admin/users/{victim.id}/active", data={"active": "0"}).status_code == 302
    assert victim_client.get("/home").status_code == 302
    page = client.get("/admin/audit?action=user.disable").get_data(as_text=True)
    assert "user.disable" in page


def test_user_search_finds_by_id_number_and_pages(client, db):
    _regulator(client, db)
    target = f.user(db, real_name="欧阳娜娜")
    for _ in range(30):
        f.user(db)
    db.commit()
    page = client.get(f"/admin/users?q={target.id_number}").get_data(as_text=True)
    assert "欧阳娜娜" in page
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "第 1 / " in listing
    assert client.get("/admin/users?page=2").status_code == 200


def test_every_role_has_a_home_page(client, db):
    for role in Role:
        user = f.user(db, role)
        db.commit()
        f.login_as(client, user)
        response = client.get("/home")
        assert response.status_code == 200, role
        assert user.real_name in response.get_data(as_text=True)
