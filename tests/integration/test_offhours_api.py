"""Off-hours against a real server: schedules and DND, availability across zones, and the hourly
allowance of urgent notifications to people who are off."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.helpers.server import ServerProcess
from tests.integration.presence_helpers import (
    cursor,
    events_after,
    group,
    my_id,
    org,
    query,
    send,
    utc,
)

__all__ = ["org"]  # the fixture, imported for pytest

Org = tuple[ServerProcess, dict[str, httpx.Client]]
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _around_now(zone: str, start_h: float, end_h: float) -> tuple[dict[str, Any], dt.datetime]:
    """A schedule in ``zone`` working every day from now+start_h to now+end_h (local wall time,
    whole minutes), and the UTC instant at which that interval starts (start_h > 0) or ends."""
    local = dt.datetime.now(ZoneInfo(zone)).replace(second=0, microsecond=0)
    start, end = local + dt.timedelta(hours=start_h), local + dt.timedelta(hours=end_h)
    interval = f"{start:%H:%M}-{end:%H:%M}"
    edge = start if start_h > 0 else end
    return {"zone": zone, "days": {d: [interval] for d in EVERY_DAY}}, edge.astimezone(dt.UTC)


def test_schedules_are_validated(org: Org) -> None:
    _server, u = org
    put = u["alice"].put
    for bad in (
        {"zone": "Mars/Olympus_Mons", "days": {"mon": ["09:00-17:00"]}},
        {"zone": "Europe/Berlin", "days": {"mon": ["25:00-26:00"]}},
        {"zone": "Europe/Berlin", "days": {"mon": ["9-5"]}},
        {"zone": "Europe/Berlin", "days": {"someday": ["09:00-17:00"]}},
        {"zone": "Europe/Berlin", "holidays": ["not a date"]},
        {"days": {"mon": ["09:00-17:00"]}},
    ):
        r = put("/api/v1/me/schedule", json=bad)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["code"] == "validation_error"
    assert put("/api/v1/me/dnd", json={"until": "2030-01-01T10:00:00"}).status_code == 422
    assert put("/api/v1/me/dnd", json={}).status_code == 422


def test_availability_follows_schedules_in_their_own_zones(org: Org) -> None:
    _server, u = org
    alice, bob, carol = u["alice"], u["bob"], u["carol"]
    aid, bid = my_id(alice), my_id(bob)
    since = cursor(carol)
    # Alice works now in Tokyo; Bob, in Los Angeles, starts in two hours.
    working, ends = _around_now("Asia/Tokyo", -1, 1)
    off, starts = _around_now("America/Los_Angeles", 2, 3)
    r = alice.put("/api/v1/me/schedule", json=working)
    assert r.status_code == 200, r.text
    assert r.json()["schedule"]["zone"] == "Asia/Tokyo"
    assert bob.put("/api/v1/me/schedule", json=off).status_code == 200
    people = {p["id"]: p for p in carol.get("/api/v1/users").json()}
    a, b = people[aid]["availability"], people[bid]["availability"]
    assert (a["off"], a["reason"], utc(a["until"])) == (False, "working", ends)
    assert (b["off"], b["reason"], utc(b["until"])) == (True, "off_hours", starts)
    assert carol.get(f"/api/v1/users/{bid}").json()["availability"] == b
    snap = {p["id"]: p for p in carol.get("/api/v1/sync/snapshot").json()["users"]}
    assert snap[bid]["availability"] == b and snap[bid]["schedule"]["zone"] == off["zone"]
    got = {e["user_id"]: e for e in events_after(carol, since, "availability.updated")}
    assert set(got) == {aid, bid}
    assert got[bid]["availability"] == b and got[bid]["schedule"]["days"] == off["days"]
    # Back to the organisation default: none is set, so nobody is off by schedule.
    back = bob.delete("/api/v1/me/schedule").json()
    assert back["schedule"] is None and back["availability"]["off"] is False


def test_dnd_makes_a_person_off_until_it_ends(org: Org) -> None:
    _server, u = org
    alice, bob = u["alice"], u["bob"]
    aid = my_id(alice)
    since = cursor(bob)
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).replace(microsecond=0)
    me = alice.put("/api/v1/me/dnd", json={"until": until.isoformat()}).json()
    assert utc(me["dnd_until"]) == until
    seen = bob.get(f"/api/v1/users/{aid}").json()["availability"]
    assert (seen["off"], seen["reason"], utc(seen["until"])) == (True, "dnd", until)
    ended = alice.put("/api/v1/me/dnd", json={"until": None}).json()
    assert ended["dnd_until"] is None and ended["availability"]["off"] is False
    got = events_after(bob, since, "availability.updated")
    assert [(e["user_id"], e["availability"]["reason"]) for e in got] == [
        (aid, "dnd"),
        (aid, "working"),
    ]


def test_the_organisation_default_applies_in_each_persons_zone(org: Org) -> None:
    _server, u = org
    # 09:00-17:00 means local hours wherever one is: an interval around now on UTC's clock
    # is working time for alice (UTC) and night for kenji (Tokyo, nine hours ahead).
    default, ends = _around_now("UTC", -1, 1)
    r = u["root"].put("/api/v1/admin/policy", json={"default_schedule": default})
    assert r.status_code == 200, r.text
    assert u["alice"].get("/api/v1/policy").json()["default_schedule"] == {
        **default,
        "holidays": [],
    }
    alice = u["alice"].get("/api/v1/me").json()
    assert alice["schedule"] is None  # none of her own: the default applies
    assert (alice["availability"]["off"], utc(alice["availability"]["until"])) == (False, ends)
    kenji = u["alice"].get(f"/api/v1/users/{my_id(u['kenji'])}").json()
    assert kenji["time_zone"] == "Asia/Tokyo" and kenji["schedule"] is None
    assert (kenji["availability"]["off"], kenji["availability"]["reason"]) == (True, "off_hours")
    assert utc(kenji["availability"]["until"]) > dt.datetime.now(dt.UTC)  # type: ignore[operator]


def _breakthroughs(server: ServerProcess) -> list[tuple[str, int]]:
    return query(server.data_dir, "SELECT kind, recipient_id FROM breakthroughs ORDER BY id")


def test_urgent_notifications_to_people_who_are_off_are_limited_and_recorded(org: Org) -> None:
    server, u = org
    alice, bob, carol = u["alice"], u["bob"], u["carol"]
    bid = my_id(bob)
    assert u["root"].put("/api/v1/admin/policy", json={"urgent_offhours_per_hour": 3}).is_success
    off, _starts = _around_now("Europe/Berlin", 2, 3)
    assert bob.put("/api/v1/me/schedule", json=off).json()["availability"]["off"] is True
    cid = group(alice, bob, carol)  # carol has no schedule: she is never off
    for i in range(3):
        assert send(alice, cid, f"the build is down {i}", urgent=True).status_code == 201
    refused = send(alice, cid, "still down", urgent=True)
    assert refused.status_code == 429, refused.text
    assert refused.json()["code"] == "offhours_urgent_limit"
    assert 3000 < int(refused.headers["retry-after"]) <= 3600
    # Not urgent, it goes through: bob reads it when he starts work.
    assert send(alice, cid, "still down, no rush").status_code == 201
    # An urge to bob counts the same way.
    quiet = send(alice, cid, "please read").json()["id"]
    urge = alice.post(f"/api/v1/messages/{quiet}/urge")
    assert urge.status_code == 429 and urge.json()["code"] == "offhours_urgent_limit"
    # Another sender has an allowance of their own; recipients who work are not counted.
    assert send(carol, cid, "carol's urgent one", urgent=True).status_code == 201
    dm = carol.post("/api/v1/conversations", json={"kind": "dm", "members": [my_id(alice)]})
    for i in range(5):
        assert send(carol, dm.json()["id"], f"to a working alice {i}", urgent=True).is_success
    assert _breakthroughs(server) == [("urgent", bid)] * 4
    # Once bob is working (DND over, hours cleared), urgent sends are not limited at all.
    assert bob.delete("/api/v1/me/schedule").json()["availability"]["off"] is False
    assert send(alice, cid, "fixed!", urgent=True).status_code == 201


def test_the_breakthrough_rule_is_private_and_kept_with_the_schedule(org: Org) -> None:
    _server, u = org
    alice, bob = u["alice"], u["bob"]
    bob_id, alice_id = my_id(bob), my_id(alice)
    never_set = alice.get("/api/v1/me/breakthrough").json()
    assert never_set == {"rule": "anyone", "people": [], "updated_at": None}
    start = cursor(bob)

    r = alice.put(
        "/api/v1/me/breakthrough",
        json={"rule": "manager_and_list", "people": [bob_id, bob_id, alice_id]},
    )
    assert r.status_code == 200, r.text
    saved = r.json()
    assert (saved["rule"], saved["people"]) == ("manager_and_list", [bob_id])
    assert saved["updated_at"] is not None
    assert alice.get("/api/v1/me/breakthrough").json() == saved  # any of Alice's devices
    # A schedule saved afterwards leaves it alone, and it is nobody else's business.
    hours = {"zone": "Europe/Berlin", "days": {"mon": ["09:00-17:00"]}}
    assert alice.put("/api/v1/me/schedule", json=hours).status_code == 200
    assert alice.get("/api/v1/me/breakthrough").json() == saved
    seen_by_bob = bob.get(f"/api/v1/users/{alice_id}").json()
    assert "breakthrough" not in seen_by_bob and "manager_and_list" not in str(seen_by_bob)
    assert "manager_and_list" not in str(events_after(bob, start))
    assert bob.get("/api/v1/me/breakthrough").json()["updated_at"] is None

    for bad in ({"rule": "sometimes"}, {"rule": "anyone", "extra": 1}, {"people": [0]}):
        r = alice.put("/api/v1/me/breakthrough", json=bad)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["code"] == "validation_error"
    r = alice.put("/api/v1/me/breakthrough", json={"rule": "anyone", "people": [999999]})
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    assert alice.get("/api/v1/me/breakthrough").json() == saved, "a refusal changes nothing"
