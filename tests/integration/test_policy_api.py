"""Organisation policy for admins, its audit log, and devices' protection reports, against a real
server and its command line."""

from __future__ import annotations

import httpx

from tests.helpers.server import ServerProcess, cli
from tests.integration.presence_helpers import cursor, events_after, my_id, org

__all__ = ["org"]  # the fixture, imported for pytest

Org = tuple[ServerProcess, dict[str, httpx.Client]]


def test_only_admins_change_policy_or_read_the_audit(org: Org) -> None:
    _server, u = org
    for name in ("alice", "bob"):
        refused = u[name].put("/api/v1/admin/policy", json={"watermark_enabled": False})
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
        assert u[name].get("/api/v1/admin/audit").status_code == 403
        assert u[name].get("/api/v1/admin/devices/protection").status_code == 403
    assert u["alice"].get("/api/v1/policy").json()["watermark_enabled"] is False
    assert u["root"].get("/api/v1/admin/audit").json() == {"entries": [], "has_more": False}


def test_a_policy_change_is_applied_evented_and_audited(org: Org) -> None:
    server, u = org
    root, alice = u["root"], u["alice"]
    since = cursor(alice)
    change = {"watermark_enabled": True, "watermark_opacity": 0.12, "capture_protection": True}
    r = root.put("/api/v1/admin/policy", json=change)
    assert r.status_code == 200, r.text
    policy = r.json()
    assert {k: policy[k] for k in change} == change
    assert policy["edit_window_seconds"] == 24 * 3600  # not given: unchanged
    assert alice.get("/api/v1/policy").json() == policy
    assert [e["policy"] for e in events_after(alice, since, "policy.updated")] == [policy]
    # The same values again change nothing: no event, no audit entry.
    assert root.put("/api/v1/admin/policy", json=change).json() == policy
    assert events_after(alice, since, "policy.updated") == [events_after(alice, since)[0]]
    for bad in (
        {"watermark_opacity": 2},
        {"edit_window_seconds": -1},
        {"watermark_enabled": "yes"},
        {"no_such_setting": 1},
    ):
        assert root.put("/api/v1/admin/policy", json=bad).status_code == 422, bad
    # The command line changes policy too, audited with no user as the actor.
    done = cli(server.data_dir, "policy", "set", "watermark_opacity=0.2", "retention_days=30")
    assert done.returncode == 0, done.stderr
    entries = root.get("/api/v1/admin/audit").json()["entries"]
    assert [(e["action"], e["actor_user_id"]) for e in entries] == [
        ("policy.updated", None),
        ("policy.updated", my_id(root)),
    ]
    assert entries[0]["details"] == {
        "old": {"retention_days": None, "watermark_opacity": 0.12},
        "new": {"retention_days": 30, "watermark_opacity": 0.2},
    }
    assert entries[1]["details"]["old"] == {
        "capture_protection": False,
        "watermark_enabled": False,
        "watermark_opacity": 0.08,
    }
    listed = cli(server.data_dir, "audit", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and "\tpolicy.updated\tcli\t" in lines[0]
    assert f"\tuser {my_id(root)}\t" in lines[1]


def test_devices_report_their_protection_and_changes_are_audited(org: Org) -> None:
    server, u = org
    root, bob = u["root"], u["bob"]
    report = {"watermark_shown": True, "capture_protection": "unsupported", "platform": "linux"}
    first = bob.post("/api/v1/me/device/protection", json=report)
    assert first.status_code == 200, first.text
    assert first.json()["capture_protection"] == "unsupported"
    assert first.json()["user_id"] == my_id(bob)
    assert bob.post("/api/v1/me/device/protection", json=report).is_success  # unchanged
    with server.login("bob", device="laptop") as laptop:
        changed = {**report, "capture_protection": "active", "platform": "windows"}
        assert laptop.post("/api/v1/me/device/protection", json=changed).is_success
        assert laptop.post(
            "/api/v1/me/device/protection", json={**changed, "watermark_shown": False}
        ).is_success
    for bad in (
        {**report, "capture_protection": "maybe"},
        {**report, "watermark_shown": "yes"},
        {**report, "platform": ""},
    ):
        assert bob.post("/api/v1/me/device/protection", json=bad).status_code == 422
    devices = root.get("/api/v1/admin/devices/protection").json()
    assert [(d["platform"], d["capture_protection"], d["watermark_shown"]) for d in devices] == [
        ("linux", "unsupported", True),
        ("windows", "active", False),
    ]
    page = root.get("/api/v1/admin/audit", params={"limit": 2}).json()
    assert page["has_more"] is True
    assert [e["details"]["new"]["watermark_shown"] for e in page["entries"]] == [False, True]
    assert page["entries"][0]["details"]["old"]["watermark_shown"] is True
    rest = root.get(
        "/api/v1/admin/audit", params={"limit": 2, "before": page["entries"][-1]["id"]}
    ).json()
    assert rest["has_more"] is False
    assert [(e["action"], e["details"]["old"]) for e in rest["entries"]] == [
        ("device.protection", None)
    ]
    assert {e["actor_user_id"] for e in page["entries"] + rest["entries"]} == {my_id(bob)}


def test_the_default_schedule_from_the_command_line(org: Org) -> None:
    server, u = org
    done = cli(
        server.data_dir,
        "schedule",
        "default",
        "--hours",
        "09:00-12:00",
        "--hours",
        "13:00-17:30",
        "--days",
        "mon,fri",
        "--holiday",
        "2026-12-25",
    )
    assert done.returncode == 0, done.stderr
    expected = {
        "zone": "UTC",
        "days": {"mon": ["09:00-12:00", "13:00-17:30"], "fri": ["09:00-12:00", "13:00-17:30"]},
        "holidays": ["2026-12-25"],
    }
    assert u["alice"].get("/api/v1/policy").json()["default_schedule"] == expected
    refused = cli(server.data_dir, "schedule", "default", "--zone", "Mars/X", "--hours", "9-5")
    assert refused.returncode == 1 and "error" in refused.stderr
    assert cli(server.data_dir, "schedule", "default", "--clear").returncode == 0
    assert u["alice"].get("/api/v1/policy").json()["default_schedule"] is None
    actions = [e["details"]["new"] for e in u["root"].get("/api/v1/admin/audit").json()["entries"]]
    assert actions == [{"default_schedule": None}, {"default_schedule": expected}]
