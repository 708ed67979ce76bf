"""The HTTP face of one account: one long-lived ``httpx.AsyncClient``, typed answers, named errors.

Every non-2xx answer becomes the :class:`~app.core.errors.ApiError` subclass its problem+json
``code``/status names (callers catch classes, never match strings); every transport failure
(refused, reset, timed out, TLS, a half-read body) becomes :class:`ConnectionProblem`::

    Exception
    ├── ApiError (app.core.errors)   the server answered with an error
    ├── ConnectionProblem            no usable answer: retry later with the same request
    └── InsecureServerUrl            http:// to a non-loopback host without explicit consent

``RateLimited.retry_after`` carries the ``Retry-After`` header; the retrying callers (sync,
outbox) wait at least that long. Tokens never reach a log line: only paths are logged.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from app.core import wire
from app.core.errors import RateLimited, ServerError, error_from_problem

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

DEFAULT_POLL_HOLD = 25.0
"""Seconds the server may hold a long-poll open (``wait``)."""
POLL_READ_MARGIN = 15.0
"""The long-poll's read timeout is its hold plus this, so a held request is never cut short."""
REQUEST_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)


class ConnectionProblem(Exception):
    """The server could not be reached or did not answer completely (retry with the same id)."""


class InsecureServerUrl(ValueError):
    """The server URL is plain http:// to a host other than this machine."""


def is_loopback(host: str) -> bool:
    if host.lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_server_url(url: str, *, allow_insecure_http: bool = False) -> httpx.URL:
    """The normalised base URL; refuses plain http except to loopback unless explicitly allowed."""
    parsed = httpx.URL(url)
    if parsed.scheme not in {"http", "https"} or not parsed.host:
        raise InsecureServerUrl(f"not an http(s) server address: {url!r}")
    if parsed.scheme == "http" and not allow_insecure_http and not is_loopback(parsed.host):
        raise InsecureServerUrl(
            "the server address uses unencrypted http://; use https:// or allow it explicitly"
        )
    return parsed


