"""Stable error codes of the API, and the exceptions each maps to on either side.

Every API error is ``application/problem+json`` (RFC 9457) with a machine ``code``. The server
raises :class:`ApiError` subclasses; the client turns a problem body back into the same class by
its code, so callers catch named exceptions and never match strings::

    ApiError
    ├── BadRequest            400 bad_request, cursor_invalid
    ├── Unauthorized          401 unauthorized, invalid_credentials
    ├── Forbidden             403 forbidden, not_author, edit_window_closed
    ├── NotFound              404 not_found
    ├── MethodNotAllowed      405 method_not_allowed
    ├── Conflict              409 client_msg_id_conflict, topic_closed, already_exists
    ├── CursorExpired         410 cursor_expired
    ├── PayloadTooLarge       413 body_too_long
    ├── Unprocessable         422 validation_error
    ├── RateLimited           429 rate_limited, offhours_urgent_limit (carry retry_after seconds)
    └── ServerError           5xx internal_error, unavailable
"""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ApiError(Exception):
    """An error the API reports to its caller; ``code`` is the stable machine name."""

    status: ClassVar[int] = 500
    default_code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal server error"

    def __init__(
        self, detail: str = "", *, code: str | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.code = code or self.default_code
        self.extra = extra or {}

    def problem(self) -> dict[str, Any]:
        """The RFC 9457 body for this error."""
        return {
            "type": f"https://courtyard.invalid/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            **self.extra,
        }


class BadRequest(ApiError):
    status, default_code, title = 400, "bad_request", "Bad request"


class Unauthorized(ApiError):
    status, default_code, title = 401, "unauthorized", "Not signed in"


class Forbidden(ApiError):
    status, default_code, title = 403, "forbidden", "Not allowed"


class NotFound(ApiError):
    status, default_code, title = 404, "not_found", "Not found"


class MethodNotAllowed(ApiError):
    status, default_code, title = 405, "method_not_allowed", "Method not allowed"


class Conflict(ApiError):
    status, default_code, title = 409, "conflict", "Conflict"


class CursorExpired(ApiError):
    status, default_code, title = 410, "cursor_expired", "Cursor expired"


class PayloadTooLarge(ApiError):
    status, default_code, title = 413, "body_too_long", "Message too long"


class Unprocessable(ApiError):
    status, default_code, title = 422, "validation_error", "Invalid request"


class RateLimited(ApiError):
    status, default_code, title = 429, "rate_limited", "Too many requests"

    def __init__(self, detail: str = "", *, retry_after: int = 1, code: str | None = None) -> None:
        super().__init__(detail, code=code, extra={"retry_after": retry_after})
        self.retry_after = retry_after


class ServerError(ApiError):
    status, default_code, title = 500, "internal_error", "Internal server error"


_BY_STATUS: dict[int, type[ApiError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        CursorExpired,
        PayloadTooLarge,
        Unprocessable,
        RateLimited,
    )
}


def error_from_problem(status: int, body: dict[str, Any] | None) -> ApiError:
    """Rebuild the named exception from a problem+json response (client side)."""
    body = body or {}
    code = str(body.get("code") or "")
    detail = str(body.get("detail") or "")
    cls = _BY_STATUS.get(status, ServerError)
    if cls is RateLimited:
        return RateLimited(detail, retry_after=int(body.get("retry_after") or 1), code=code or None)
    err = cls(detail, code=code or None)
    err.extra = {
        k: v for k, v in body.items() if k not in {"type", "title", "status", "detail", "code"}
    }
    return err
