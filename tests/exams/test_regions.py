"""Where a candidate may apply (application_region), by the rule set in force on the exam date.

令30 (``residence_or_work``): the sitting's centre must be in the province of the candidate's 户籍 (resident ID) or of
their employer; 令19 as reported (``nationwide``): anywhere.
"""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exam_platform.clock import SHANGHAI
from exam_platform.errors import ValidationError
from exam_platform.exams import regions, registration
from tests import factories as f
from tests.exams import factories as xf

codes = st.sampled_from(["110100", "110000", "360100", "360000", "440300", "", "000000", "36"])
SWITCH = date(2026, 6, 1)
REGION_WORDS = "户籍所在地或从业所在地"


@given(codes, codes, codes)
def test_nationwide_never_refuses(centre, residence, employer):
    assert regions.refusal("nationwide", centre_region=centre, residence=residence, work_regions=[employer]) is None


@given(codes, codes, codes)
def test_residence_or_work_allows_exactly_the_candidates_provinces(centre, residence, employer):
    refused = regions.refusal("residence_or_work", centre_region=centre, residence=residence,
                              work_regions=[employer])
    home = {regions.province(residence), regions.province(employer)} - {""}
    assert (refused is None) == (regions.province(centre) in home and regions.province(centre) != "")


def test_the_province_of_a_resident_id_is_its_first_two_digits():
    number = f.unique_id_number()
    assert regions.residence_province("resident_id", number) == number[:2] == "11"
    assert regions.residence_province("passport", "E12345678") == ""


def _setup(db, now):
    """A Beijing candidate (户籍 110101, no employer) trained for T-1.2, and a sitting at a centre in 江西 (360100)."""
    w = xf.world(db, category_code="T-1.2", now=now, starts_in=timedelta(days=5))
    w.centre.region_code = "360100"
    candidate = f.user(db, "candidate")
    xf.completion(db, candidate, "T-1.2", institution=w.institution, issued_on=now.date() - timedelta(days=3))
    db.flush()
    return w, candidate


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dates(min_value=date(2026, 4, 1), max_value=date(2026, 8, 31)))
def test_region_is_checked_by_the_rule_set_of_the_exam_date(db, exam_day):
    """Refused at a centre outside the candidate's province for an exam before 2026-06-01 (令30), allowed on or
    after it (令19 as reported: nationwide)."""
    now = datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI)
    w, candidate = _setup(db, now)
    w.sitting.starts_at = datetime.combine(exam_day, datetime.min.time()).replace(hour=9, tzinfo=SHANGHAI)
    found = registration.check_eligibility(db, candidate=candidate, sitting=w.sitting, now=now)
    refused = any(REGION_WORDS in r for r in found.reasons)
    assert refused == (exam_day < SWITCH)
    db.rollback()


def test_employer_in_the_centres_province_allows_it_under_ling30(db):
    now = datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI)
    w, candidate = _setup(db, now)
    with pytest.raises(ValidationError) as err:
        registration.register(db, actor=w.staff, candidate=candidate, sitting=w.sitting, now=now)
    assert REGION_WORDS in str(err.value.message)
    candidate.employer_id = f.org(db, "employer", region="360102").id
    db.flush()
    reg = registration.register(db, actor=w.staff, candidate=candidate, sitting=w.sitting, now=now)
    assert reg.status == "registered"


def test_an_employer_whose_roster_lists_the_candidate_counts_as_where_they_work(db):
    from exam_platform.employers.models import Post, Worker
    now = datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI)
    w, candidate = _setup(db, now)
    employer = f.org(db, "employer", region="360100")
    post = Post(employer_id=employer.id, name="电工", created_at=now)
    db.add(post)
    db.flush()
    db.add(Worker(employer_id=employer.id, post_id=post.id, real_name=candidate.real_name, id_type=candidate.id_type,
                  id_number=candidate.id_number, created_at=now, updated_at=now))
    db.flush()
    assert registration.register(db, actor=w.staff, candidate=candidate, sitting=w.sitting, now=now)


def test_a_centre_in_the_candidates_home_province_is_allowed_under_ling30(db):
    now = datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI)
    w, candidate = _setup(db, now)
    w.centre.region_code = "110105"
    db.flush()
    assert registration.register(db, actor=w.staff, candidate=candidate, sitting=w.sitting, now=now)
