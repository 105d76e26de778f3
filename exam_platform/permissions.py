"""Who may do what: every access rule of the platform, in one place.

教考分离 is written here: the examining side (question authors, exam-centre staff) and the training side
(institution staff) are separate roles, one person never holds both, and each predicate below says which
side may touch which object. Views, the JSON API and templates all call these predicates (templates get
them as globals); nothing else compares roles.

Object-level rules go by organisation: an object of another organisation is reported as *not found*
(see ``require``), so ids of other organisations' objects cannot be probed.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any

from flask import abort, jsonify, redirect, request, url_for
from flask_login import current_user

if TYPE_CHECKING:  # the objects the rules are about; names for annotations only, no import at run time
    from typing import TypeAlias

    from flask_login import AnonymousUserMixin

    from .accounts.models import User
    from .banks.models import Bank
    from .certificates.models import Certificate
    from .employers.models import EnrollmentRequest, Worker
    from .exams.models import Registration
    from .inspectors.models import Inspection
    from .training.models import Enrollment, Lesson, TrainingClass, TrainingCompletion

    # who asks: a signed-in user, the anonymous user of Flask-Login, or nobody (outside a request)
    Viewer: TypeAlias = User | AnonymousUserMixin | None


class Role(enum.StrEnum):
    REGULATOR = "regulator"                  # 监管部门
    QUESTION_AUTHOR = "question_author"      # 题库管理员 (exam authority)
    CENTRE_STAFF = "centre_staff"            # 考点考务
    PROCTOR = "proctor"                      # 监考
    EXAMINER = "examiner"                    # 考评员 (实操)
    INSTITUTION_STAFF = "institution_staff"  # 培训机构
    CANDIDATE = "candidate"                  # 学员/考生
    EMPLOYER = "employer"                    # 生产经营单位 (用人单位) staff
    INSPECTOR = "inspector"                  # 执法人员 (under a regulator)


class OrgKind(enum.StrEnum):
    REGULATOR = "regulator"
    EXAM_AUTHORITY = "exam_authority"
    EXAM_CENTRE = "exam_centre"
    TRAINING_INSTITUTION = "training_institution"
    EMPLOYER = "employer"


#: The organisation kind a grant of each role must name (candidates belong to no organisation).
ROLE_ORG_KIND: dict[Role, OrgKind | None] = {
    Role.REGULATOR: OrgKind.REGULATOR,
    Role.QUESTION_AUTHOR: OrgKind.EXAM_AUTHORITY,
    Role.CENTRE_STAFF: OrgKind.EXAM_CENTRE,
    Role.PROCTOR: OrgKind.EXAM_CENTRE,
    Role.EXAMINER: OrgKind.EXAM_CENTRE,
    Role.INSTITUTION_STAFF: OrgKind.TRAINING_INSTITUTION,
    Role.CANDIDATE: None,
    Role.EMPLOYER: OrgKind.EMPLOYER,
    Role.INSPECTOR: OrgKind.REGULATOR,
}

EXAMINING_ROLES = frozenset({Role.QUESTION_AUTHOR, Role.CENTRE_STAFF, Role.PROCTOR, Role.EXAMINER})
TRAINING_ROLES = frozenset({Role.INSTITUTION_STAFF})
CENTRE_ROLES = frozenset({Role.CENTRE_STAFF, Role.PROCTOR, Role.EXAMINER})
STAFF_ROLES = frozenset(Role) - {Role.CANDIDATE}


def conflicting_side(existing: Iterable[Role], new: Role) -> bool:
    """True when granting ``new`` would give one person both a training and an examining role."""
    existing = set(existing)
    return (new in TRAINING_ROLES and bool(existing & EXAMINING_ROLES)) or (
        new in EXAMINING_ROLES and bool(existing & TRAINING_ROLES)
    )


# ---- role predicates -------------------------------------------------------------------------------

def roles_of(user: Viewer) -> frozenset[Role]:
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return user.roles


def has_role(user: Viewer, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def org_ids(user: Viewer, *roles: Role) -> frozenset[int]:
    """Organisations in which ``user`` holds any of ``roles``."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(g.organization_id for g in user.grants
                     if g.role in roles and g.organization_id is not None)


def is_regulator(user: Viewer) -> bool:
    return has_role(user, Role.REGULATOR)


