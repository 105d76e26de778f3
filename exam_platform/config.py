"""Settings, read from the environment once at start-up.

Defaults give the embedded deployment: SQLite files in ``instance/`` for the data and for the rate-limit counters
(shared by the workers of one host, ``limit_store.py``).
Production sets ``DATABASE_URL`` (PostgreSQL), ``RATELIMIT_STORAGE_URI`` (Redis) and ``SECRET_KEY``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

MB = 1024 * 1024

# Technical parameters with no setting of their own (legal rules come from the rule sets, not from here).
REPORTS_CACHE_SECONDS = 600  # how long a computed figure may be served from the cache (outside an app too)
EMPLOYER_DUE_HORIZON_DAYS = 60  # an employer's worker whose 复审 or renewal falls due within this many days: "due soon"


@dataclass(frozen=True)
class UploadLimits:
    """How much one uploaded spreadsheet or question-bank file may cost to read (docs/operations.md, "Upload limits").

    Every spreadsheet read streams the XML of the workbook once, counting, before the spreadsheet library
    builds anything, and stops at the first limit it passes; the CPU budget bounds whatever is left.
    """

    xlsx_bytes: int = 5 * MB  # the .xlsx file as uploaded
    unpacked_bytes: int = 50 * MB  # every part of the archive, unpacked (zip bombs)
    xml_bytes: int = 32 * MB  # the XML parts (sheets, shared strings, styles…), unpacked
    rows: int = 10_000  # data rows after the header; every row element counts, empty or not
    columns: int = 256  # cells in one row, and the furthest column a cell may name
    xml_elements: int = 1_500_000  # XML elements in the whole workbook
    cpu_seconds: float = 10.0  # CPU time of the request's thread spent reading one spreadsheet
    bank_file_bytes: int = 2 * MB  # a question-bank YAML file (about 5,000 questions)
    photo_bytes: int = 4 * MB  # a candidate photo (accounts/photo_image.py), before its signature is even read
    photo_pixels: int = 25_000_000  # its width × height from the header, before decoding
    bank_zip_bytes: int = 200 * MB  # a spreadsheet and its pictures in one zip (issue #15)
    bank_zip_members: int = 5_000  # files in that zip
    # A bank imported in the background (banks/jobs.py): a zip of one bank file (YAML or xlsx) and its pictures
    bank_job_bytes: int = 300 * MB  # the upload as a whole (also the request size of that one route)
    bank_job_file_bytes: int = 64 * MB  # the bank file inside it (YAML text or xlsx)
    bank_job_rows: int = 50_000  # questions / data rows
    bank_job_pixels: int = 4_000_000_000  # all pictures together, width × height from their headers
    bank_job_cpu_seconds: float = 1800.0  # CPU time of the worker on one job

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> UploadLimits:
        default = cls()
        return cls(xlsx_bytes=int(env.get("SPREADSHEET_MAX_BYTES", default.xlsx_bytes)),
                   unpacked_bytes=int(env.get("SPREADSHEET_MAX_UNPACKED_BYTES", default.unpacked_bytes)),
                   xml_bytes=int(env.get("SPREADSHEET_MAX_XML_BYTES", default.xml_bytes)),
                   rows=int(env.get("SPREADSHEET_MAX_ROWS", default.rows)),
                   columns=int(env.get("SPREADSHEET_MAX_COLUMNS", default.columns)),
                   xml_elements=int(env.get("SPREADSHEET_MAX_XML_ELEMENTS", default.xml_elements)),
                   cpu_seconds=float(env.get("SPREADSHEET_CPU_SECONDS", default.cpu_seconds)),
                   bank_file_bytes=int(env.get("BANK_FILE_MAX_BYTES", default.bank_file_bytes)),
                   photo_bytes=int(env.get("PHOTO_MAX_BYTES", default.photo_bytes)),
                   photo_pixels=int(env.get("PHOTO_MAX_PIXELS", default.photo_pixels)),
                   bank_zip_bytes=int(env.get("BANK_ZIP_MAX_BYTES", default.bank_zip_bytes)),
                   bank_zip_members=int(env.get("BANK_ZIP_MAX_MEMBERS", default.bank_zip_members)),
                   bank_job_bytes=int(env.get("BANK_JOB_MAX_BYTES", default.bank_job_bytes)),
                   bank_job_file_bytes=int(env.get("BANK_JOB_MAX_FILE_BYTES", default.bank_job_file_bytes)),
                   bank_job_rows=int(env.get("BANK_JOB_MAX_ROWS", default.bank_job_rows)),
                   bank_job_pixels=int(env.get("BANK_JOB_MAX_PIXELS", default.bank_job_pixels)),
                   bank_job_cpu_seconds=float(env.get("BANK_JOB_CPU_SECONDS", default.bank_job_cpu_seconds)))

    def for_bank_job(self) -> UploadLimits:
        """The limits one background bank import reads its sheet or YAML file with: bounded, but sized for a bank
        of tens of thousands of questions (a 20,000-row sheet is about 4 MB; its XML about 40 MB)."""
        from dataclasses import replace

        return replace(self, xlsx_bytes=self.bank_job_file_bytes, unpacked_bytes=self.bank_job_file_bytes * 16,
                       xml_bytes=self.bank_job_file_bytes * 12, rows=self.bank_job_rows,
                       xml_elements=self.bank_job_rows * 200, cpu_seconds=self.bank_job_cpu_seconds,
                       bank_file_bytes=self.bank_job_file_bytes, bank_zip_bytes=self.bank_job_bytes)


def upload_limits() -> UploadLimits:
    """The running app's ``UPLOAD_LIMITS``; the defaults outside an app (scripts, pure tests)."""
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config.get("UPLOAD_LIMITS") or UploadLimits()
    return UploadLimits()


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _normalise_db_url(url: str) -> str:
    # psycopg 3 is the driver; accept the common short forms.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(instance_path: Path) -> dict:
    env = os.environ
    db_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'exam_platform.sqlite3'}"
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "DATABASE_URL": _normalise_db_url(db_url),
        "SQL_ECHO": env.get("SQL_ECHO") == "1",
        # Sessions and cookies
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("COOKIE_SECURE", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # 12 hours from the login, not from the last request (absolute timeout; accounts.sessions.session_expired):
        # the cookie is re-signed only when the session changes, not on every request.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_REFRESH_EACH_REQUEST": False,
        # CSRF tokens must outlive the longest exam (120 min + extensions).
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        # Rate limits: a SQLite file shared by the workers of this host by default; Redis when several hosts serve
        # (docs/security.md). ``memory://`` counts per worker process: tests only.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI",
                                         f"sqlite:///{instance_path / 'ratelimits.sqlite3'}"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Login (accounts/login_throttle.py): attempts per account from browsers that have not signed in to it
        # (all addresses together), and per account and browser for those that have.
        "RATELIMIT_LOGIN_ACCOUNT": env.get("RATELIMIT_LOGIN_ACCOUNT", "10 per 5 minutes"),
        "RATELIMIT_LOGIN_KNOWN_BROWSER": env.get("RATELIMIT_LOGIN_KNOWN_BROWSER", "10 per 5 minutes"),
        "RATELIMIT_LOGIN_IP": env.get("RATELIMIT_LOGIN_IP", "300 per minute"),
        "RATELIMIT_VERIFY_IP": env.get("RATELIMIT_VERIFY_IP", "120 per minute"),
        "RATELIMIT_IDENTITY_CHECK_IP": env.get("RATELIMIT_IDENTITY_CHECK_IP", "10 per hour"),
        "RATELIMIT_IDENTITY_CHECK_CERT": env.get("RATELIMIT_IDENTITY_CHECK_CERT", "50 per day"),
        "RATELIMIT_LOOKUP_IP": env.get("RATELIMIT_LOOKUP_IP", "30 per hour"),
        # The public verification log (certificates/verification_log.py): rows queued per worker and written in
        # batches every FLUSH_MS or as soon as BATCH rows wait (0: with each request). A worker killed outright
        # loses at most its last FLUSH_MS of rows (docs/certificates.md); MAX_PENDING bounds the queue.
        "VERIFICATION_LOG_FLUSH_MS": int(env.get("VERIFICATION_LOG_FLUSH_MS", "200")),
        "VERIFICATION_LOG_BATCH": int(env.get("VERIFICATION_LOG_BATCH", "200")),
        "VERIFICATION_LOG_MAX_PENDING": int(env.get("VERIFICATION_LOG_MAX_PENDING", "10000")),
        # /v/ answers from the registry row a worker read before while the registry version has not moved
        # (certificates/registry_version.py: a file beside SQLite, or Redis — REGISTRY_VERSION_URI, else a redis://
        # RATELIMIT_STORAGE_URI); SIZE tokens per worker (0: off), each read again after SECONDS at the latest.
        "VERIFY_CACHE_SIZE": int(env.get("VERIFY_CACHE_SIZE", "4096")),
        "VERIFY_CACHE_SECONDS": float(env.get("VERIFY_CACHE_SECONDS", "60")),
        "REGISTRY_VERSION_URI": env.get("REGISTRY_VERSION_URI", ""),
        # Reverse proxies in front of the app (for client IPs and allowed exam subnets).
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        # Babel
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": {"zh_CN": "简体中文", "en": "English"},
        # Uploads: the request as a whole, then what reading one spreadsheet or bank file may cost
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", str(8 * MB))),
        "UPLOAD_LIMITS": UploadLimits.from_environment(env),
        # Background bank imports (banks/jobs.py): "subprocess" — the app starts a worker process per upload (the
        # embedded default); "worker" — a separate `flask banks worker` claims the jobs (production). A running job
        # whose heartbeat is older than BANK_IMPORT_STALE_MINUTES is claimed again (its worker died).
        "BANK_IMPORT_RUNNER": env.get("BANK_IMPORT_RUNNER", "subprocess"),
        "BANK_IMPORT_STALE_MINUTES": int(env.get("BANK_IMPORT_STALE_MINUTES", "30")),
        # Exams
        "EXAM_SAVE_GRACE_SECONDS": int(env.get("EXAM_SAVE_GRACE_SECONDS", "30")),
        # Grading (exams/grading.py): a hand-in is acknowledged at once and graded by `flask exams worker`, a process
        # of its own. EXAM_GRADE_INLINE=1 grades in the hand-in's transaction instead (no worker needed: the test
        # suite, or an installation that cannot run one). With Redis, workers are woken at once (else they poll).
        "EXAM_GRADE_INLINE": env.get("EXAM_GRADE_INLINE", "0") == "1",
        "EXAM_GRADING_REDIS_URL": env.get("EXAM_GRADING_REDIS_URL", ""),
        # Group commit of answer saves (exams/attempts/committer.py): the saves that arrive together in one worker
        # are written in one transaction (at most MAX of them; the writer waits up to WAIT_MS once for more) and
        # each is acknowledged after its commit. "auto" (default): on with SQLite (one writer at a time anyway),
        # off with PostgreSQL (which runs saves of different attempts in parallel and shares WAL flushes between
        # concurrent commits itself; one writer thread measured slower there, docs/exam-protocol.md §13);
        # "1" / "0": on / off. Never on in tests (app.testing).
        "EXAM_SAVE_GROUP_COMMIT": env.get("EXAM_SAVE_GROUP_COMMIT", "auto"),
        "EXAM_SAVE_GROUP_COMMIT_MAX": int(env.get("EXAM_SAVE_GROUP_COMMIT_MAX", "64")),
        "EXAM_SAVE_GROUP_COMMIT_WAIT_MS": float(env.get("EXAM_SAVE_GROUP_COMMIT_WAIT_MS", "1")),
        # Training (technical, not legal rules): anti-挂机 study time — the longest gap between heartbeats still
        # credited, the heartbeat interval, the idle time after which the lesson page stops counting; on-site QR
        # check-in — how often the code changes, for how many periods after that it is still accepted, how long
        # before a session check-in opens; the timetable calendar pages this many months either side of today's.
        "TRAINING_STUDY_MAX_GAP_SECONDS": int(env.get("TRAINING_STUDY_MAX_GAP_SECONDS", "60")),
        "TRAINING_STUDY_BEAT_SECONDS": int(env.get("TRAINING_STUDY_BEAT_SECONDS", "20")),
        "TRAINING_STUDY_IDLE_SECONDS": int(env.get("TRAINING_STUDY_IDLE_SECONDS", "180")),
        "TRAINING_QR_PERIOD_SECONDS": int(env.get("TRAINING_QR_PERIOD_SECONDS", "30")),
        "TRAINING_QR_GRACE_WINDOWS": int(env.get("TRAINING_QR_GRACE_WINDOWS", "1")),
        "TRAINING_CHECKIN_EARLY_MINUTES": int(env.get("TRAINING_CHECKIN_EARLY_MINUTES", "30")),
        "TRAINING_CALENDAR_MONTHS": int(env.get("TRAINING_CALENDAR_MONTHS", "24")),
        # Reports: figures served from the cache for this long
        "REPORTS_CACHE_SECONDS": float(env.get("REPORTS_CACHE_SECONDS", str(REPORTS_CACHE_SECONDS))),
        # Check-in (签到) opens this many minutes before the start and closes this many after it (never after the
        # sitting's end, never outside the sitting's day in Shanghai).
        "EXAM_CHECKIN_EARLY_MINUTES": int(env.get("EXAM_CHECKIN_EARLY_MINUTES", "60")),
        "EXAM_CHECKIN_LATE_MINUTES": int(env.get("EXAM_CHECKIN_LATE_MINUTES", "30")),
        # Employers: batch verification lists per employer organisation
        "RATELIMIT_EMPLOYER_VERIFY": env.get("RATELIMIT_EMPLOYER_VERIFY", "30 per hour"),
        # Autosave is limited per account (a whole exam room shares one IP address).
        "EXAM_SAVE_RATE_LIMIT": env.get("EXAM_SAVE_RATE_LIMIT", "600 per minute"),
        # Public base URL used inside QR codes (falls back to the request host); `make run` sets the host's address.
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", ""),
        "BENCH_MODE": env.get("BENCH_MODE") == "1",
    }


def loopback_base_url(url: str) -> bool:
    """True when ``PUBLIC_BASE_URL`` names this machine only (localhost, 127.x, ::1): no phone can open it."""
    from ipaddress import ip_address
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
