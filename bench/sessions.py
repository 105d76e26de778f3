"""Logged-in candidate sessions for the load drivers.

A real login costs one scrypt verification (~0.3 s of CPU here): 2,000 of them would take longer than the
benchmarks they prepare. So the session cookie and CSRF token of each candidate are made by the app's own code
— Flask-Login's ``login_user`` and Flask-WTF's ``generate_csrf`` in a request context with the address and
browser the driver will use, signed by the app's session serializer with the server's SECRET_KEY — exactly
what the login form would have set. The journey logs some candidates in through the form itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from .backends import UA


@dataclass
class Credentials:
    user_id: int
    cookie: str  # value of the session cookie
    csrf: str  # X-CSRFToken header value

    def cookie_header(self, device: str | None = None) -> str:
        parts = [f"session={self.cookie}"]
        if device:
            parts.append(f"exam_device={device}")
        return "; ".join(parts)


def mint(app, user_ids: list[int], *, remote_addr: str = "127.0.0.1", user_agent: str = UA) -> list[Credentials]:
    from flask import session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy import select

    from exam_platform.accounts.models import User
    from exam_platform.db import get_db

    serializer = app.session_interface.get_signing_serializer(app)
    out = []
    with app.app_context():
        db = get_db().factory()
        users = {u.id: u for u in db.scalars(select(User).where(User.id.in_(user_ids)))}
        db.close()
    for uid in user_ids:
        # A request context of its own (and so an app context and ``g`` of its own: the CSRF token is cached there).
        environ = {"REMOTE_ADDR": remote_addr, "HTTP_USER_AGENT": user_agent}
        with app.test_request_context("/login", method="POST", environ_base=environ):
            session.clear()
            login_user(users[uid])
            session.permanent = True
            csrf = generate_csrf()
            out.append(Credentials(uid, serializer.dumps(dict(session)), csrf))
    return out