# ---- accounts, catalogue, audit --------------------------------------------------------------------

def can_manage_accounts(user: Viewer) -> bool:
    return is_regulator(user)


def can_manage_catalog(user: Viewer) -> bool:
    return is_regulator(user)


def can_read_audit(user: Viewer) -> bool:
    return is_regulator(user)


#: Who checks identities against the physical document (实名核验): staff who meet the person face to face.
IDENTITY_ROLES = (Role.INSTITUTION_STAFF, Role.CENTRE_STAFF, Role.PROCTOR)


def can_verify_identities(user: Viewer) -> bool:
    return has_role(user, *IDENTITY_ROLES)


# ---- banks (exam banks are the examining side's; practice banks the institutions') ------------------

def can_read_exam_banks(user: Viewer) -> bool:
    return has_role(user, Role.REGULATOR, Role.QUESTION_AUTHOR)


def can_author_exam_banks(user: Viewer) -> bool:
    return has_role(user, Role.QUESTION_AUTHOR)


def can_read_bank(user: Viewer, bank: Bank) -> bool:
    if bank.purpose == "exam":
        # Layers: an exam bank owned by an authority (a provincial bank, say) is its authors' only; regulators read all
        return has_role(user, Role.REGULATOR) or can_edit_bank(user, bank)
    return has_role(user, Role.REGULATOR, Role.QUESTION_AUTHOR) or can_edit_bank(user, bank)


def can_edit_bank(user: Viewer, bank: Bank) -> bool:
    if bank.purpose == "exam":
        if bank.owner_org_id is None:  # the national (unowned) exam banks: every question author
            return has_role(user, Role.QUESTION_AUTHOR)
        return bank.owner_org_id in org_ids(user, Role.QUESTION_AUTHOR)
    # Practice banks: shipped ones (no owner) by authors; an institution's own by its staff.
    if bank.owner_org_id is None:
        return has_role(user, Role.QUESTION_AUTHOR)
    return bank.owner_org_id in org_ids(user, Role.INSTITUTION_STAFF)


def can_manage_blueprints(user: Viewer) -> bool:
    return has_role(user, Role.QUESTION_AUTHOR)


def can_read_item_statistics(user: Viewer) -> bool:
    return has_role(user, Role.REGULATOR, Role.QUESTION_AUTHOR)


# ---- training --------------------------------------------------------------------------------------

def can_manage_training(user: Viewer, institution_id: int | None = None) -> bool:
    if institution_id is None:
        return has_role(user, Role.INSTITUTION_STAFF)
    return institution_id in org_ids(user, Role.INSTITUTION_STAFF)


def can_read_training(user: Viewer, institution_id: int) -> bool:
    return is_regulator(user) or can_manage_training(user, institution_id)


def can_study(user: Viewer) -> bool:
    return has_role(user, Role.CANDIDATE)


def training_org_ids(user: Viewer) -> frozenset[int] | None:
    """Institutions whose classes ``user`` may read: None = all (regulator), else their own institutions."""
    if is_regulator(user):
        return None
    return org_ids(user, Role.INSTITUTION_STAFF)


def can_read_class(user: Viewer, training_class: TrainingClass) -> bool:
    return can_read_training(user, training_class.institution_id)


def can_manage_class(user: Viewer, training_class: TrainingClass) -> bool:
    return can_manage_training(user, training_class.institution_id)


def can_manage_lesson(user: Viewer, lesson: Lesson) -> bool:
    return can_manage_training(user, lesson.institution_id)


def can_study_enrollment(user: Viewer, enrollment: Enrollment) -> bool:
    """A trainee studies, checks in and practises only in their own enrollments."""
    return can_study(user) and enrollment.trainee_id == getattr(user, "id", None)


def can_read_completion(user: Viewer, completion: TrainingCompletion) -> bool:
    """培训合格证明: the trainee, their institution's staff and the regulator (the public sees a masked page)."""
    return (is_regulator(user) or can_manage_training(user, completion.institution_id)
            or (can_study(user) and completion.trainee_id == getattr(user, "id", None)))


def can_practise(user: Viewer, bank: Bank) -> bool:
    """Practice is from practice banks only — never an exam bank, whoever asks (教考分离)."""
    return can_study(user) and bank.purpose == "practice"


