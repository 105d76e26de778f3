"""实名核验 (issue 13 §6): registration is no oracle of who has an account, an unverified account is never bound
silently to a person staff typed under another name, staff verify or set aside accounts against the document
(audited), and exam check-in requires a verified identity."""

import re

import pytest
from sqlalchemy import func, select

from exam_platform.accounts import identity, passwords
from exam_platform.accounts.models import User
from exam_platform.audit import AuditRecord
from exam_platform.errors import Conflict, ValidationError
from exam_platform.exams import registration
from exam_platform.exams.models import Registration
from exam_platform.permissions import Role
from exam_platform.training.models import Enrollment
from tests import factories as f
from tests.conftest import FIXED_NOW
from tests.exams import factories as xf
from tests.training import factories as tf


def text(response) -> str:
    return response.get_data(as_text=True)


def register(client, *, username: str, id_number: str, real_name: str = "王五"):
    return client.post("/register", data={
        "username": username, "real_name": real_name, "id_type": "resident_id", "id_number": id_number,
        "phone": "13900000000", "password": "Correct-Horse-42", "csrf_token": client.csrf_token()})


def audits(db, action: str) -> list[AuditRecord]:
    return list(db.scalars(select(AuditRecord).where(AuditRecord.action == action)))


# ---- public registration -------------------------------------------------------------------------------------

def test_registration_answers_alike_whether_or_not_the_number_has_an_account(client, db, clock, monkeypatch):
    holder = f.user(db, Role.CANDIDATE, real_name="赵六")
    db.commit()
    hashed = []
    real_hash = passwords.hash_password
    monkeypatch.setattr(passwords, "hash_password", lambda p: hashed.append(p) or real_hash(p))

    fresh = register(client, username="fresh-person", id_number=f.unique_id_number())
    assert len(hashed) == 1
    fresh_page = text(client.get(fresh.headers["Location"]))
    taken = register(client, username="taker", id_number=holder.id_number)
    assert len(hashed) == 2  # the same password hashing on a taken number: the same time
    taken_page = text(client.get(taken.headers["Location"]))

    assert fresh.status_code == taken.status_code == 302
    assert fresh.headers["Location"] == taken.headers["Location"]
    strip = lambda page: re.sub(r'(value|content)="[^"]*"', "", page)  # noqa: E731
    assert strip(fresh_page) == strip(taken_page)
    assert "该证件号码已有账号" not in taken_page
    assert "实名核验" in taken_page and "直接用原用户名登录" in taken_page  # how to go on
    # Only the fresh number got an account, unverified; the attempt on the taken one is audited against its holder.
    assert db.scalar(select(User).where(User.username == "taker")) is None
    newcomer = db.scalar(select(User).where(User.username == "fresh-person"))
    assert newcomer.identity_status == "unverified" and Role.CANDIDATE in newcomer.roles
    [attempt] = audits(db, "user.register_number_taken")
    assert attempt.target_id == str(holder.id) and holder.id_number not in attempt.summary


def test_a_taken_username_is_refused_alike_for_a_taken_and_a_free_number(client, db):
    holder = f.user(db, Role.CANDIDATE, username="already-here")
    db.commit()
    on_taken = register(client, username="already-here", id_number=holder.id_number)
    on_free = register(client, username="already-here", id_number=f.unique_id_number())
    assert on_taken.status_code == on_free.status_code == 200
    assert "用户名已被使用" in text(on_taken) and "用户名已被使用" in text(on_free)


# ---- enrollment by ID ------------------------------------------------------------------------------------------

@pytest.fixture()
def impostor(db):
    """Someone registered on 张三's number under their own name; nobody has checked a document."""
    number = f.unique_id_number()
    user = f.user(db, Role.CANDIDATE, real_name="冒名者", id_number=number, verified=False)
    return user


def test_enrollment_refuses_an_unverified_account_whose_name_differs_and_names_the_conflict(client, db, clock,
                                                                                         impostor):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff)
    db.commit()
    f.login_as(client, staff)
    page = client.post(f"/training/classes/{cls.id}/enroll", data={
        "real_name": "张三", "id_type": "resident_id", "id_number": impostor.id_number})
    assert page.status_code == 400
    assert "未实名核验" in text(page) and "冒*者" in text(page) and 'href="/identity/"' in text(page)
    assert db.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.class_id == cls.id)) == 0


