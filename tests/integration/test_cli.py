"""The admin command line as IT uses it, against a data folder a real server also serves."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.server import ServerProcess, cli


@pytest.fixture
def data(tmp_path: Path) -> Path:
    done = cli(tmp_path, "init", "--admin-username", "root", stdin="s3cret-admin\n")
    assert done.returncode == 0, done.stderr
    assert "root" in done.stdout
    return tmp_path


@pytest.fixture
def server(data: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(data, extra_args=["--max-wait", "2"]).start()
    try:
        yield proc
    finally:
        proc.stop()


def _login(server: ServerProcess, username: str, password: str) -> httpx.Response:
    with server.client() as anon:
        return anon.post("/api/v1/auth/login", json={"username": username, "password": password})


def _ok(*args: str, data: Path, stdin: str | None = None) -> str:
    done = cli(data, *args, stdin=stdin)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def _refused(*args: str, data: Path, stdin: str | None = None) -> str:
    done = cli(data, *args, stdin=stdin)
    assert done.returncode != 0, (args, done.stdout)
    assert done.stderr.strip().startswith(("error:", "usage:")), done.stderr
    return done.stderr


def test_people_devices_and_passwords(data: Path, server: ServerProcess) -> None:
    assert _login(server, "root", "s3cret-admin").status_code == 200
    _ok(
        "user",
        "add",
        "ann",
        "--display-name",
        "Ann Lee",
        "--employee-id",
        "E1",
        data=data,
        stdin="ann-pw\n",
    )
    roster = io.StringIO()
    writer = csv.writer(roster)
    writer.writerow(
        ["username", "display_name", "employee_id", "department", "manager", "password"]
    )
    writer.writerow(["ben", "Ben", "E2", "Ops", "cat", ""])  # manager defined further down
    writer.writerow(["cat", "Cat", "E3", "Ops", "ann", "cat-pw"])
    (data / "people.csv").write_text(roster.getvalue(), encoding="utf-8")
    out = _ok("user", "import", str(data / "people.csv"), data=data)
    generated = dict(csv.reader(io.StringIO(out)))
    assert set(generated) == {"username", "ben"}, out  # only rows without a password
    ben = _login(server, "ben", generated["ben"])
    assert ben.status_code == 200, ben.text
    users = {str(u["username"]): u for u in _users(server, ben)}
    assert users["ben"]["manager_id"] == users["cat"]["id"]
    assert users["cat"]["manager_id"] == users["ann"]["id"]
    assert users["ann"]["display_name"] == "Ann Lee" and users["ann"]["employee_id"] == "E1"

    # Bad input: clear message, non-zero exit, nothing half-done.
    assert "taken" in _refused("user", "add", "ann", "--password", "x", data=data)
    _refused("user", "deactivate", "nobody", data=data)
    _refused("user", "reset-password", "nobody", "--password", "x", data=data)
    (data / "bad.csv").write_text("name,title\nzed,Boss\n", encoding="utf-8")
    assert "username" in _refused("user", "import", str(data / "bad.csv"), data=data)
    (data / "dupe.csv").write_text("username,password\nnew1,pw\nann,pw\n", encoding="utf-8")
    _refused("user", "import", str(data / "dupe.csv"), data=data)
    assert _login(server, "new1", "pw").status_code == 401, "a failed import left a user behind"

    # reset-password signs out every device; the new password works, the old one does not.
    first = _login(server, "cat", "cat-pw").json()
    _ok("user", "reset-password", "cat", "--password-stdin", data=data, stdin="cat-new\n")
    with server.client(first["token"]) as old_device:
        assert old_device.get("/api/v1/me").status_code == 401
    assert _login(server, "cat", "cat-pw").status_code == 401
    second = _login(server, "cat", "cat-new").json()

    # device list shows it; device revoke ends it.
    listing = _ok("device", "list", "--user", "cat", data=data)
    assert str(second["device_id"]) in listing and "active" in listing
    _ok("device", "revoke", str(second["device_id"]), data=data)
    with server.client(second["token"]) as revoked:
        assert revoked.get("/api/v1/me").json()["code"] == "unauthorized"
    assert "revoked" in _ok("device", "list", "--user", "cat", data=data)
    _refused("device", "revoke", "999999", data=data)

    # deactivate: the live token gets 401 at once, and sign-in is refused.
    token = _login(server, "ann", "ann-pw").json()["token"]
    _ok("user", "deactivate", "ann", data=data)
    with server.client(token) as gone:
        assert gone.get("/api/v1/me").status_code == 401
    assert _login(server, "ann", "ann-pw").status_code == 401
    assert "deactivated" in _ok("user", "list", data=data)


def _users(server: ServerProcess, login: httpx.Response) -> list[dict[str, object]]:
    with server.client(login.json()["token"]) as c:
        result: list[dict[str, object]] = c.get("/api/v1/users").json()
        return result


def test_channels_policy_and_pruning(data: Path, server: ServerProcess) -> None:
    _ok("user", "add", "ann", "--password", "pw", data=data)
    out = _ok("channel", "create", "general", "--creator", "root", "--members", "ann", data=data)
    assert "#general" in out
    _refused("channel", "create", "x", "--creator", "nobody", data=data)
    with server.client(_login(server, "ann", "pw").json()["token"]) as ann:
        channels = ann.get("/api/v1/conversations").json()
        assert [c["name"] for c in channels] == ["general"]
        cid = channels[0]["id"]
        for n in range(5):
            ann.post(
                f"/api/v1/conversations/{cid}/messages",
                json={"client_msg_id": f"m{n}", "body": f"hi {n}"},
            )
        old = ann.get("/api/v1/events", params={"wait": 0}).json()["cursor"]

        shown = json.loads(_ok("policy", "show", data=data))
        assert shown["edit_window_seconds"] == 24 * 3600
        _ok("policy", "set", "edit_window_seconds=900", "watermark_enabled=true", data=data)
        policy = ann.get("/api/v1/policy").json()
        assert (policy["edit_window_seconds"], policy["watermark_enabled"]) == (900, True)
        assert "KEY" in _refused("policy", "set", "no_such_key=1", data=data)
        _refused("policy", "set", "edit_window_seconds=soon", data=data)
        _refused("policy", "set", "edit_window_seconds", data=data)

        head = int(ann.get("/api/v1/events", params={"wait": 0}).json()["cursor"].split(".")[1])
        assert "Pruned" in _ok("events", "prune", "--before-seq", str(head), data=data)
        expired = ann.get("/api/v1/events", params={"after": old, "wait": 0})
        assert expired.status_code == 410, expired.text
        assert expired.json()["code"] == "cursor_expired"
        fresh = ann.get("/api/v1/sync/snapshot").json()["cursor"]
        assert ann.get("/api/v1/events", params={"after": fresh, "wait": 0}).status_code == 200


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    done = cli(tmp_path, "user", "add")
    assert done.returncode == 2 and "usage:" in done.stderr
    done = cli(tmp_path, "init", stdin="")
    assert done.returncode != 0 and "password" in done.stderr
