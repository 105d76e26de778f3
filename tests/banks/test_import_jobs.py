"""Background bank imports (issue #15): a zip of a bank file (YAML or xlsx) and its pictures is stored by the
upload request, claimed by a worker, imported all or nothing with its progress on the job row, and shown on a page
that polls a small JSON. (The real worker process and the progress bar in a browser:
tests/browser/test_bank_import_browser.py.)"""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select, update

from exam_platform.banks import jobs
from exam_platform.banks.models import BankImportJob, MediaBlob, Question, QuestionVersion
from exam_platform.config import UploadLimits
from tests import factories as f
from tests.banks import factories as bf
from tests.banks.test_media import png
from tests.banks.test_sheets import row, xlsx
from tests.conftest import FIXED_NOW


def zipped(files: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def generated(code: str, n: int, pictures: int) -> dict[str, bytes | str]:
    """A bank file of ``n`` questions, the first ``pictures`` with a picture of their own, and those pictures."""
    qs = []
    for i in range(n):
        base = (bf.TF, bf.SINGLE, bf.MULTI)[i % 3]
        q = bf.question(f"G-{i:04d}", base, stem=f"生成题 {i} 的题干")
        if i < pictures:
            q["image"] = {"file": f"pics/p{i}.png", "alt": f"图 {i}"}
        qs.append(q)
    files: dict[str, bytes | str] = {"bank/bank.yaml": bf.bank_text(qs, code=code)}
    for i in range(pictures):
        files[f"bank/pics/p{i}.png"] = png((i % 250, 10, 20), size=(30 + i % 7, 20))
    return files


@pytest.fixture()
def author_and_bank(db):
    author = f.user(db, "question_author")
    bank = bf.bank(db, code="JOB-bank")
    db.commit()
    return author, bank


def upload(client, code: str, data: bytes, name: str = "bank.zip"):
    return client.post(f"/banks/{code}/upload", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def run_jobs(app, db) -> list[dict]:
    """What a worker does, in the test's transaction: claim, run with the progress written through the session."""
    written: list[dict] = []
    with app.test_request_context("/"):
        while (job_id := jobs.claim(db, worker="test", now=FIXED_NOW, stale_minutes=30)) is not None:
            def write(values, job_id=job_id):
                written.append(values)
                db.execute(update(BankImportJob).where(BankImportJob.id == job_id).values(**values))

            jobs.run_job(db, job_id, write_progress=write, writing_counts=True, now=lambda: FIXED_NOW)
    return written


def test_a_zip_of_a_bank_file_and_pictures_is_stored_then_imported_by_the_worker_with_its_progress(
        app, client, db, author_and_bank):
    author, bank = author_and_bank
    f.login_as(client, author)
    r = upload(client, bank.code, zipped(generated("JOB-bank", 120, 30)))
    assert r.status_code == 302 and "/imports/" in r.headers["Location"]
    job = db.scalar(select(BankImportJob))
    assert (job.state, job.phase) == ("queued", "queued")
    assert db.scalar(select(func.count()).select_from(Question).where(Question.bank_id == bank.id)) == 25
    page = client.get(r.headers["Location"])
    assert page.status_code == 200 and 'id="import-bar"' in page.get_data(as_text=True)
    progress = client.get(r.headers["Location"] + "/progress").get_json()
    assert progress["state"] == "queued" and progress["percent"] == 0 and not progress["finished"]

    written = run_jobs(app, db)
    phases = [w["phase"] for w in written]
    assert phases[0] == "reading" and "checking" in phases and "pictures" in phases and phases[-1] == "writing"
    assert max(w.get("pictures_done", 0) for w in written) == 30
    db.expire_all()
    job = db.get(BankImportJob, job.id)
    assert (job.state, job.phase, job.rows_written) == ("done", "done", 120)
    assert job.summary == {"added": 120, "changed": 0, "unchanged": 0, "retired": 25, "restored": 0}
    assert db.scalar(select(func.length(BankImportJob.data)).where(BankImportJob.id == job.id)) == 0
    assert db.scalar(select(func.count()).select_from(MediaBlob)) >= 30
    version = db.scalar(select(QuestionVersion).join(Question)
                        .where(Question.key == "G-0007", QuestionVersion.is_current))
    assert version.image["alt"] == "图 7" and len(version.image["sha256"]) == 64
    done = client.get(r.headers["Location"] + "/progress").get_json()
    assert done == done | {"state": "done", "percent": 100, "finished": True}
    assert "新增 120 道" in client.get(r.headers["Location"]).get_data(as_text=True)


def test_a_refused_upload_writes_nothing_and_lists_every_problem_at_its_line(app, client, db, author_and_bank):
    author, bank = author_and_bank
    f.login_as(client, author)
    files = generated("JOB-bank", 40, 5)
    del files["bank/pics/p3.png"]  # a missing picture
    files["bank/pics/p4.png"] = b"not a picture"
    text = files["bank/bank.yaml"].replace("生成题 9 的题干", "生成题 8 的题干")  # a duplicate stem
    files["bank/bank.yaml"] = text
    before = db.scalar(select(func.count()).select_from(QuestionVersion))
    blobs = db.scalar(select(func.count()).select_from(MediaBlob))
    r = upload(client, bank.code, zipped(files))
    run_jobs(app, db)
    db.expire_all()
    job = db.scalar(select(BankImportJob))
    assert job.state == "failed" and job.problem_count >= 1
    reasons = " ".join(p["reason"] for p in job.problems)
    assert "重复" in reasons and all(p["line"] for p in job.problems)
    assert db.scalar(select(func.count()).select_from(QuestionVersion)) == before
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "整份文件都没有导入" in page and 'id="problems"' in page
    # the duplicate fixed, the pictures are what is left: refused again, each picture named, nothing written
    files["bank/bank.yaml"] = generated("JOB-bank", 40, 5)["bank/bank.yaml"]
    upload(client, bank.code, zipped(files))
    run_jobs(app, db)
    db.expire_all()
    last = db.scalar(select(BankImportJob).order_by(BankImportJob.id.desc()))
    reasons = [p["reason"] for p in last.problems]
    assert last.state == "failed" and any("p3.png" in r for r in reasons) and any("p4.png" in r for r in reasons)
    assert db.scalar(select(func.count()).select_from(QuestionVersion)) == before
    assert db.scalar(select(func.count()).select_from(MediaBlob)) == blobs


def test_an_xlsx_with_pictures_in_a_zip_goes_to_the_worker_and_adds_without_retiring(app, client, db,
                                                                                    author_and_bank):
    author, bank = author_and_bank
    f.login_as(client, author)
    rows = [row("", "单选题", f"表格题 {i}", ["甲", "乙", "丙"], "B") for i in range(30)]
    rows[0] = [*rows[0], "", "", "", "pics/a.png", "一张图"]
    upload(client, bank.code, zipped({"x/试题.xlsx": xlsx(rows), "x/pics/a.png": png()}))
    run_jobs(app, db)
    job = db.scalar(select(BankImportJob))
    assert job.state == "done", job.problems or job.error
    assert job.summary["added"] == 30 and job.summary["retired"] == 0


def test_an_upload_for_another_bank_code_is_refused_and_jobs_are_only_their_authors(app, client, db,
                                                                                   author_and_bank):
    author, bank = author_and_bank
    f.login_as(client, author)
    r = upload(client, bank.code, zipped(generated("OTHER-bank", 5, 0)))
    run_jobs(app, db)
    job = db.scalar(select(BankImportJob))
    assert job.state == "failed" and "OTHER-bank" in job.problems[0]["reason"]
    other = f.user(db, "question_author", username="other-author")
    db.commit()
    f.login_as(client, other)
    assert client.get(r.headers["Location"]).status_code == 404
    assert client.get(r.headers["Location"] + "/progress").status_code == 404


def test_a_job_is_claimed_once_and_a_stale_one_again_up_to_the_attempt_limit(db, author_and_bank):
    author, bank = author_and_bank
    job = jobs.create_job(db, user=author, bank=bank, data=zipped(generated("JOB-bank", 3, 0)), filename="b.zip",
                          limits=UploadLimits(), now=FIXED_NOW)
    db.commit()
    assert jobs.claim(db, worker="a", now=FIXED_NOW, stale_minutes=30) == job.id
    assert jobs.claim(db, worker="b", now=FIXED_NOW, stale_minutes=30) is None  # taken
    from datetime import timedelta

    later = FIXED_NOW + timedelta(minutes=31)
    assert jobs.claim(db, worker="b", now=later, stale_minutes=30) == job.id  # its worker stopped beating
    assert jobs.claim(db, worker="c", now=later + timedelta(minutes=31), stale_minutes=30) == job.id
    assert jobs.claim(db, worker="d", now=later + timedelta(minutes=62), stale_minutes=30) is None
    db.expire_all()
    assert db.get(BankImportJob, job.id).state == "failed"


@pytest.mark.parametrize("files, reason", [
    ({"a.png": b"x"}, "只有一个题库文件"),
    ({"a.yaml": "x", "b.xlsx": b"x"}, "只有一个题库文件"),
])
def test_a_zip_without_one_bank_file_is_refused_at_the_upload(client, db, author_and_bank, files, reason):
    author, bank = author_and_bank
    f.login_as(client, author)
    r = upload(client, bank.code, zipped(files))
    assert r.status_code == 400 and reason in r.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(BankImportJob)) == 0


def test_limits_bound_rows_and_the_pixels_of_all_pictures(app, db, author_and_bank):
    author, bank = author_and_bank
    for limits, text in [(UploadLimits(bank_job_rows=10), "题目过多"), (UploadLimits(bank_job_pixels=2_000), "总像素")]:
        job = jobs.create_job(db, user=author, bank=bank, data=zipped(generated("JOB-bank", 20, 5)),
                              filename="b.zip", limits=limits, now=FIXED_NOW)
        db.commit()
        run_jobs(app, db)
        db.expire_all()
        job = db.get(BankImportJob, job.id)
        assert job.state == "failed" and text in (job.error + " ".join(p["reason"] for p in job.problems or []))
