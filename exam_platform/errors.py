"""Domain errors and the one handler that renders them as HTML or JSON.

Services raise ``DomainError`` subclasses with a message already in the user's language (wrapped in
``lazy_gettext``), an optional ``field`` the message belongs to, and a stable machine ``code`` that API
clients switch on. Views put field errors on their form; anything else becomes a page or JSON error.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: Any, *, field: str | None = None, code: str | None = None, **details: Any):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.details = details

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": str(self.message)}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class ValidationError(DomainError):
    status = 400
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"

    def __init__(self, message: Any = None, **kw: Any):
        super().__init__(message or _l("找不到该对象，或您无权查看。"), **kw)


class Forbidden(DomainError):
    status = 403
    code = "forbidden"

    def __init__(self, message: Any = None, **kw: Any):
        super().__init__(message or _l("您没有执行此操作的权限。"), **kw)


class Conflict(DomainError):
    status = 409
    code = "conflict"


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


_HTTP_TITLES = {
    400: _l("请求有误"),
    401: _l("请先登录"),
    403: _l("无权访问"),
    404: _l("页面不存在"),
    405: _l("不支持的请求方式"),
    409: _l("操作冲突"),
    413: _l("上传的文件太大"),
    429: _l("操作过于频繁，请稍后再试"),
    500: _l("服务器内部错误"),
}


def _kept_headers(err: HTTPException) -> list[tuple[str, str]]:
    """The headers the exception itself would send (``Allow`` on a 405, ``Retry-After``, ``WWW-Authenticate``),
    without its HTML content type: the rendered error brings its own."""
    return [(name, value) for name, value in err.get_headers() if name.lower() != "content-type"]


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(err: DomainError):
        if wants_json():
            return jsonify(error=err.to_dict()), err.status
        return render_template("core/error.html", status=err.status,
                               title=_HTTP_TITLES.get(err.status, _l("出错了")), message=err.message), err.status

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        status = err.code or 500
        title = _HTTP_TITLES.get(status, err.name)
        if wants_json():
            code = {429: "rate_limited", 400: "bad_request", 404: "not_found", 403: "forbidden",
                    405: "method_not_allowed", 413: "too_large", 401: "unauthorized"}.get(status, "http_error")
            message = str(err.description) if status == 400 and "CSRF" in str(err.description) else str(title)
            return jsonify(error={"code": code, "message": message}), status, _kept_headers(err)
        return render_template("core/error.html", status=status, title=title, message=None), status, _kept_headers(err)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):  # no traceback ever reaches the user
        if isinstance(err, HTTPException):
            return _http_error(err)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return jsonify(error={"code": "server_error", "message": str(_HTTP_TITLES[500])}), 500
        return render_template("core/error.html", status=500, title=_HTTP_TITLES[500], message=None), 500
