"""Background bank imports (issue #15): an author uploads a zip of a bank file (YAML or xlsx) and its pictures from
the browser and watches it import.

- **Stored**: the upload is kept in ``bank_import_jobs`` (with the limits in force) by the request, which does
  nothing else with it; the job page polls ``/banks/<code>/imports/<id>/progress`` (a small JSON).
- **Run outside the request**: by ``flask banks worker`` (production: a service of its own), or — the embedded
  default, ``BANK_IMPORT_RUNNER=subprocess`` — by a worker process the app starts after the upload commits
  (``start_worker``), which claims the job and exits. No thread in the web process. A job is claimed with a
  compare-and-set ``UPDATE`` (two workers never take one job); a running job whose heartbeat is older than
  ``BANK_IMPORT_STALE_MINUTES`` is claimed again (its worker died), at most ``MAX_ATTEMPTS`` times.
- **All or nothing, bounded**: the reading phases (parse, check every row, judge every picture) only read the
  database; judged pictures go to a temporary file, not to memory. Then one write transaction stores the pictures
  and the questions (in batches that leave the session) and marks the job done — or nothing is written and the job
  is failed with every problem at its line. Bounded by the upload's bytes, the bank file's bytes, the rows, every
  picture's bytes and pixels, the pixels of all pictures together and the worker's CPU time on the job.
- **Progress** (phase, rows validated, pictures judged, rows written) is written to the job row from a connection
  of its own, at most once per percent. SQLite has one writer: while the import's write transaction holds it, the
  row says "writing" without counts (PostgreSQL counts the rows written too).
"""

from __future__ import annotations

import dataclasses
import io
import os
import socket
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .. import audit, clock
from ..config import MB, UploadLimits
from ..db import restart_as_writer, write_intent
from ..errors import DomainError, NotFound, ValidationError
from ..paths import ROOT
from ..spreadsheets import CpuBudget, SpreadsheetProblem
from ..yamlfile import YamlProblem, _Loader
from . import media
from .bankfile import BankFileProblems, Problem, parse_document
from .importer import BankFileRefused, ImportSummary, _refs, apply_document, category_codes, upsert_questions
from .models import Bank, BankImportJob, ImportJobPhase, ImportJobState, MediaBlob

MAX_ATTEMPTS = 3
MAX_PROBLEMS_KEPT = 500
BANK_FILE_SUFFIXES = (".yaml", ".yml", ".xlsx")
# Share of the progress bar each phase fills (the bar shows the whole import).
PHASE_SPAN = {ImportJobPhase.READING: (0, 30), ImportJobPhase.CHECKING: (30, 45), ImportJobPhase.PICTURES: (45, 65),
              ImportJobPhase.WRITING: (65, 100)}


class JobProblem(ValidationError):
    code = "bad_bank_upload"


def limits_of(job: BankImportJob) -> UploadLimits:
    fields = {f.name for f in dataclasses.fields(UploadLimits)}
    return dataclasses.replace(UploadLimits(), **{k: v for k, v in (job.limits or {}).items() if k in fields})


# ---- the request: keep the upload --------------------------------------------------------------------------

def is_job_upload(data: bytes, filename: str) -> bool:
    """A zip of a bank file and pictures, or a YAML bank file: imported in the background. (A plain .xlsx keeps
    the preview → confirm pages.)"""
    if filename.lower().endswith((".yaml", ".yml")):
        return True
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "[Content_Types].xml" not in archive.namelist()
    except zipfile.BadZipFile:
        return False


