"""Off-hours: a person's working hours and DND, and respect for them from urgent senders.

``availability.updated`` goes to the organisation audience, for the reason given in
app/server/actions/status.py. Time-driven changes (work starts, DND runs out) emit nothing: the
event carries the schedule and DND, from which clients compute availability as time passes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any, Literal

from sqlalchemy import Connection, func, insert, select, update

from app.core import wire
from app.core.errors import NotFound, RateLimited
from app.server import presence, queries
from app.server.actions.base import Tx, dump
from app.server.auth import Caller
from app.server.db.schema import breakthroughs, user_offhours, users
from app.server.events import Audience

WINDOW = dt.timedelta(hours=1)


def _row(tx: Tx, user_id: int) -> Any:
    return tx.conn.execute(select(user_offhours).where(user_offhours.c.user_id == user_id)).first()


def _store(tx: Tx, user_id: int, **values: Any) -> wire.User:
    row = _row(tx, user_id)
    current = {"schedule": None, "dnd_until": None} if row is None else row._asdict()
    if all(current[k] == v for k, v in values.items()):
        return queries.load_user(tx.conn, user_id, now=tx.now)  # nothing changed: no event
    if row is None:
        tx.conn.execute(
            insert(user_offhours).values(
                user_id=user_id, **{**current, **values, "updated_at": tx.now}
            )
        )
    else:
        tx.conn.execute(
            update(user_offhours)
            .where(user_offhours.c.user_id == user_id)
            .values(**values, updated_at=tx.now)
        )
    user = queries.load_user(tx.conn, user_id, now=tx.now)
    fields = dump(user)  # the user payload's own spelling of each field
    tx.emit(
        "availability.updated",
        {"user_id": user_id, **{k: fields[k] for k in ("schedule", "dnd_until", "availability")}},
        Audience(org=True),
    )
    return user


def set_schedule(tx: Tx, caller: Caller, schedule: wire.Schedule | None) -> wire.User:
    """The caller's own working hours; None returns them to the organisation default."""
    stored = schedule.to_schedule().to_dict() if schedule is not None else None
    return _store(tx, caller.user_id, schedule=stored)


def set_dnd(tx: Tx, caller: Caller, until: dt.datetime | None) -> wire.User:
    """Do not disturb until ``until``; None or a past instant ends it now."""
    if until is not None and until <= tx.now:
        until = None
    return _store(tx, caller.user_id, dnd_until=until)


def off_now(tx: Tx, user_ids: Iterable[int]) -> list[int]:
    """Which of ``user_ids`` are off at ``tx.now`` (working hours or DND)."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    calc = presence.AvailabilityCalc(queries.policy(tx.conn).default_schedule, tx.now)
    rows = tx.conn.execute(
        select(users.c.id, users.c.time_zone, user_offhours.c.schedule, user_offhours.c.dnd_until)
        .select_from(users.outerjoin(user_offhours, user_offhours.c.user_id == users.c.id))
        .where(users.c.id.in_(ids))
    )
    return [int(r.id) for r in rows if calc.of(r.schedule, r.time_zone, r.dnd_until).off]


def check_breakthrough(
    tx: Tx,
    sender_id: int,
    recipient_ids: Iterable[int],
    message_id: int,
    kind: Literal["urgent", "urge"],
) -> list[int]:
    """Record an urgent notification to the recipients who are off, within the sender's hourly
    allowance (OrgPolicy.urgent_offhours_per_hour, counted per recipient); 429 beyond it.

    Returns the recipients who were off. Runs inside the send's or urge's transaction, so a
    refusal stores neither the message nor the record.
    """
    off = off_now(tx, (u for u in recipient_ids if u != sender_id))
    if not off:
        return []
    limit = queries.policy(tx.conn).urgent_offhours_per_hour
    since = tx.now - WINDOW
    used = tx.conn.execute(
        select(func.count())
        .select_from(breakthroughs)
        .where(breakthroughs.c.sender_id == sender_id, breakthroughs.c.at > since)
    ).scalar_one()
    over = int(used) + len(off) - limit
    if over > 0:
        if len(off) > limit:
            retry = int(WINDOW.total_seconds())
        else:
            oldest = tx.conn.execute(
                select(breakthroughs.c.at)
                .where(breakthroughs.c.sender_id == sender_id, breakthroughs.c.at > since)
                .order_by(breakthroughs.c.at, breakthroughs.c.id)
                .limit(over)
            ).all()
            retry = max(1, math.ceil((oldest[-1][0] + WINDOW - tx.now).total_seconds()))
        who = "1 of the recipients is" if len(off) == 1 else f"{len(off)} of the recipients are"
        raise RateLimited(
            f"{who} off work; you may send {limit} urgent "
            f"notification{'' if limit == 1 else 's'} an hour to people who are off. "
            "Send it without urgency, or later.",
            retry_after=retry,
            code="offhours_urgent_limit",
        )
    tx.conn.execute(
        insert(breakthroughs),
        [
            {
                "sender_id": sender_id,
                "recipient_id": uid,
                "message_id": message_id,
                "kind": kind,
                "at": tx.now,
            }
            for uid in off
        ],
    )
    return off


def my_breakthrough(conn: Connection, caller: Caller) -> wire.MyBreakthrough:
    """The caller's own breakthrough rule (defaults with ``updated_at`` None when never set)."""
    row = conn.execute(
        select(user_offhours.c.breakthrough).where(user_offhours.c.user_id == caller.user_id)
    ).first()
    if row is None or row.breakthrough is None:
        return wire.MyBreakthrough()
    return wire.MyBreakthrough.model_validate(row.breakthrough)


def set_breakthrough(tx: Tx, caller: Caller, req: wire.Breakthrough) -> wire.MyBreakthrough:
    """Who may wake the caller while off. Private, so no event: the caller's other devices read
    it when they start or reconnect (a new event type would break clients that validate the
    event stream strictly). An unknown person is 404, as for members; the caller is dropped."""
    people = sorted(set(req.people) - {caller.user_id})
    known = {int(r.id) for r in tx.conn.execute(select(users.c.id).where(users.c.id.in_(people)))}
    if unknown := [p for p in people if p not in known]:
        raise NotFound(f"No such user: {unknown[0]}.")  # as for conversation members
    mine = wire.MyBreakthrough(rule=req.rule, people=people, updated_at=tx.now)
    stored = dump(mine)
    if _row(tx, caller.user_id) is None:
        tx.conn.execute(
            insert(user_offhours).values(
                user_id=caller.user_id,
                schedule=None,
                dnd_until=None,
                breakthrough=stored,
                updated_at=tx.now,
            )
        )
    else:
        tx.conn.execute(
            update(user_offhours)
            .where(user_offhours.c.user_id == caller.user_id)
            .values(breakthrough=stored)
        )
    return mine