def test_staff_set_an_impostors_account_aside_and_then_enroll_the_real_holder(client, db, clock, impostor):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff)
    db.commit()
    f.login_as(client, staff)
    document = {"id_type": "resident_id", "id_number": impostor.id_number, "real_name": "张三"}
    looked = client.post("/identity/", data=document)
    assert looked.status_code == 200 and impostor.username in text(looked) and "与证件上的姓名不一致" in text(looked)

    unchecked = client.post("/identity/set-aside", data=document)
    assert unchecked.status_code == 400 and "请先核对身份证件原件" in text(unchecked)
    db.refresh(impostor)
    assert impostor.active and impostor.identity_status == "unverified"

    assert client.post("/identity/set-aside", data={**document, "document_checked": "y"}).status_code == 302
    db.refresh(impostor)
    assert impostor.identity_status == "set_aside" and not impostor.active
    assert impostor.identity_checked_by_id == staff.id and impostor.identity_checked_at == FIXED_NOW
    assert len(audits(db, "identity.set_aside")) == 1

    enrolled = client.post(f"/training/classes/{cls.id}/enroll", data={
        "real_name": "张三", "id_type": "resident_id", "id_number": document["id_number"], "in_person": "y"})
    assert enrolled.status_code == 200
    holder = db.scalar(select(User).where(User.id_number == document["id_number"]))
    assert holder.id != impostor.id and holder.real_name == "张三"
    assert holder.identity_status == "verified" and holder.identity_check_method == "enrolled_in_person"


def test_staff_verify_an_account_and_correct_its_name_from_the_document(client, db, clock, impostor):
    centre = f.user(db, Role.CENTRE_STAFF)
    db.commit()
    f.login_as(client, centre)
    document = {"id_type": "resident_id", "id_number": impostor.id_number, "real_name": "张三",
                "document_checked": "y"}
    assert client.post("/identity/verify", data=document).status_code == 302
    db.refresh(impostor)
    assert impostor.identity_status == "verified" and impostor.real_name == "张三"
    assert impostor.identity_checked_by_id == centre.id and impostor.identity_check_method == "document_on_site"
    [record] = audits(db, "identity.verify")
    assert "冒*者" in record.summary and "张*" in record.summary
    shown = client.post("/identity/", data=document)
    assert "已实名核验" in text(shown) and centre.display_name in text(shown)
    # A verified account is not set aside from this page.
    refused = client.post("/identity/set-aside", data=document)
    assert refused.status_code == 400 and "已实名核验" in text(refused)
    db.refresh(impostor)
    assert impostor.active
    f.login_as(client, f.user(db, Role.REGULATOR))
    db.commit()
    detail = text(client.get(f"/admin/users/{impostor.id}"))
    assert "已实名核验" in detail and "现场核验身份证件原件" in detail and centre.display_name in detail


def test_an_unverified_candidate_is_told_how_to_get_verified(client, db, impostor):
    db.commit()
    f.login_as(client, impostor)
    assert "未核验的账号不能参加考试" in text(client.get("/home"))
    f.login_as(client, f.user(db, Role.CANDIDATE))
    db.commit()
    assert "未核验的账号不能参加考试" not in text(client.get("/home"))


def test_staff_accounts_and_unknown_numbers_are_not_verified_here(db):
    proctor = f.user(db, Role.PROCTOR)
    other = f.user(db, Role.INSTITUTION_STAFF, verified=False)
    with pytest.raises(Conflict):
        identity.verify(db, actor=proctor, user=other, method=identity.CheckMethod.DOCUMENT_ON_SITE, now=FIXED_NOW)
    with pytest.raises(Conflict):
        identity.set_aside(db, actor=proctor, user=other, now=FIXED_NOW)
    assert identity.lookup(db, id_type="resident_id", id_number=f.unique_id_number(), today=FIXED_NOW.date()) is None
    with pytest.raises(ValidationError):
        identity.lookup(db, id_type="resident_id", id_number="110101199001010000", today=FIXED_NOW.date())