def create_job(session: Session, *, user: Any, bank: Bank, data: bytes, filename: str, limits: UploadLimits,
               now: datetime) -> BankImportJob:
    """Check what can be told from the upload's size and directory at once, and keep it for a worker."""
    if len(data) > limits.bank_job_bytes:
        raise JobProblem(_l("文件过大（上限 %(n)s MB）", n=f"{limits.bank_job_bytes / MB:g}"), field="file")
    open_upload(data, filename, limits)  # refuses a bad zip before it is stored
    job = BankImportJob(bank_id=bank.id, user_id=user.id, filename=(filename or "upload.zip")[:200], data=data,
                        size=len(data), limits=dataclasses.asdict(limits), state=ImportJobState.QUEUED,
                        phase=ImportJobPhase.QUEUED, created_at=now)
    session.add(job)
    session.flush()
    audit.record(session, actor=user, action="bank.import_queued", target=bank,
                 after={"job": job.id, "file": job.filename[:100], "bytes": len(data)}, at=now)
    return job


def get_job(session: Session, *, job_id: int, user: Any, bank: Bank) -> BankImportJob:
    """A job of this bank, only for the author who uploaded it."""
    job = session.get(BankImportJob, job_id)
    if job is None or job.bank_id != bank.id or job.user_id != user.id:
        raise NotFound()
    return job


def progress_of(job: BankImportJob) -> dict:
    """What the job page shows (and its JSON says): state, phase, counts and the bar's percent."""
    if job.state == ImportJobState.DONE:
        percent = 100
    elif job.phase in PHASE_SPAN:
        low, high = PHASE_SPAN[ImportJobPhase(job.phase)]
        share = job.step_done / job.step_total if job.step_total else 0
        percent = int(low + (high - low) * min(share, 1))
    else:
        percent = 0
    return {"state": job.state, "phase": job.phase, "percent": percent, "done": job.step_done,
            "total": job.step_total, "rows_total": job.rows_total, "rows_validated": job.rows_validated,
            "rows_written": job.rows_written, "pictures_total": job.pictures_total,
            "pictures_done": job.pictures_done, "problem_count": job.problem_count,
            "finished": job.state in (ImportJobState.DONE, ImportJobState.FAILED)}


# ---- the upload: one bank file and the pictures beside it --------------------------------------------------

@dataclasses.dataclass
class Upload:
    file: str  # the bank file's name
    kind: str  # yaml | xlsx
    data: bytes
    read_picture: Callable[[str], bytes | None]
    picture_names: set[str]
    picture_sizes: dict[str, int]


def open_upload(data: bytes, filename: str, limits: UploadLimits) -> Upload:
    """The bank file and a reader of its pictures; checked from the zip's directory before anything is unpacked."""
    if not data.startswith(b"PK\x03\x04"):
        if len(data) > limits.bank_job_file_bytes:
            raise JobProblem(_l("题库文件过大（上限 %(n)s MB）", n=f"{limits.bank_job_file_bytes / MB:g}"),
                             field="file")
        return Upload(filename or "bank.yaml", "yaml", data, lambda _name: None, set(), {})
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
    except zipfile.BadZipFile:
        raise JobProblem(_l("压缩包已损坏，无法读取"), field="file") from None
    if len(infos) > limits.bank_zip_members:
        raise JobProblem(_l("压缩包中的文件过多（上限 %(n)s 个）", n=limits.bank_zip_members), field="file")
    banks = [i for i in infos if i.filename.lower().endswith(BANK_FILE_SUFFIXES)]
    if len(banks) != 1:
        raise JobProblem(_l("压缩包中应有且只有一个题库文件（YAML 或 Excel），图片放在它旁边"), field="file")
    if sum(i.file_size for i in infos) > limits.bank_job_bytes * 2:
        raise JobProblem(_l("压缩包解压后过大，已拒绝"), field="file")
    sheet = banks[0]
    if sheet.file_size > limits.bank_job_file_bytes:
        raise JobProblem(_l("题库文件过大（上限 %(n)s MB）", n=f"{limits.bank_job_file_bytes / MB:g}"), field="file")
    pictures, read = media.pictures_beside(archive, infos, sheet)
    kind = "xlsx" if sheet.filename.lower().endswith(".xlsx") else "yaml"
    return Upload(sheet.filename.rsplit("/", 1)[-1], kind, archive.read(sheet), read, set(pictures),
                  {n: i.file_size for n, i in pictures.items()})