# ---- exams -----------------------------------------------------------------------------------------

def can_manage_sittings(user: Viewer, centre_id: int | None = None) -> bool:
    if centre_id is None:
        return has_role(user, Role.CENTRE_STAFF)
    return centre_id in org_ids(user, Role.CENTRE_STAFF)


def can_proctor(user: Viewer, centre_id: int | None = None) -> bool:
    roles = (Role.CENTRE_STAFF, Role.PROCTOR)
    if centre_id is None:
        return has_role(user, *roles)
    return centre_id in org_ids(user, *roles)


def can_score_practical(user: Viewer, centre_id: int | None = None) -> bool:
    roles = (Role.CENTRE_STAFF, Role.EXAMINER)
    if centre_id is None:
        return has_role(user, *roles)
    return centre_id in org_ids(user, *roles)


def can_read_sitting(user: Viewer, centre_id: int) -> bool:
    return is_regulator(user) or centre_id in org_ids(user, *CENTRE_ROLES)


def can_read_ticket(user: Viewer, registration: Registration) -> bool:
    """准考证 (HTML, PDF, QR): the candidate's own, and the check-in side of its centre (考务, 监考) — not 考评员."""
    return (can_take_exams(user) and registration.candidate_id == getattr(user, "id", None)) \
        or can_proctor(user, registration.sitting.centre_id)


def can_see_photo(user: Viewer, holder_id: int, holder_centre_ids: Iterable[int]) -> bool:
    """A candidate's photo (考生照片): the candidate, the regulator, and the staff (考务, 监考, 考评) of a centre where
    the candidate is registered (``holder_centre_ids``, which the exams area knows) — nobody else."""
    if getattr(user, "id", None) == holder_id and getattr(user, "is_authenticated", False):
        return True
    if is_regulator(user):
        return True
    return bool(org_ids(user, *CENTRE_ROLES) & set(holder_centre_ids))


def can_take_exams(user: Viewer) -> bool:
    return has_role(user, Role.CANDIDATE)


def is_staff_account(user: Viewer) -> bool:
    """Holds any role but 考生: such accounts are verified by the regulator, not at institutions or centres."""
    return has_role(user, *STAFF_ROLES)


# ---- certificates ----------------------------------------------------------------------------------

def can_manage_certificates(user: Viewer) -> bool:
    """Approve issuance, suspend, revoke, cancel, decide 复审: the regulator (issuing authority)."""
    return is_regulator(user)


def can_read_registry(user: Viewer) -> bool:
    return is_regulator(user)


def can_read_certificate(user: Viewer, cert: Certificate) -> bool:
    """The holder, the regulator, and the institution that trained the holder (its own trainees, read only)."""
    if is_regulator(user):
        return True
    if has_role(user, Role.CANDIDATE) and cert.holder_id == getattr(user, "id", None):
        return True
    return cert.institution_id is not None and cert.institution_id in org_ids(user, Role.INSTITUTION_STAFF)


def can_print_certificate(user: Viewer, cert: Certificate) -> bool:
    """Printable certificate and its verification log: the holder and the regulator."""
    return is_regulator(user) or (has_role(user, Role.CANDIDATE) and cert.holder_id == getattr(user, "id", None))


def can_apply_review(user: Viewer, cert: Certificate) -> bool:
    """复审 is asked for by the holder of the certificate."""
    return has_role(user, Role.CANDIDATE) and cert.holder_id == getattr(user, "id", None)


def can_read_trainee_certificates(user: Viewer) -> bool:
    return has_role(user, Role.INSTITUTION_STAFF)


# ---- employers (生产经营单位): rosters, 持证率, batch verification -----------------------------------------

def employer_ids(user: Viewer) -> frozenset[int]:
    """Employers whose roster ``user`` keeps."""
    return org_ids(user, Role.EMPLOYER)


def can_manage_roster(user: Viewer, employer_id: int | None = None) -> bool:
    """An employer's roster, posts, 持证率 and gap list: its own staff only (others' workers are not found)."""
    if employer_id is None:
        return has_role(user, Role.EMPLOYER)
    return employer_id in employer_ids(user)


def can_manage_worker(user: Viewer, worker: Worker) -> bool:
    return can_manage_roster(user, worker.employer_id)


