"""Candidate photos (考生照片): storing one per person, replacing it, reading it back.

Who may see a photo is ``permissions.can_see_photo``; the pages that serve it are the exam area's
(``exams/views/candidate_photos.py``), because "a centre where the candidate is registered" is an exams fact.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..config import upload_limits
from ..errors import ValidationError
from .models import CandidatePhoto, User
from .photo_image import PhotoLimits, PhotoProblem, normalise

SOURCES = ("webcam", "upload", "demo")

_MESSAGES = {
    "empty": _l("没有收到照片"),
    "not_an_image": _l("只接受 JPEG、PNG 或 WebP 格式的照片"),
    "too_many_pixels": _l("照片像素过多，请缩小后再上传"),
    "unreadable": _l("无法读取该照片文件"),
    "blank": _l("照片几乎是一片纯色：请确认摄像头未被遮挡，重新拍摄"),
}


def limits() -> PhotoLimits:
    configured = upload_limits()
    return PhotoLimits(max_bytes=configured.photo_bytes, max_pixels=configured.photo_pixels)


def problem_message(problem: PhotoProblem):
    message = _MESSAGES.get(problem.code, _MESSAGES["unreadable"])
    if problem.code == "too_large":
        return _l("照片文件过大（不超过 %(mb)s MB）", mb=max(1, problem.details.get("max_bytes", 0) // (1024 * 1024)))
    if problem.code == "too_small":
        return _l("照片太小（短边至少 %(px)s 像素），看不清面部", px=problem.details.get("min_side", 0))
    return message


def photo_of(session: Session, user_id: int) -> CandidatePhoto | None:
    return session.scalar(select(CandidatePhoto).where(CandidatePhoto.user_id == user_id))


def has_photo(session: Session, user_ids: list[int]) -> set[int]:
    """Which of ``user_ids`` have a photo (one query, for lists)."""
    if not user_ids:
        return set()
    return set(session.scalars(select(CandidatePhoto.user_id).where(CandidatePhoto.user_id.in_(user_ids))))


def store(session: Session, *, actor: User | None, user: User, data: bytes, source: str, now: datetime,
          judged: bool = False) -> CandidatePhoto:
    """Judge ``data`` by its content, strip and crop it, and keep it as ``user``'s photo (replacing an older one).
    ``judged``: the bytes are already a normalised JPEG (demo placeholders)."""
    if source not in SOURCES:
        raise ValidationError(_l("照片来源无效"), field="photo", code="bad_source")
    try:
        jpeg = data if judged else normalise(data, limits())
    except PhotoProblem as problem:
        raise ValidationError(problem_message(problem), field="photo", code=f"photo_{problem.code}") from problem
    photo = photo_of(session, user.id)
    replaced = photo is not None
    if photo is None:
        photo = CandidatePhoto(user_id=user.id)
        session.add(photo)
    photo.jpeg, photo.sha256 = jpeg, hashlib.sha256(jpeg).hexdigest()
    photo.source, photo.taken_at = source, now
    photo.taken_by_id = actor.id if actor is not None else None
    if actor is not None:
        audit.record(session, actor=actor, action="photo.replace" if replaced else "photo.store", target=user,
                     after={"source": source, "bytes": len(jpeg)}, at=now)
    session.flush()
    return photo
