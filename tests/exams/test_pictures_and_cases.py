"""Pictures and case questions on a candidate's paper: per-paper picture names with alt text and no hash, the
picture served only to the paper's candidate while the exam runs, a case as adjacent parts graded per part."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from exam_platform.exams import attempts, device, scoring
from exam_platform.exams.models import Paper
from tests import factories as f
from tests.exams import factories as xf
from tests.exams.conftest import TOKEN
from tests.exams.pictures import CASE_POINTS, PARTS, add_pictures_and_cases


def setup(db, client, clock):
    w = xf.world(db, category_code="PRINCIPAL-HAZCHEM")
    stem_sha = add_pictures_and_cases(db, w.bank, w.blueprint)
    reg = xf.registered(db, w)
    db.commit()
    clock.set(w.sitting.starts_at + timedelta(minutes=2))
    f.login_as(client, reg.candidate)
    client.set_cookie(device.COOKIE, TOKEN)
    return w, reg, stem_sha


def test_the_paper_names_pictures_per_paper_and_lays_a_case_out_as_adjacent_parts(db, client, clock):
    w, reg, stem_sha = setup(db, client, clock)
    paper = db.scalar(select(Paper).where(Paper.registration_id == reg.id))
    stored = paper.questions_json
    assert stem_sha not in stored and "SECRET-CASE" not in stored and '"answer"' not in stored
    questions = json.loads(stored)
    pictured = [q for q in questions if q.get("image")]
    assert pictured and all(q["image"]["alt"] == "红色实心圆形标志" for q in pictured)
    assert all(any(o.get("image") for o in q["options"]) for q in pictured)
    parts = [q for q in questions if q.get("case")]
    assert [q["case_part"] for q in parts] == [[1, 3], [2, 3], [3, 3]]
    assert [q["position"] for q in parts] == list(range(parts[0]["position"], parts[0]["position"] + 3))
    assert [q["points"] for q in parts] == [p["points"] for p in PARTS]
    assert [q["stem"] for q in parts] == [p["stem"] for p in PARTS]
    assert sum(q["points"] for q in questions) == paper.total_points
    # one picture, one name on this paper; a second paper names the same picture differently
    other = xf.registered(db, w)
    other_paper = db.scalar(select(Paper).where(Paper.registration_id == other.id))
    name = pictured[0]["image"]["src"]
    assert name not in other_paper.questions_json


def test_the_picture_is_served_only_to_its_candidate_while_the_exam_runs(db, client, clock):
    w, reg, _sha = setup(db, client, clock)
    started = client.post(f"/api/v1/registrations/{reg.id}/attempt?include=paper").get_json()
    attempt_id = started["attempt_id"]
    name = next(q for q in started["paper"]["questions"] if q.get("image"))["image"]["src"]
    response = client.get(f"/exams/attempts/{attempt_id}/media/{name}")
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert client.get(f"/exams/attempts/{attempt_id}/media/{'0' * 32}").status_code == 404
    assert client.get(f"/exams/attempts/{attempt_id}/media/{_sha}").status_code == 404  # not by its hash

    other = xf.registered(db, w)
    db.commit()
    f.login_as(client, other.candidate)
    assert client.get(f"/exams/attempts/{attempt_id}/media/{name}").status_code == 404

    f.login_as(client, reg.candidate)
    client.set_cookie(device.COOKIE, TOKEN)
    assert client.post(f"/api/v1/attempts/{attempt_id}/submit").status_code == 200
    assert client.get(f"/exams/attempts/{attempt_id}/media/{name}").status_code == 404  # after the exam: gone


def test_a_case_is_graded_part_by_part(db, client, clock):
    w, reg, _sha = setup(db, client, clock)
    attempt = xf.started(db, w, reg, at=clock())
    paper = attempt.paper
    keys = {int(i["version_id"]): None for i in paper.items}
    from exam_platform.banks.models import QuestionVersion

    for v in db.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(list(keys)))):
        keys[v.id] = v.answer
    perfect = {pos: scoring.shown_key(i["type"], i["order"], scoring.key_of(i, keys))
               for pos, i in enumerate(paper.items, start=1)}
    assert scoring.grade(paper.items, keys, perfect).score == 100.0
    part_positions = [pos for pos, i in enumerate(paper.items, start=1) if i.get("part") is not None]
    assert len(part_positions) == 3
    multiple_part = part_positions[1]
    wrong = dict(perfect)
    wrong[multiple_part] = perfect[multiple_part][:1]  # 少选 on the 4-point part
    graded = scoring.grade(paper.items, keys, wrong)
    assert graded.earned == graded.total - 4
    assert graded.total == paper.total_points and CASE_POINTS == 8
    for pos, response in perfect.items():
        attempts.save_answer(db, attempt_id=attempt.id, candidate_id=reg.candidate_id, device=xf.DEVICE, ip=xf.IP,
                             position=pos, response=response, seq=pos, now=clock(), grace=30)
    assert attempts.grade(db, attempt, now=clock()).score == 100.0
