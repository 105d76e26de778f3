"""Eligibility by the rule set in force on the exam date: 文化程度 per 操作项目, and 免于培训 on a 职业技能等级证书.

令30 (exams up to 2026-05-31) requires 初中 for every 特种作业 item; 令19 as reported (from 2026-06-01) drops it for
电工、焊接与热切割、高处 and lets a recorded 职业技能等级证书 stand for the training. Each decision reads its own date.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from exam_platform.accounts import education
from exam_platform.audit import AuditRecord
from exam_platform.clock import SHANGHAI
from exam_platform.errors import DomainError
from exam_platform.exams import registration
from exam_platform.training import exemptions
from exam_platform.training.models import SkillCertificate
from tests import factories as f
from tests.exams import factories as xf

LEVELS = ["", *[lvl.value for lvl in education.ORDER]]
REQUIRED = ["", "junior_middle", "senior_middle"]
BEFORE = datetime(2026, 4, 1, 10, 0, tzinfo=SHANGHAI)


@given(st.sampled_from(LEVELS), st.sampled_from(REQUIRED))
def test_a_level_meets_every_requirement_at_or_below_it(recorded, required):
    rank = {lvl: i for i, lvl in enumerate(LEVELS)}  # "" (none recorded) lowest
    assert education.meets(recorded, required) == (not required or rank[recorded] >= rank[required])
    assert (education.refusal(recorded, required) is None) == education.meets(recorded, required)


def refused(call) -> str:
    with pytest.raises(DomainError) as info:
        call()
    return str(info.value.message)


@pytest.mark.parametrize("level, under_30", [("", "尚未登记文化程度"), ("primary", "考生登记的文化程度为小学"),
                                             ("junior_middle", None)])
def test_education_is_required_for_an_exam_under_30_and_not_under_19(db, level, under_30):
    old = xf.world(db, category_code="T-1.2", now=BEFORE, starts_in=timedelta(days=40))  # 2026-05-11: 令30
    new = xf.world(db, category_code="T-1.2", now=BEFORE, starts_in=timedelta(days=70))  # 2026-06-10: 令19
    candidate = f.user(db, "candidate", education=level)
    xf.completion(db, candidate, "T-1.2", institution=old.institution, issued_on=BEFORE.date())
    if under_30:
        assert "初中及以上" in refused(lambda: registration.register(
            db, actor=old.staff, candidate=candidate, sitting=old.sitting, now=BEFORE)) and under_30 in refused(
            lambda: registration.register(db, actor=old.staff, candidate=candidate, sitting=old.sitting, now=BEFORE))
    else:
        registration.register(db, actor=old.staff, candidate=candidate, sitting=old.sitting, now=BEFORE)
        return
    # 令19 drops the requirement for 电工 (T-1): the same candidate may register for the later exam.
    assert registration.register(db, actor=new.staff, candidate=candidate, sitting=new.sitting, now=BEFORE).id


def test_recording_education_is_checked_and_audited(db):
    staff = f.user(db, "institution_staff")
    person = f.user(db, "candidate", education="")
    with pytest.raises(DomainError):
        education.record(db, actor=staff, user=person, level="junior_middle", document_checked=False,
                         now=BEFORE)
    with pytest.raises(DomainError):
        education.record(db, actor=staff, user=person, level="doctorate", document_checked=True, now=BEFORE)
    education.record(db, actor=staff, user=person, level="junior_middle", document_checked=True, now=BEFORE)
    assert (person.education, person.education_checked_by_id) == ("junior_middle", staff.id)
    entry = db.scalar(select(AuditRecord).where(AuditRecord.action == "identity.education"))
    assert entry is not None and entry.actor_id == staff.id


def _record(db, staff, institution, person, code: str, now: datetime):
    return exemptions.record(db, actor=staff, institution_id=institution.id, trainee=person,
                             category=f.category(db, code), number="S000123", occupation="电工", level=4,
                             issuer="某市职业技能鉴定中心", issued_on=date(2025, 3, 1), document_checked=True, now=now)


def test_a_skill_certificate_stands_for_training_only_where_the_rule_set_in_force_allows_it(db):
    institution = f.org(db, "training_institution")
    staff = f.user(db, "institution_staff", institution)
    person = f.user(db, "candidate")
    # Recorded under 令30 (2026-04-01): no exemption there.
    assert "不能以职业技能等级证书免于培训" in refused(lambda: _record(db, staff, institution, person, "T-1.2", BEFORE))
    # Under 令19 (today in the suite, 2026-11-02): the exemption completion lets the holder register.
    now = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
    completion = _record(db, staff, institution, person, "T-1.2", now)
    assert (completion.kind, completion.hours, completion.issued_on) == ("exemption", 0, date(2026, 11, 2))
    assert db.scalar(select(SkillCertificate).where(SkillCertificate.completion_id == completion.id)).level == 4
    w = xf.world(db, category_code="T-1.2", now=now, starts_in=timedelta(days=3))
    reg = registration.register(db, actor=w.staff, candidate=person, sitting=w.sitting, now=now)
    assert reg.completion_id == completion.id
    # Recorded twice while the first stands: refused.
    assert "无需免培" in refused(lambda: _record(db, staff, institution, person, "T-1.2", now))
    # 主要负责人 categories have no such exemption.
    assert "不能以职业技能等级证书免于培训" in refused(
        lambda: _record(db, staff, institution, f.user(db, "candidate"), "PRINCIPAL-HAZCHEM", now))


def test_the_exemption_page_records_a_certificate(client, db, app):
    institution = f.org(db, "training_institution")
    staff = f.user(db, "institution_staff", institution)
    person = f.user(db, "candidate", real_name="李四")
    db.commit()
    f.login_as(client, staff)
    page = client.get("/training/exemptions/new").get_data(as_text=True)
    assert "低压电工作业" in page and "主要负责人" not in page  # only categories the rule set in force exempts
    cat = f.category(db, "T-1.2")
    data = {"id_type": "resident_id", "id_number": person.id_number, "real_name": "李四", "category_id": cat.id,
            "number": "S-1", "occupation": "电工", "level": 3, "issuer": "某鉴定中心", "issued_on": "2024-05-01"}
    response = client.post("/training/exemptions/new", data=data)
    assert response.status_code == 400 and "请先核对职业技能等级证书原件" in response.get_data(as_text=True)
    assert "S-1" in response.get_data(as_text=True)  # what was typed stays
    data["document_checked"] = "y"
    response = client.post("/training/exemptions/new", data=data)
    assert response.status_code == 302 and "/training/completions/" in response.headers["Location"]
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "免于培训（职业技能等级证书）" in shown and "exemption" not in shown