class ApiClient:
    """Typed calls of the Courtyard API for one account; :meth:`aclose` when done."""

    def __init__(
        self,
        server_url: str,
        *,
        token: str | None = None,
        allow_insecure_http: bool = False,
        poll_hold: float = DEFAULT_POLL_HOLD,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = check_server_url(server_url, allow_insecure_http=allow_insecure_http)
        self.poll_hold = poll_hold
        self._token = token
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=REQUEST_TIMEOUT,
            transport=transport,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )

    @property
    def token(self) -> str | None:
        return self._token

    def set_token(self, token: str | None) -> None:
        self._token = token

    @property
    def closed(self) -> bool:
        return self._http.is_closed

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- plumbing -------------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        body: BaseModel | None = None,
        raw_json: str | None = None,
        params: dict[str, Any] | None = None,
        http_timeout: httpx.Timeout | None = None,
    ) -> httpx.Response:
        """``body`` is sent without its None fields; ``raw_json`` (where null matters) as is."""
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        content = body.model_dump_json(exclude_none=True) if body is not None else raw_json
        if content is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = await self._http.request(
                method,
                path,
                content=content,
                params=params,
                headers=headers,
                timeout=http_timeout if http_timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.TransportError as exc:
            log.info("%s %s failed: %s", method, path, type(exc).__name__)
            raise ConnectionProblem(f"{type(exc).__name__} on {method} {path}") from exc
        if response.is_success:
            return response
        raise _error(response)

    async def _get(self, model: type[M], path: str, **kw: Any) -> M:
        return _parse(model, await self._request("GET", path, **kw))

    # --- auth -----------------------------------------------------------------------------------

    async def login(self, username: str, password: str, device_name: str) -> wire.LoginResponse:
        """Sign in; the returned token is also used for every later call of this client."""
        req = wire.LoginRequest(username=username, password=password, device_name=device_name)
        answer = _parse(
            wire.LoginResponse, await self._request("POST", "/api/v1/auth/login", body=req)
        )
        self._token = answer.token
        return answer

    async def logout(self) -> None:
        """Revoke this device's token on the server."""
        await self._request("POST", "/api/v1/auth/logout")
        self._token = None

    async def me(self) -> wire.User:
        return await self._get(wire.User, "/api/v1/me")

    # --- sync -----------------------------------------------------------------------------------

    async def snapshot(self) -> wire.Snapshot:
        return await self._get(wire.Snapshot, "/api/v1/sync/snapshot")

    async def events(self, after: str | None, *, wait: float | None = None) -> wire.EventBatch:
        """One long-poll: held up to ``wait`` s (default :attr:`poll_hold`); read timeout above it."""
        hold = self.poll_hold if wait is None else wait
        params: dict[str, Any] = {"wait": hold}
        if after is not None:
            params["after"] = after
        timeout = httpx.Timeout(
            connect=REQUEST_TIMEOUT.connect,
            read=hold + POLL_READ_MARGIN,
            write=REQUEST_TIMEOUT.write,
            pool=REQUEST_TIMEOUT.pool,
        )
        return await self._get(
            wire.EventBatch, "/api/v1/events", params=params, http_timeout=timeout
        )

    # --- presence -------------------------------------------------------------------------------

    async def set_status(self, req: wire.StatusSet) -> wire.User:
        """Publish (empty text: clear) the workday status; ``RateLimited`` when changed too often."""
        return _parse(wire.User, await self._request("PUT", "/api/v1/me/status", body=req))

    # --- conversations and messages -------------------------------------------------------------

    async def create_conversation(self, req: wire.ConversationCreate) -> wire.Conversation:
        return _parse(
            wire.Conversation, await self._request("POST", "/api/v1/conversations", body=req)
        )

    async def history(
        self, conversation_id: int, *, before: int | None = None, limit: int = 50
    ) -> wire.MessagePage:
        params: dict[str, Any] = {"limit": limit}
        if before is not None:
            params["before"] = before
        return await self._get(
            wire.MessagePage, f"/api/v1/conversations/{conversation_id}/messages", params=params
        )

    async def send_message(
        self, conversation_id: int, req: wire.MessageCreate
    ) -> tuple[wire.Message, bool]:
        """Send (idempotent by ``client_msg_id``); returns the message and whether it is new."""
        response = await self._request(
            "POST", f"/api/v1/conversations/{conversation_id}/messages", body=req
        )
        return _parse(wire.Message, response), response.status_code == 201

    async def edit_message(self, message_id: int, body: str) -> wire.Message:
        response = await self._request(
            "PATCH", f"/api/v1/messages/{message_id}", body=wire.MessageEdit(body=body)
        )
        return _parse(wire.Message, response)

    async def delete_message(self, message_id: int) -> wire.Message:
        return _parse(wire.Message, await self._request("DELETE", f"/api/v1/messages/{message_id}"))

    async def set_reaction(self, message_id: int, emoji: str, on: bool) -> wire.Message:
        path = f"/api/v1/messages/{message_id}/reactions/{quote(emoji, safe='')}"
        return _parse(wire.Message, await self._request("PUT" if on else "DELETE", path))

    async def mark_read(self, conversation_id: int, up_to: int) -> wire.ReadMarker:
        response = await self._request(
            "POST",
            f"/api/v1/conversations/{conversation_id}/read",
            body=wire.ReadRequest(up_to=up_to),
        )
        return _parse(wire.ReadMarker, response)

    async def set_pinned(self, message_id: int, pinned: bool) -> wire.Message:
        path = f"/api/v1/messages/{message_id}/pin"
        return _parse(wire.Message, await self._request("PUT" if pinned else "DELETE", path))

    async def receipts(self, message_id: int) -> wire.Receipts:
        """Who has read one of my messages (and when), who has not, and its urges."""
        return await self._get(wire.Receipts, f"/api/v1/messages/{message_id}/receipts")

    async def urge(self, message_id: int) -> wire.UrgeResult:
        """Re-notify the members who have not read it; ``RateLimited`` when urged a moment ago,
        ``Forbidden`` (``not_author``) for someone else's message."""
        return _parse(
            wire.UrgeResult, await self._request("POST", f"/api/v1/messages/{message_id}/urge")
        )

    # --- off-hours ------------------------------------------------------------------------------

    async def set_schedule(self, schedule: wire.Schedule | None) -> wire.User:
        """My working hours; None goes back to the organisation default. Returns me."""
        if schedule is None:
            return _parse(wire.User, await self._request("DELETE", "/api/v1/me/schedule"))
        return _parse(wire.User, await self._request("PUT", "/api/v1/me/schedule", body=schedule))

    async def set_dnd(self, until: dt.datetime | None) -> wire.User:
        """Do not disturb until ``until`` (aware); None ends it. Returns me."""
        body = json.dumps({"until": until.isoformat() if until is not None else None})
        return _parse(wire.User, await self._request("PUT", "/api/v1/me/dnd", raw_json=body))

    async def breakthrough(self) -> wire.MyBreakthrough:
        """Who may wake me while I am off, as saved on the server (private to me)."""
        return await self._get(wire.MyBreakthrough, "/api/v1/me/breakthrough")

    async def set_breakthrough(self, req: wire.Breakthrough) -> wire.MyBreakthrough:
        answer = await self._request("PUT", "/api/v1/me/breakthrough", body=req)
        return _parse(wire.MyBreakthrough, answer)

    async def add_members(self, conversation_id: int, user_ids: list[int]) -> wire.Conversation:
        req = wire.MembersChange(user_ids=user_ids)
        response = await self._request(
            "POST", f"/api/v1/conversations/{conversation_id}/members", body=req
        )
        return _parse(wire.Conversation, response)

    # --- device ---------------------------------------------------------------------------------

    async def report_protection(self, report: wire.DeviceProtectionReport) -> wire.DeviceProtection:
        """Tell the server whether this device shows the watermark and protects from capture."""
        response = await self._request("POST", "/api/v1/me/device/protection", body=report)
        return _parse(wire.DeviceProtection, response)

    # --- topics ---------------------------------------------------------------------------------

    async def create_topic(self, conversation_id: int, req: wire.TopicCreate) -> wire.Topic:
        response = await self._request(
            "POST", f"/api/v1/conversations/{conversation_id}/topics", body=req
        )
        return _parse(wire.Topic, response)

    async def topics(self, conversation_id: int) -> list[wire.Topic]:
        """Every topic of a conversation (the sync service backfills them after a join)."""
        response = await self._request("GET", f"/api/v1/conversations/{conversation_id}/topics")
        try:
            return _TOPICS.validate_json(response.content)
        except ValidationError as exc:
            raise ServerError("unexpected topic list from the server") from exc

    async def patch_topic(self, topic_id: int, req: wire.TopicPatch) -> wire.Topic:
        """Rename, close, reopen or (un)link; fields left ``None`` stay as they are."""
        return _parse(
            wire.Topic, await self._request("PATCH", f"/api/v1/topics/{topic_id}", body=req)
        )


_TOPICS = TypeAdapter(list[wire.Topic])


def _parse(model: type[M], response: httpx.Response) -> M:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        # A 2xx that is not what the protocol promises: a proxy page or a server bug.
        raise ServerError(f"unexpected {model.__name__} answer from the server") from exc


def _error(response: httpx.Response) -> Exception:
    body: dict[str, Any] | None = None
    try:
        decoded = json.loads(response.content)
        if isinstance(decoded, dict):
            body = decoded
    except ValueError:
        body = None  # e.g. an HTML page from a proxy: the status alone decides the class
    err = error_from_problem(response.status_code, body)
    if isinstance(err, RateLimited):
        header = response.headers.get("Retry-After", "")
        if header.strip().isdigit():
            err.retry_after = max(int(header), 0)
    return err
