"""Every error as application/problem+json (RFC 9457), and its OpenAPI documentation."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.core import wire
from app.core.errors import (
    PROBLEM_CONTENT_TYPE,
    ApiError,
    BadRequest,
    MethodNotAllowed,
    NotFound,
    RateLimited,
    ServerError,
    Unprocessable,
)

log = logging.getLogger(__name__)

_DESCRIPTIONS = {
    400: "Bad request: a body that cannot be decoded, or a cursor this server did not hand out",
    401: "Missing, revoked or invalid token (code unauthorized) or wrong credentials",
    403: "Not allowed (codes forbidden, not_author, edit_window_closed)",
    404: "Not found, or not visible to the caller (the two are indistinguishable)",
    409: "Conflict (codes client_msg_id_conflict, topic_closed, message_deleted, already_exists)",
    410: "The cursor expired (code cursor_expired): fetch a snapshot",
    413: "The message body is longer than the organisation allows (code body_too_long)",
    422: "The request does not match the schema (code validation_error)",
    429: "Too many requests (code rate_limited); retry after Retry-After seconds",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given error statuses."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {
            "model": wire.Problem,
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if status == 429:
            entry["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before trying again",
                    "schema": {"type": "integer"},
                }
            }
        out[status] = entry
    return out


def problem_response(err: ApiError, headers: dict[str, str] | None = None) -> JSONResponse:
    headers = dict(headers or {})
    if isinstance(err, RateLimited):
        headers["Retry-After"] = str(err.retry_after)
    return JSONResponse(
        err.problem(), status_code=err.status, media_type=PROBLEM_CONTENT_TYPE, headers=headers
    )


def install(app: FastAPI) -> None:
    """Route every failure, expected or not, to a problem+json answer."""

    app.openapi = lambda: _openapi_with_body_errors(app)  # type: ignore[method-assign]

    @app.exception_handler(ApiError)
    async def on_api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def on_validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid"}
        where = ".".join(str(p) for p in first["loc"])
        return problem_response(Unprocessable(f"{where}: {first['msg']}", extra={"errors": errors}))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        err: ApiError
        if exc.status_code == 404:
            err = NotFound("No such endpoint.")
        elif exc.status_code == 405:
            err = MethodNotAllowed("This endpoint does not take that method.")
            # Starlette names only the first route that matched the path; FastAPI has one route
            # per method, so list every method the path supports (RFC 9110 section 15.5.6).
            headers["Allow"] = ", ".join(_allowed_methods(request))
        elif exc.status_code == 400:
            # FastAPI's answer to a body it cannot even decode (e.g. invalid UTF-8).
            err = BadRequest(str(exc.detail))
        else:
            err = ServerError(str(exc.detail))
            err.status = exc.status_code  # type: ignore[misc]
        return problem_response(err, headers)

    @app.exception_handler(Exception)
    async def on_bug(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled %s in request", type(exc).__name__, exc_info=exc)
        return problem_response(ServerError("Something went wrong on the server."))


def _allowed_methods(request: Request) -> list[str]:
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def _openapi_with_body_errors(app: FastAPI) -> dict[str, Any]:
    """The generated schema, plus the 400 every operation with a request body can answer."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
        )
        body_error = problems(400)[400]
        entry = {
            "description": body_error["description"],
            "content": body_error["content"],
        }
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if "requestBody" in operation:
                    operation["responses"].setdefault("400", entry)
        app.openapi_schema = schema
    return app.openapi_schema
