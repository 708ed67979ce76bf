"""What a client syncs with: the snapshot, and the long-poll over the event log."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from sqlalchemy import Connection, select

from app.core import wire
from app.server import events, queries
from app.server.auth import Caller
from app.server.db.schema import members, read_state
from app.server.service import Service

SNAPSHOT_PAGE = 50


def snapshot(conn: Connection, caller: Caller) -> wire.Snapshot:
    """The caller's whole state, read in one transaction together with the cursor it is valid at."""
    cursor = events.encode_cursor(events.epoch(conn), events.head_seq(conn))
    convs = queries.conversations_of(conn, caller.user_id)
    ids = [c.id for c in convs]
    markers: list[wire.ReadMarker] = []
    page: list[wire.Message] = []
    has_more: dict[int, bool] = {}
    if ids:
        for cid, uid, up_to, read_at in conn.execute(
            select(
                read_state.c.conversation_id,
                read_state.c.user_id,
                read_state.c.up_to,
                read_state.c.read_at,
            )
            .where(read_state.c.conversation_id.in_(ids))
            .order_by(read_state.c.conversation_id, read_state.c.user_id)
        ):
            markers.append(
                wire.ReadMarker(conversation_id=cid, user_id=uid, up_to=up_to, read_at=read_at)
            )
    for cid in ids:
        latest = queries.message_page(conn, cid, None, SNAPSHOT_PAGE)
        page.extend(latest.messages)
        has_more[cid] = latest.has_more
    return wire.Snapshot(
        cursor=cursor,
        me=queries.load_user(conn, caller.user_id),
        users=queries.all_users(conn),
        conversations=convs,
        topics=queries.topics_in(conn, ids),
        read_markers=markers,
        messages=page,
        has_more=has_more,
        policy=queries.policy(conn),
    )


@dataclass
class _Poll:
    visible: events.Visible
    epoch: str
    keys: list[str]


def _poll_once(conn: Connection, caller: Caller, cursor: str | None, limit: int) -> _Poll:
    """One read: the visible events after ``cursor``, and the keys to wait on if there are none."""
    after = events.decode_cursor(conn, cursor)
    visible = events.visible_after(conn, caller.user_id, after, limit)
    keys = [f"u:{caller.user_id}", f"d:{caller.device_id}", "org"]
    keys += [
        f"c:{cid}"
        for (cid,) in conn.execute(
            select(members.c.conversation_id).where(members.c.user_id == caller.user_id)
        )
    ]
    return _Poll(visible, events.epoch(conn), keys)


async def long_poll(
    service: Service, token_hash: str | None, cursor: str | None, wait: float, limit: int
) -> wire.EventBatch:
    """Events after ``cursor``; if there are none, wait up to ``wait`` s for some to arrive.

    Every wake-up re-reads the database, which also re-checks the token: a token revoked while
    its long-poll waits gets 401 at once.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(max(wait, 0.0), service.max_wait)
    notifier = service.notifier
    while True:
        generation = notifier.generation
        poll = await service.read(token_hash, _poll_once, cursor, limit)
        remaining = deadline - loop.time()
        if poll.visible.rows or remaining <= 0:
            return _batch(poll)
        cursor = events.encode_cursor(poll.epoch, poll.visible.next_seq)
        waiter = notifier.subscribe(poll.keys)
        try:
            if not notifier.changed_since(waiter, generation):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter.event.wait(), timeout=remaining)
        finally:
            notifier.unsubscribe(waiter)


def _batch(poll: _Poll) -> wire.EventBatch:
    return wire.EventBatch.model_validate(
        {
            "events": poll.visible.rows,
            "cursor": events.encode_cursor(poll.epoch, poll.visible.next_seq),
            "more": poll.visible.more,
        }
    )