# ---- progress -----------------------------------------------------------------------------------------------

class Reporter:
    """Writes the job's progress through ``write(values)``, at most once per percent of a phase and on every
    change of phase; checks the CPU budget on every call. ``writing_counts``: whether counts can be written while
    the import's write transaction is open (not on SQLite, whose one writer is the import itself)."""

    def __init__(self, write: Callable[[dict], None], budget: CpuBudget, *, writing_counts: bool):
        self.write, self.budget, self.writing_counts = write, budget, writing_counts
        self.phase: str | None = None
        self.next_at = 0

    def __call__(self, phase: ImportJobPhase, done: int, total: int, **counts: int) -> None:
        self.budget.check()
        if phase == self.phase and done < self.next_at and done < total:
            return
        if phase == ImportJobPhase.WRITING and self.phase == phase and not self.writing_counts:
            return
        self.phase = phase
        self.next_at = done + max(1, total // 100)
        self.write({"phase": phase, "step_done": done, "step_total": total, **counts})


# ---- running a job ------------------------------------------------------------------------------------------

class _ProgressStream(io.StringIO):
    """The YAML text, reporting how far the parser has read it."""

    def __init__(self, text: str, report: Callable[[int, int], None]):
        super().__init__(text)
        self.total, self.report = len(text), report

    def read(self, size: int = -1) -> str:
        chunk = super().read(size)
        self.report(self.tell(), self.total)
        return chunk


def _parse_yaml(session: Session, upload: Upload, limits: UploadLimits, report: Reporter):
    if len(upload.data) > limits.bank_job_file_bytes:
        raise BankFileRefused([Problem(upload.file, None, "", _l("题库文件过大（上限 %(n)s MB）",
                                                                   n=f"{limits.bank_job_file_bytes / MB:g}"))])
    try:
        text = upload.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = _l("文件不是 UTF-8 编码（本行无法解码），请用文本编辑器另存为 UTF-8 后重试")
        raise BankFileRefused([Problem(upload.file, upload.data.count(b"\n", 0, exc.start) + 1, "", reason)]) from None
    import yaml

    stream = _ProgressStream(text, lambda done, total: report(ImportJobPhase.READING, done, total))
    try:
        data = yaml.load(stream, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader subclass  # nosec B506
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise BankFileRefused([Problem(upload.file, mark.line + 1 if mark else None, "",
                                       f"YAML 格式错误：{exc.problem or exc.context}")]) from None
    except (yaml.YAMLError, YamlProblem) as exc:
        raise BankFileRefused([Problem(upload.file, None, "", f"YAML 格式错误：{exc}")]) from None
    del text, stream
    questions = data.get("questions") if isinstance(data, dict) else None
    count = len(questions) if isinstance(questions, list) else 0
    if count > limits.bank_job_rows:
        raise BankFileRefused([Problem(upload.file, None, "", _l("题目过多（%(n)s 道，上限 %(max)s 道）",
                                                                   n=f"{count:,}", max=f"{limits.bank_job_rows:,}"))])
    report(ImportJobPhase.CHECKING, 0, count, rows_total=count)
    try:
        doc = parse_document(data, upload.file, known_categories=category_codes(session))
    except BankFileProblems as refused:
        raise BankFileRefused(refused.problems) from None
    report(ImportJobPhase.CHECKING, count, count, rows_total=count, rows_validated=count)
    return doc


def _check_sheet(session: Session, bank: Bank, upload: Upload, limits: UploadLimits, report: Reporter):
    from . import sheets

    report(ImportJobPhase.READING, 0, 1)
    try:
        check = sheets.check_upload(
            session, bank=bank, data=upload.data, file=upload.file, limits=limits,
            picture_names=upload.picture_names,
            progress=lambda done, total: report(ImportJobPhase.CHECKING, done, total, rows_total=total,
                                                rows_validated=done))
    except SpreadsheetProblem as problem:
        raise ValidationError(str(problem), field="file") from None
    if not check.ok:
        raise BankFileRefused(check.problems)
    return sheets.numbered_contents(session, bank, check)


class _Spool:
    """Judged pictures in a temporary file (memory holds one picture at a time)."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()
        self.index: dict[str, tuple[str, str, int, int, int, int]] = {}  # sha → (type, w, h, offset, length)

    def add(self, judged: media.Judged) -> str:
        digest = judged.sha256
        if digest not in self.index:
            offset = self.file.seek(0, os.SEEK_END)
            self.file.write(judged.data)
            self.index[digest] = (digest, judged.content_type, judged.width, judged.height, offset, len(judged.data))
        return digest

    def blobs(self):
        for digest, content_type, width, height, offset, length in self.index.values():
            self.file.seek(offset)
            yield digest, content_type, width, height, self.file.read(length)

    def close(self) -> None:
        self.file.close()


def _judge_pictures(upload: Upload, questions: list[dict], lines: dict[str, int | None], limits: UploadLimits,
                    report: Reporter, spool: _Spool) -> None:
    names = sorted({r["file"] for q in questions for r, _f in _refs(q) if r.get("file")})
    report(ImportJobPhase.PICTURES, 0, len(names), pictures_total=len(names))
    done: dict[str, Any] = {}
    pixels = 0
    for number, name in enumerate(names, start=1):
        data = upload.read_picture(name)
        if data is None:
            done[name] = _l("图片文件 %(file)s 不存在", file=name)
        else:
            try:
                judged = media.judge(data)
                pixels += judged.width * judged.height
                if pixels > limits.bank_job_pixels:
                    raise ValidationError(_l("图片的总像素超过上限（%(n)s 亿像素），已停止导入",
                                             n=f"{limits.bank_job_pixels / 1e8:g}"), field="file")
                done[name] = spool.add(judged)
            except media.MediaProblem as problem:
                done[name] = _l("图片 %(file)s：%(reason)s", file=name, reason=problem.args[0])
        del data
        report(ImportJobPhase.PICTURES, number, len(names), pictures_done=number)
    problems = []
    for q in questions:
        for ref, field_name in _refs(q):
            name = ref.get("file")
            if not name or ref.get("sha256"):
                continue
            result = done[name]
            if isinstance(result, str) and len(result) == 64:
                ref["sha256"] = result
            else:
                problems.append(Problem(upload.file, lines.get(q["key"]), q["key"], result, field_name))
    if problems:
        raise BankFileRefused(problems)


def _store_spool(session: Session, spool: _Spool, now: datetime) -> None:
    digests = list(spool.index)
    known: set[str] = set()
    for start in range(0, len(digests), 500):
        known |= set(session.scalars(select(MediaBlob.sha256).where(MediaBlob.sha256.in_(digests[start:start + 500]))))
    batch = []
    for digest, content_type, width, height, data in spool.blobs():
        if digest in known:
            continue
        batch.append(MediaBlob(sha256=digest, content_type=content_type, size=len(data), width=width, height=height,
                               data=data, created_at=now))
        if len(batch) >= 100:
            session.add_all(batch)
            session.flush()
            for row in batch:
                session.expunge(row)
            batch = []
    session.add_all(batch)
    session.flush()
    for row in batch:
        session.expunge(row)


def run_job(session: Session, job_id: int, *, write_progress: Callable[[dict], None], writing_counts: bool,
            now: Callable[[], datetime] = clock.now) -> BankImportJob:
    """Import a claimed job, all or nothing. The reading phases only read (SQLite: a read transaction, so the
    progress connection can write); then one write transaction writes everything and marks the job done. On a
    refusal nothing is written and the job is failed with its problems."""
    job = session.get(BankImportJob, job_id)
    limits = limits_of(job).for_bank_job()
    bank = job.bank
    revision, bank_id, actor_id, filename = bank.revision, bank.id, job.user_id, job.filename
    data = session.scalar(select(BankImportJob.data).where(BankImportJob.id == job_id))
    report = Reporter(write_progress, CpuBudget(limits.bank_job_cpu_seconds), writing_counts=writing_counts)
    spool = _Spool()
    try:
        upload = open_upload(data, filename, limits)
        del data
        if upload.kind == "yaml":
            doc = _parse_yaml(session, upload, limits, report)
            if doc.code != bank.code:
                raise BankFileRefused([Problem(upload.file, 1, "", _l(
                    "文件中的题库代码 %(code)s 与当前题库 %(bank)s 不一致", code=doc.code, bank=bank.code), "bank")])
            questions, lines = doc.questions, doc.lines
        else:
            questions = _check_sheet(session, bank, upload, limits, report)
            lines = {}
            doc = None
        _judge_pictures(upload, questions, lines, limits, report, spool)
        total = len(questions)
        report(ImportJobPhase.WRITING, 0, total, rows_validated=total)
        # The one write transaction: nothing above wrote anything.
        restart_as_writer(session)
        job = session.get(BankImportJob, job_id)
        bank = session.get(Bank, bank_id)
        if bank.revision != revision:
            raise ValidationError(_l("导入期间题库已被修改，请重新上传"), field="file")
        from ..accounts.models import User

        actor = session.get(User, actor_id)
        at = now()
        _store_spool(session, spool, at)

        def written(done: int, total: int) -> None:
            report(ImportJobPhase.WRITING, done, total, rows_written=done)

        if doc is not None:
            summary = apply_document(session, actor=actor, doc=doc, file=filename, now=at,
                                     force_draft=bank.review_required, progress=written)
        else:
            summary = ImportSummary(bank=bank.code)
            upsert_questions(session, actor=actor, bank=bank, questions=questions, now=at, summary=summary,
                             retire_missing=False, force_draft=bank.review_required, progress=written)
        audit.record(session, actor=actor, action="bank.upload", target=bank,
                     after={"job": job_id, "file": filename[:100], "added": summary.added, "changed": summary.changed,
                            "retired": summary.retired, "revision": bank.revision}, at=at)
        job.state, job.phase = ImportJobState.DONE, ImportJobPhase.DONE
        job.rows_written = job.rows_validated = job.rows_total = total
        job.step_done = job.step_total = total
        job.summary = {"added": summary.added, "changed": summary.changed, "unchanged": summary.unchanged,
                       "retired": summary.retired, "restored": summary.restored}
        job.data = b""
        job.finished_at = at
        session.commit()
        return job
    except BankFileRefused as refused:
        return _fail(session, job_id, problems=refused.problems, now=now)
    except DomainError as err:
        return _fail(session, job_id, error=str(err.message), now=now)
    except (SpreadsheetProblem, zipfile.BadZipFile, MemoryError) as err:
        return _fail(session, job_id, error=str(err) or type(err).__name__, now=now)
    finally:
        spool.close()


def _fail(session: Session, job_id: int, *, problems: list[Problem] | None = None, error: str = "",
          now: Callable[[], datetime]) -> BankImportJob:
    restart_as_writer(session)  # whatever was written is rolled back
    job = session.get(BankImportJob, job_id)
    job.state, job.phase = ImportJobState.FAILED, ImportJobPhase.FAILED
    problems = problems or []
    job.problems = [{"file": p.file, "line": p.line, "key": p.key, "field": p.field, "reason": str(p.reason)}
                    for p in problems[:MAX_PROBLEMS_KEPT]]
    job.problem_count = len(problems)
    job.error = error[:2000]
    job.data = b""
    job.finished_at = now()
    session.commit()
    return job


# ---- claiming and the worker --------------------------------------------------------------------------------

def claim(session: Session, *, worker: str, now: datetime, stale_minutes: int,
          job_id: int | None = None) -> int | None:
    """Take a queued job (or a running one whose worker stopped beating) with a compare-and-set, committed; its id.
    A job that has been taken ``MAX_ATTEMPTS`` times is failed instead."""
    stale = now - timedelta(minutes=stale_minutes)
    stmt = (select(BankImportJob.id, BankImportJob.state, BankImportJob.attempts)
            .where(or_(BankImportJob.state == ImportJobState.QUEUED,
                       (BankImportJob.state == ImportJobState.RUNNING) & (BankImportJob.heartbeat_at < stale)))
            .order_by(BankImportJob.id))
    if job_id is not None:
        stmt = stmt.where(BankImportJob.id == job_id)
    for found_id, state, attempts in session.execute(stmt).all():
        if attempts >= MAX_ATTEMPTS:
            session.execute(update(BankImportJob).where(BankImportJob.id == found_id,
                                                        BankImportJob.attempts == attempts)
                            .values(state=ImportJobState.FAILED, phase=ImportJobPhase.FAILED, data=b"",
                                    error="导入多次中断（工作进程退出），请重新上传", finished_at=now))
            session.commit()
            continue
        taken = session.execute(
            update(BankImportJob)
            .where(BankImportJob.id == found_id, BankImportJob.state == state, BankImportJob.attempts == attempts)
            .values(state=ImportJobState.RUNNING, attempts=attempts + 1, worker=worker[:80], started_at=now,
                    heartbeat_at=now, phase=ImportJobPhase.READING, step_done=0, step_total=0))
        session.commit()
        if taken.rowcount == 1:
            return found_id
    return None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_pending(app, *, once: bool = True, job_id: int | None = None, idle: Callable[[], bool] | None = None) -> int:
    """The worker: claim and run jobs until none is left (``once``) or for ever (``idle()`` sleeps between polls
    and says whether to go on). Returns how many jobs it ran."""
    from ..db import get_db, get_session

    ran = 0
    with app.app_context(), app.test_request_context("/"):  # messages are lazy strings: they need a locale
        database = get_db()
        while True:
            session = get_session()
            token = write_intent.set(True)
            try:
                claimed = claim(session, worker=worker_name(), now=clock.now(), job_id=job_id,
                                stale_minutes=app.config.get("BANK_IMPORT_STALE_MINUTES", 30))
            finally:
                write_intent.reset(token)
            if claimed is None:
                if once or (idle is not None and not idle()):
                    return ran
                continue
            def write(values: dict, claimed: int = claimed, engine=database.engine) -> None:
                values = values | {"heartbeat_at": clock.now()}
                token = write_intent.set(True)
                try:
                    with engine.begin() as conn:
                        conn.execute(update(BankImportJob).where(BankImportJob.id == claimed).values(**values))
                finally:
                    write_intent.reset(token)

            token = write_intent.set(False)  # the reading phases: a read transaction (SQLite: no write lock)
            try:
                run_job(session, claimed, write_progress=write, writing_counts=not database.is_sqlite)
            except Exception as exc:
                session.rollback()
                write({"state": ImportJobState.FAILED, "phase": ImportJobPhase.FAILED, "data": b"",
                       "error": f"导入时发生内部错误：{type(exc).__name__}", "finished_at": clock.now()})
            finally:
                write_intent.reset(token)
                session.close()
            ran += 1
            if job_id is not None and once:
                return ran


_started: list[subprocess.Popen] = []


def start_worker(app) -> None:
    """Embedded default: start a worker process for the job just stored (it claims it and exits). The process
    gets the app's database and secret through its environment; finished ones are reaped at the next start."""
    if app.config.get("BANK_IMPORT_RUNNER", "subprocess") != "subprocess":
        return
    for process in list(_started):
        if process.poll() is not None:
            _started.remove(process)
    env = dict(os.environ)
    env.update({"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": app.config["SECRET_KEY"],
                "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)})
    try:
        _started.append(subprocess.Popen(
            [sys.executable, "-m", "exam_platform.workers", "--once"], cwd=str(ROOT), env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
    except OSError:  # the job stays queued: the next upload's worker, or `flask banks worker --once`, takes it
        app.logger.exception("could not start the bank import worker")