def can_manage_request(user: Viewer, req: EnrollmentRequest) -> bool:
    """An enrollment request (送培申请): the employer that made it."""
    return can_manage_roster(user, req.employer_id)


def can_answer_request(user: Viewer, req: EnrollmentRequest) -> bool:
    """Accepting or declining a request: staff of the institution it is addressed to, and no one else."""
    return can_manage_training(user, req.institution_id)


def can_batch_verify(user: Viewer) -> bool:
    """Checking a list of certificate numbers with names (rate-limited per organisation)."""
    return has_role(user, Role.EMPLOYER)


# ---- inspectors (执法人员): on-site inspections, suspected forgeries, 执法证 ----------------------------------

def inspector_org_ids(user: Viewer) -> frozenset[int]:
    """Regulators under which ``user`` inspects."""
    return org_ids(user, Role.INSPECTOR)


def can_inspect(user: Viewer) -> bool:
    """Open inspections and check certificates on site (an inspector sees certificates only through checks)."""
    return has_role(user, Role.INSPECTOR)


def can_read_inspection(user: Viewer, inspection: Inspection) -> bool:
    """An inspection and its 检查记录: inspectors of its regulator, and the regulator's staff (never an employer)."""
    return is_regulator(user) or inspection.regulator_id in inspector_org_ids(user)


def can_check_in(user: Viewer, inspection: Inspection) -> bool:
    """Record checks in an inspection and sign it off: inspectors of its regulator only."""
    return inspection.regulator_id in inspector_org_ids(user)


def can_follow_up_cases(user: Viewer) -> bool:
    """Suspected forgeries (假冒证件) are followed up by the regulator."""
    return is_regulator(user)


def can_manage_inspector_credentials(user: Viewer) -> bool:
    """执法证 of the regulator's own inspectors, and the inspection statistics."""
    return is_regulator(user)


# ---- reports ---------------------------------------------------------------------------------------

def can_read_regulator_reports(user: Viewer) -> bool:
    return is_regulator(user)


def can_manage_targets(user: Viewer) -> bool:
    """Annual targets and employers' declared workforce are entered by the regulator."""
    return is_regulator(user)


def can_read_centre_reports(user: Viewer, centre_id: int | None = None) -> bool:
    """An exam centre's dashboard: its own staff (考务), and the regulator for any centre."""
    if centre_id is None:
        return has_role(user, Role.REGULATOR, Role.CENTRE_STAFF)
    return is_regulator(user) or centre_id in org_ids(user, Role.CENTRE_STAFF)


def can_read_institution_reports(user: Viewer, institution_id: int | None = None) -> bool:
    """A training institution's dashboard (its trainees' pass/fail and scores, never question-level data)."""
    if institution_id is None:
        return has_role(user, Role.REGULATOR, Role.INSTITUTION_STAFF)
    return is_regulator(user) or institution_id in org_ids(user, Role.INSTITUTION_STAFF)


def can_read_reports(user: Viewer) -> bool:
    """Any statistics page at all (the reports menu)."""
    return (can_read_regulator_reports(user) or can_read_item_statistics(user)
            or can_read_centre_reports(user) or can_read_institution_reports(user))


# ---- enforcement -----------------------------------------------------------------------------------

def require(allowed: bool) -> None:
    """Object-level check in a view: an object the user may not see is answered as not found."""
    if not allowed:
        abort(404)


def _deny_anonymous():
    if request.path.startswith("/api/"):
        return jsonify(error={"code": "unauthorized", "message": "请先登录"}), 401
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def role_required(*roles: Role) -> Callable:
    """Route decorator: the user must be logged in and hold one of ``roles`` (403 otherwise)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return _deny_anonymous()
            if not has_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)  # read by the permission-matrix test
        return wrapped

    return decorator


def login_required(view: Callable) -> Callable:
    """Any logged-in user."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return _deny_anonymous()
        return view(*args, **kwargs)

    return wrapped


def template_globals() -> dict[str, Any]:
    """Predicates exposed to Jinja so templates ask the same questions as views."""
    names = [n for n in globals() if n.startswith(("can_", "has_role", "is_regulator"))]
    return {n: globals()[n] for n in names} | {"Role": Role}


def init_app(app) -> None:
    app.jinja_env.globals.update(template_globals())
