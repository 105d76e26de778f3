"""Account rules: 教考分离 on grants, identity uniqueness, password policy, session versions."""

import pytest
from sqlalchemy import func, select

from exam_platform import audit
from exam_platform.accounts import passwords, service
from exam_platform.accounts.models import RoleGrant
from exam_platform.audit import AuditRecord
from exam_platform.errors import Conflict, ValidationError
from exam_platform.permissions import Role
from tests import factories as f
from tests.conftest import FIXED_NOW


@pytest.mark.parametrize("first, second", [
    (Role.INSTITUTION_STAFF, Role.QUESTION_AUTHOR),
    (Role.INSTITUTION_STAFF, Role.CENTRE_STAFF),
    (Role.INSTITUTION_STAFF, Role.PROCTOR),
    (Role.QUESTION_AUTHOR, Role.INSTITUTION_STAFF),
    (Role.EXAMINER, Role.INSTITUTION_STAFF),
])
def test_one_person_cannot_hold_a_training_and_an_examining_role(db, first, second):
    person = f.user(db, first)
    kind = {"question_author": "exam_authority", "institution_staff": "training_institution"}.get(second, "exam_centre")
    other_org = f.org(db, kind)
    with pytest.raises(Conflict) as err:
        service.grant_role(db, actor=None, user=person, role=second, organization_id=other_org.id, now=FIXED_NOW)
    assert err.value.code == "separation_of_duties"
    assert "教考分离" in str(err.value.message)
    assert {g.role for g in person.grants} == {first}


def test_examining_roles_combine_with_each_other(db):
    centre = f.org(db, "exam_centre")
    person = f.user(db, Role.CENTRE_STAFF, centre)
    service.grant_role(db, actor=None, user=person, role=Role.PROCTOR, organization_id=centre.id, now=FIXED_NOW)
    assert person.roles == {Role.CENTRE_STAFF, Role.PROCTOR}


def test_a_role_must_be_granted_in_an_organisation_of_the_right_kind(db):
    person = f.user(db)
    institution = f.org(db, "training_institution")
    with pytest.raises(ValidationError) as err:
        service.grant_role(db, actor=None, user=person, role=Role.CENTRE_STAFF, organization_id=institution.id,
                           now=FIXED_NOW)
    assert err.value.field == "organization_id"
    assert db.scalar(select(func.count(RoleGrant.id)).where(RoleGrant.user_id == person.id)) == 0


def test_duplicate_username_and_id_number_are_field_errors(db):
    existing = f.user(db, username="zhangsan")
    with pytest.raises(Conflict) as err:
        f.user(db, username="ZhangSan")
    assert err.value.field == "username"
    with pytest.raises(Conflict) as err:
        f.user(db, username="someone-else", id_number=existing.id_number)
    assert err.value.field == "id_number"


@pytest.mark.parametrize("password, expected", [
    ("short1!", "至少"),
    ("password123", "常见"),
    ("aaaaaaaaaaaa", "简单"),
])
def test_password_policy(password, expected):
    assert expected in passwords.policy_problem(password)


def test_password_may_not_equal_username_or_id_number():
    assert "用户名" in passwords.policy_problem("zhang.san.01", username="zhang.san.01")
    assert "证件" in passwords.policy_problem("11010519491231002X", id_number="11010519491231002X")
    assert passwords.policy_problem("Correct-Horse-42", username="x", id_number="y") is None


def test_password_change_and_disable_end_every_session(db):
    person = f.user(db, Role.CANDIDATE)
    token = person.get_id()
    service.change_password(db, user=person, current=f.PASSWORD, new_password="Another-Pass-77", now=FIXED_NOW)
    assert service.load_session_user(db, token) is None
    token = person.get_id()
    admin = f.user(db, Role.REGULATOR)
    service.set_active(db, actor=admin, user=person, active=False, now=FIXED_NOW)
    assert service.load_session_user(db, token) is None
    assert service.authenticate(db, username=person.username, password="Another-Pass-77", now=FIXED_NOW) is None


def test_privileged_actions_are_audited_on_one_line(db):
    admin = f.user(db, Role.REGULATOR)
    with pytest.raises(ValidationError):
        f.user(db, real_name="张\r\n2026-01-01 INFO 伪造")
    person = f.user(db)
    service.set_active(db, actor=admin, user=person, active=False, now=FIXED_NOW)
    audit.record(db, actor=admin, action="note", target=person, note="line one\r\nFAKE line two")
    rows = db.scalars(select(AuditRecord).where(AuditRecord.target_type == "User",
                                                AuditRecord.target_id == str(person.id))).all()
    assert {r.action for r in rows} >= {"user.create", "user.disable"}
    for r in rows:
        assert "\n" not in r.summary and "\r" not in r.summary
    disable = next(r for r in rows if r.action == "user.disable")
    assert disable.actor_id == admin.id and "regulator" in disable.actor_roles
