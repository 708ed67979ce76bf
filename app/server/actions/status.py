"""Workday status: publish or clear what colleagues see next to a person's name.

The event goes to the organisation audience, once per change. A status is shown next to names in
every list, the company directory included (``GET /api/v1/users`` already lets every employee read
every status), so restricting the event to people who share a conversation would hide nothing
that a read does not reveal, and would cost one event per conversation of the user (duplicates
for anyone in several) or a fan-out of one event per colleague. One org event is one row, and
every client applies it the same way.
"""

from __future__ import annotations

import math

from sqlalchemy import insert, select, update

from app.core import wire
from app.core.errors import RateLimited
from app.server import presence, queries
from app.server.actions.base import Tx, dump
from app.server.auth import Caller
from app.server.db.schema import user_status
from app.server.events import Audience

# A token bucket per user: up to BURST publishes at once, then one per REFILL_SECONDS. The client
# engine publishes at most every 30 s (6 per 10 min); a person clicking through manual statuses
# stays far below this. It only stops a runaway client from flooding the organisation's stream.
BURST = 30
REFILL_SECONDS = 20.0


def set_status(tx: Tx, caller: Caller, req: wire.StatusSet) -> wire.User:
    """Store the caller's status (empty text clears it) and tell everyone; returns the caller."""
    row = tx.conn.execute(
        select(user_status).where(user_status.c.user_id == caller.user_id)
    ).first()
    before = presence.visible_status(row, tx.now)
    values = {
        "text": req.text,
        "emoji": req.emoji if req.text else "",
        "source": req.source,
        "expires_at": req.expires_at if req.text else None,
    }
    if row is not None and all(getattr(row, k) == v for k, v in values.items()):
        return queries.load_user(tx.conn, caller.user_id, now=tx.now)  # a retry: no new event
    tokens = float(BURST)
    if row is not None:
        refill = (tx.now - row.rl_at).total_seconds() / REFILL_SECONDS
        tokens = min(float(BURST), row.rl_tokens + max(refill, 0.0))
    if tokens < 1.0:
        wait = math.ceil((1.0 - tokens) * REFILL_SECONDS)
        raise RateLimited("Your status changes too often; try again shortly.", retry_after=wait)
    state = {**values, "updated_at": tx.now, "rl_tokens": tokens - 1.0, "rl_at": tx.now}
    if row is None:
        tx.conn.execute(insert(user_status).values(user_id=caller.user_id, **state))
    else:
        tx.conn.execute(
            update(user_status).where(user_status.c.user_id == caller.user_id).values(**state)
        )
    after = presence.visible_status(
        tx.conn.execute(select(user_status).where(user_status.c.user_id == caller.user_id)).first(),
        tx.now,
    )
    if after is not None or before is not None:
        tx.emit(
            "status.updated",
            {"user_id": caller.user_id, "status": dump(after) if after else None},
            Audience(org=True),
        )
    return queries.load_user(tx.conn, caller.user_id, now=tx.now)
