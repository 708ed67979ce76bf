"""Applying status.updated and availability.updated: the user's stored payload follows them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.client.apply import Applier
from app.client.changes import Changes
from app.client.keys import Account, KeyCustody
from app.client.store import Store

from .conftest import ANNA, T0, batch, run, snapshot

STATUS = {"text": "In topic: Q3 budget", "emoji": "💬", "source": "topic", "updated_at": T0}
SCHEDULE = {"zone": "Asia/Tokyo", "days": {"mon": ["09:00-17:00"]}, "holidays": []}


def _events() -> list[dict[str, Any]]:
    return [
        {"type": "status.updated", "seq": 101, "at": T0, "user_id": ANNA, "status": STATUS},
        {
            "type": "availability.updated",
            "seq": 102,
            "at": T0,
            "user_id": ANNA,
            "schedule": SCHEDULE,
            "dnd_until": None,
            "availability": {"off": True, "until": None, "reason": "off_hours"},
        },
        # About someone this client has not heard of yet: nothing to update, nothing breaks.
        {"type": "status.updated", "seq": 103, "at": T0, "user_id": 999, "status": None},
    ]


def test_presence_events_update_the_stored_user(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    async def scenario() -> None:
        store = await Store.open(account, keys=keys, data_dir=data_dir)
        try:
            got: list[Changes] = []
            store.store_did_change.connect(got.append)
            await Applier(store).apply_snapshot(snapshot())
            await Applier(store).apply_events(batch(_events(), "103"))
            assert got[-1].users == {ANNA}
            anna = (await store.users())[ANNA]
            assert anna.status is not None and anna.status.text == STATUS["text"]
            assert anna.schedule is not None and anna.schedule.zone == "Asia/Tokyo"
            assert anna.availability is not None and anna.availability.reason == "off_hours"
            # The same batch again changes nothing; a clear removes the status.
            seen = len(got)
            await Applier(store).apply_events(batch(_events(), "103"))
            assert all(not c.users for c in got[seen:])
            clear = {"type": "status.updated", "seq": 104, "at": T0, "user_id": ANNA}
            await Applier(store).apply_events(batch([clear], "104"))
            assert (await store.users())[ANNA].status is None
        finally:
            await store.close()

    run(scenario())
