"""The organisation: initialise a database, set its policy, prune old events."""

from __future__ import annotations

import json
import secrets

from sqlalchemy import delete, func, insert, select, update

from app.core import wire
from app.server import queries
from app.server.actions import audit
from app.server.actions.base import Tx, dump
from app.server.db.schema import events, meta
from app.server.events import Audience

# "cyORGINI" as an int64: serialises first-start initialisation of one PostgreSQL database.
INITIALISE_LOCK_KEY = 0x6379_4F52_4749_4E49


def initialise(tx: Tx) -> bool:
    """Give a fresh database its epoch and default policy; False if it already had them.

    Several instances may start at once on a fresh PostgreSQL database: they queue on an advisory
    lock (held to commit), so the first writes the epoch and the others then find it, instead of
    all reading "no epoch" and all but one failing on the duplicate key.
    """
    if tx.conn.dialect.name == "postgresql":
        tx.conn.execute(select(func.pg_advisory_xact_lock(INITIALISE_LOCK_KEY)))
    if tx.conn.execute(select(meta.c.value).where(meta.c.key == "epoch")).first():
        return False
    tx.conn.execute(
        insert(meta),
        [
            {"key": "epoch", "value": secrets.token_hex(4)},
            {"key": "policy", "value": wire.OrgPolicy().model_dump_json()},
        ],
    )
    return True


def set_policy(
    tx: Tx, changes: dict[str, object], *, actor_user_id: int | None = None
) -> wire.OrgPolicy:
    """Apply ``changes`` (validated as a PolicyChange); an actual change is evented and audited.

    ``actor_user_id`` is the admin who made it through the API; None is the command line.
    """
    given = wire.PolicyChange.model_validate(changes).changes()
    current = queries.policy(tx.conn)
    old = current.model_dump(mode="json")
    policy = wire.OrgPolicy.model_validate(old | given)
    new = policy.model_dump(mode="json")
    diff = sorted(k for k in new if new[k] != old.get(k))
    if not diff:
        return policy
    tx.conn.execute(
        update(meta).where(meta.c.key == "policy").values(value=policy.model_dump_json())
    )
    tx.emit("policy.updated", {"policy": dump(policy)}, Audience(org=True))
    audit.record(
        tx,
        "policy.updated",
        {"old": {k: old.get(k) for k in diff}, "new": {k: new[k] for k in diff}},
        actor_user_id=actor_user_id,
    )
    return policy


def prune_events(tx: Tx, through_seq: int) -> int:
    """Delete events with seq < ``through_seq``; cursors older than that become expired."""
    count = tx.conn.execute(delete(events).where(events.c.seq < through_seq)).rowcount
    current = tx.conn.execute(
        select(meta.c.value).where(meta.c.key == "pruned_through")
    ).scalar_one_or_none()
    if current is None:
        tx.conn.execute(insert(meta).values(key="pruned_through", value=str(through_seq)))
    elif int(current) < through_seq:
        tx.conn.execute(
            update(meta).where(meta.c.key == "pruned_through").values(value=str(through_seq))
        )
    return int(count or 0)


def policy_json(tx: Tx) -> str:
    return json.dumps(queries.policy(tx.conn).model_dump(mode="json"))