def test_a_matching_name_binds_and_the_account_stays_unverified_unless_the_person_is_there(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff)
    person = f.user(db, Role.CANDIDATE, real_name="孙七", verified=False)
    tf.enroll(db, staff, cls, person)
    assert person.identity_status == "unverified"
    other = tf.training_class(db, staff)
    from exam_platform.training import enrollment

    enrollment.enroll_one(db, actor=staff, training_class=other, real_name="孙七", id_type="resident_id",
                          id_number=person.id_number, in_person=True, now=FIXED_NOW)
    assert person.identity_status == "verified" and person.identity_checked_by_id == staff.id


# ---- exam registration by ID -------------------------------------------------------------------------------------

def test_exam_registration_by_id_refuses_an_unverified_account_under_another_name(db):
    w = xf.world(db)
    person = xf.trained_candidate(db, w, real_name="周八", verified=False)
    with pytest.raises(ValidationError) as refused:
        registration.register_by_identity(db, actor=w.staff, sitting=w.sitting, id_type="resident_id",
                                          id_number=person.id_number, real_name="吴九", now=FIXED_NOW)
    assert refused.value.field == "real_name" and "未实名核验" in str(refused.value.message)
    reg = registration.register_by_identity(db, actor=w.staff, sitting=w.sitting, id_type="resident_id",
                                            id_number=person.id_number, real_name="周八", now=FIXED_NOW)
    assert reg.candidate_id == person.id
    checked = registration.check_import(db, sitting=w.sitting, now=FIXED_NOW, rows=[
        (2, "resident_id", xf.trained_candidate(db, w, verified=False).id_number, "")])
    assert any("请填写姓名" in p for p in checked[0].problems)


# ---- check-in ----------------------------------------------------------------------------------------------------

def test_check_in_refuses_an_unverified_identity_until_the_operator_verifies_it_on_the_spot(client, db, clock):
    w = xf.world(db)
    person = xf.trained_candidate(db, w, real_name="郑十", verified=False)
    reg = xf.registered(db, w, person, check_in=False)
    db.commit()
    clock.set(w.sitting.starts_at)
    f.login_as(client, w.proctor)
    url = f"/exams/sittings/{w.sitting.id}/checkin"
    refused = client.post(url, data={"ticket_no": reg.ticket_no, "identity_confirmed": "y"})
    assert refused.status_code == 400
    assert "尚未实名核验" in text(refused) and person.id_number in text(refused)
    db.refresh(reg)
    assert reg.status == "registered"
    done = client.post(url, data={"ticket_no": reg.ticket_no, "identity_confirmed": "y", "verify_identity": "y"})
    assert done.status_code == 302
    db.refresh(reg)
    db.refresh(person)
    assert reg.status == "checked_in"
    assert person.identity_status == "verified" and person.identity_check_method == "document_at_checkin"
    assert person.identity_checked_by_id == w.proctor.id
    assert db.scalar(select(func.count()).select_from(Registration).where(Registration.status == "checked_in")) >= 1


def test_demo_accounts_are_verified_and_say_it_is_demo_data(app, db):
    from exam_platform import demo

    with app.test_request_context():
        demo.seed(db, now=FIXED_NOW)
    trainee = db.scalar(select(User).where(User.username == "trainee"))
    assert trainee.identity_verified and identity.method_label(trainee) == "演示数据（未经真实核验）"


def test_lookups_are_limited_per_staff_member(client, db, rate_limits):
    staff, other = tf.staff(db), tf.staff(db)
    db.commit()
    f.login_as(client, staff)
    document = {"id_type": "resident_id", "id_number": f.unique_id_number(), "real_name": "张三"}
    codes = [client.post("/identity/", data=document).status_code for _ in range(121)]
    assert codes[:120] == [200] * 120 and codes[120] == 429
    f.login_as(client, other)
    assert client.post("/identity/", data=document).status_code == 200
    client.get("/logout")
    with client.session_transaction() as sess:
        sess.clear()
    assert client.post("/identity/", data=document).status_code == 302  # anonymous: to the login page
