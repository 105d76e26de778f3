"""送培申请: an employer asks a training institution to enroll chosen workers in a class; the institution accepts
(the enrollments are made by the training area's own enrollment service, all or nothing) or declines with a
reason; the employer follows hours, 培训合格证明 and the exam outcome — pass or fail only (教考分离: no score, no
question), as the institution sees it.

The employers area sits above training (docs/architecture.md), so it calls training's services; training knows
nothing of requests, and the institution's side of a request is served from this area's pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..accounts.models import Organization
from ..errors import Conflict, NotFound, ValidationError
from ..exams.models import ExamResult
from ..training import enrollment, progress
from ..training.hours import Progress
from ..training.models import Enrollment, TrainingClass
from .models import EnrollmentRequest, RequestStatus, Worker, requested_workers

MAX_WORKERS = 200
STATUS_LABELS = {RequestStatus.PENDING: _l("待机构处理"), RequestStatus.ACCEPTED: _l("已接收"),
                 RequestStatus.DECLINED: _l("已拒绝"), RequestStatus.WITHDRAWN: _l("已撤回")}


def open_classes(session: Session) -> list[TrainingClass]:
    """Classes an employer may send workers to: open for enrollment, with seats left."""
    stmt = (select(TrainingClass).where(TrainingClass.status.in_(("open", "running")),
                                        TrainingClass.enrolled_count < TrainingClass.capacity)
            .order_by(TrainingClass.starts_on, TrainingClass.id))
    return list(session.scalars(stmt))


def get_request(session: Session, request_id: int) -> EnrollmentRequest:
    found = session.get(EnrollmentRequest, request_id)
    if found is None:
        raise NotFound()
    return found


def requests_of_employer(session: Session, employer_id: int) -> list[EnrollmentRequest]:
    return list(session.scalars(select(EnrollmentRequest).where(EnrollmentRequest.employer_id == employer_id)
                                .order_by(EnrollmentRequest.requested_at.desc(), EnrollmentRequest.id.desc())))


def requests_to(session: Session, institution_ids: frozenset[int]) -> list[EnrollmentRequest]:
    """Requests addressed to these institutions, pending first."""
    stmt = (select(EnrollmentRequest).where(EnrollmentRequest.institution_id.in_(list(institution_ids)))
            .order_by((EnrollmentRequest.status != RequestStatus.PENDING.value), EnrollmentRequest.requested_at.desc(),
                      EnrollmentRequest.id.desc()))
    return list(session.scalars(stmt))


def create_request(session: Session, *, actor: Any, employer_id: int, class_id: int | None, worker_ids: list[int],
                   note: str, now: datetime) -> EnrollmentRequest:
    training_class = session.get(TrainingClass, class_id) if class_id else None
    if training_class is None or not training_class.is_open_for_enrollment:
        raise ValidationError(_l("请选择正在报名的班级"), field="class_id", code="bad_class")
    wanted = sorted(set(worker_ids or []))
    if not wanted:
        raise ValidationError(_l("请至少选择一名人员"), field="worker_ids", code="no_workers")
    if len(wanted) > MAX_WORKERS:
        raise ValidationError(_l("一次最多 %(n)s 人", n=MAX_WORKERS), field="worker_ids", code="too_many")
    workers = list(session.scalars(select(Worker).where(Worker.id.in_(wanted), Worker.employer_id == employer_id)))
    if len(workers) != len(wanted):
        raise ValidationError(_l("请选择本单位名册中的人员"), field="worker_ids", code="bad_workers")
    if len(workers) > training_class.seats_left:
        raise ValidationError(_l("本班只剩 %(n)s 个名额", n=training_class.seats_left), field="worker_ids",
                              code="class_full")
    pending = session.scalar(
        select(Worker.real_name).join(requested_workers, requested_workers.c.worker_id == Worker.id)
        .join(EnrollmentRequest, EnrollmentRequest.id == requested_workers.c.request_id)
        .where(EnrollmentRequest.class_id == training_class.id, Worker.id.in_(wanted),
               EnrollmentRequest.status.in_((RequestStatus.PENDING.value, RequestStatus.ACCEPTED.value))).limit(1))
    if pending is not None:
        raise ValidationError(_l("%(name)s 已在该班的申请中", name=pending), field="worker_ids", code="duplicate")
    req = EnrollmentRequest(employer_id=employer_id, institution_id=training_class.institution_id,
                            class_id=training_class.id, note=(note or "").strip()[:1000],
                            requested_by_id=getattr(actor, "id", None), requested_at=now)
    req.workers = workers
    session.add(req)
    session.flush()
    audit.record(session, actor=actor, action="employers.request.create", target=req,
                 after={"class": training_class.id, "institution": training_class.institution_id,
                        "workers": len(workers)}, at=now)
    return req


def _check_pending(req: EnrollmentRequest) -> None:
    if not req.pending:
        raise Conflict(_l("该申请已处理"), code="not_pending")


def withdraw_request(session: Session, *, actor: Any, req: EnrollmentRequest, now: datetime) -> EnrollmentRequest:
    _check_pending(req)
    req.status, req.decided_at, req.decided_by_id = RequestStatus.WITHDRAWN.value, now, getattr(actor, "id", None)
    session.flush()
    audit.record(session, actor=actor, action="employers.request.withdraw", target=req, at=now)
    return req


def accept(session: Session, *, actor: Any, req: EnrollmentRequest, now: datetime) -> list[enrollment.Enrolled]:
    """Enroll every requested worker through the training area's enrollment service, or none (the first problem
    is raised and the caller rolls back)."""
    _check_pending(req)
    employer = session.get(Organization, req.employer_id)
    rows = [enrollment.PersonRow(i + 1, w.real_name, w.id_type, w.id_number, "", employer.name if employer else "")
            for i, w in enumerate(req.workers)]
    done = enrollment.import_rows(session, actor=actor, training_class=req.training_class, rows=rows, now=now)
    for worker, enrolled in zip(req.workers, done, strict=True):
        session.execute(update(requested_workers)
                        .where(requested_workers.c.request_id == req.id, requested_workers.c.worker_id == worker.id)
                        .values(enrollment_id=enrolled.enrollment.id))
    req.status, req.decided_at, req.decided_by_id = RequestStatus.ACCEPTED.value, now, getattr(actor, "id", None)
    session.flush()
    audit.record(session, actor=actor, action="employers.request.accept", target=req,
                 after={"enrollments": [d.enrollment.id for d in done]}, at=now)
    return done


def decline(session: Session, *, actor: Any, req: EnrollmentRequest, reason: str, now: datetime) -> EnrollmentRequest:
    _check_pending(req)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("请填写拒绝原因"), field="reason", code="no_reason")
    req.status, req.reason = RequestStatus.DECLINED.value, reason[:1000]
    req.decided_at, req.decided_by_id = now, getattr(actor, "id", None)
    session.flush()
    audit.record(session, actor=actor, action="employers.request.decline", target=req, after={"reason": reason},
                 at=now)
    return req


# ---- following progress and results ----------------------------------------------------------------------

@dataclass
class WorkerProgress:
    worker: Worker
    enrollment: Enrollment | None
    hours: Progress | None
    completed: bool
    exam: str  # "" (none yet) | pending | passed | failed

    @property
    def exam_label(self) -> str:
        return str({"passed": _l("合格"), "failed": _l("不合格"), "pending": _l("待出结果")}.get(self.exam, ""))


def request_progress(session: Session, req: EnrollmentRequest) -> list[WorkerProgress]:
    """Per requested worker: hours against the class's requirement, whether a 培训合格证明 was issued, and the
    latest published exam outcome of the class's category since the class started — pass or fail, nothing more."""
    links = dict(session.execute(select(requested_workers.c.worker_id, requested_workers.c.enrollment_id)
                                 .where(requested_workers.c.request_id == req.id)).all())
    enrollments = {e.id: e for e in session.scalars(
        select(Enrollment).where(Enrollment.id.in_([i for i in links.values() if i])))}
    hours = progress.class_progress(session, req.training_class, list(enrollments)) if enrollments else {}
    outcomes: dict[int, str] = {}
    trainees = [e.trainee_id for e in enrollments.values()]
    if trainees:
        stmt = (select(ExamResult.candidate_id, ExamResult.passed, ExamResult.published_at)
                .where(and_(ExamResult.candidate_id.in_(trainees),
                            ExamResult.category_id == req.training_class.category_id,
                            ExamResult.exam_date >= req.training_class.starts_on))
                .order_by(ExamResult.exam_date, ExamResult.id))
        for candidate, passed, published in session.execute(stmt):
            outcomes[candidate] = ("pending" if published is None or passed is None
                                   else "passed" if passed else "failed")
    issued = progress.completions_of_class(session, req.training_class) if enrollments else {}
    found = []
    for worker in req.workers:
        e = enrollments.get(links.get(worker.id) or 0)
        completion = issued.get(e.id) if e else None
        found.append(WorkerProgress(worker, e, hours.get(e.id) if e else None,
                                    completion is not None and not completion.revoked,
                                    outcomes.get(e.trainee_id, "") if e else ""))
    return found
