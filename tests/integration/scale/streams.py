"""A reader that long-polls in a thread and keeps every event with the time it arrived."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import httpx

Event = dict[str, Any]


class Stream:
    """Long-polls ``client`` from ``cursor`` until stopped; ``events`` in arrival order."""

    def __init__(self, client: httpx.Client, cursor: str | None = None, wait: float = 3) -> None:
        self.client = client
        self.cursor = cursor if cursor is not None else head(client)
        self.wait = wait
        self.events: list[tuple[float, Event]] = []
        self.statuses: list[int] = []
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Stream:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.wait + 10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                r = self.client.get(
                    "/api/v1/events", params={"after": self.cursor, "wait": self.wait}
                )
            except httpx.HTTPError:
                if self._stop.is_set():
                    return
                raise
            now = time.monotonic()
            self.statuses.append(r.status_code)
            if r.status_code != 200:
                with self._changed:
                    self._changed.notify_all()
                return
            body = r.json()
            with self._changed:
                self.events.extend((now, e) for e in body["events"])
                self.cursor = body["cursor"]
                self._changed.notify_all()

    def wait_for(self, predicate: Any, timeout: float) -> bool:
        """Block until ``predicate(events)`` holds or the stream ended; True if it holds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate([e for _, e in self.events]):
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    return bool(predicate([e for _, e in self.events]))
                self._changed.wait(min(left, 0.2))
        return True

    def of_type(self, type_: str) -> list[Event]:
        return [e for _, e in self.events if e["type"] == type_]


def head(client: httpx.Client) -> str:
    r = client.get("/api/v1/events", params={"wait": 0, "limit": 500})
    r.raise_for_status()
    body = r.json()
    while body["more"]:
        body = client.get("/api/v1/events", params={"after": body["cursor"], "wait": 0}).json()
    return str(body["cursor"])


def group(owner: httpx.Client, member_ids: list[int], name: str = "team") -> int:
    r = owner.post(
        "/api/v1/conversations", json={"kind": "group", "name": name, "members": member_ids}
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def send(client: httpx.Client, cid: int, body: str) -> httpx.Response:
    return client.post(
        f"/api/v1/conversations/{cid}/messages",
        json={"client_msg_id": uuid.uuid4().hex, "body": body},
    )


def assert_ordered_once(events: list[Event]) -> None:
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(set(seqs)), "events out of order or delivered twice"
