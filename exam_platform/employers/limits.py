"""Rate limit of batch verification: per employer organisation (page and API share one budget), so a registry
cannot be walked faster by opening more sessions or more accounts of one employer.
``RATELIMIT_EMPLOYER_VERIFY`` (default 30 lists per hour; each list holds at most ``batch.MAX_LINES``)."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from ..extensions import client_address, limiter
from ..permissions import employer_ids


def _organisation_key() -> str:
    ids = employer_ids(current_user)
    return f"employer:{min(ids)}" if ids else f"ip:{client_address()}"


batch_verify = limiter.shared_limit(lambda: current_app.config["RATELIMIT_EMPLOYER_VERIFY"],
                                    scope="employer-batch-verify", key_func=_organisation_key, methods=["POST"],
                                    error_message="批量查验过于频繁，请稍后再试")
