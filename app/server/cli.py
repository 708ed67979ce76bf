"""`courtyard-server`: run the reference server and administer it from the command line.

Every command works non-interactively (flags, or a password on stdin) so scripts can drive it.
Exit codes: 0 done, 1 the request was refused (the message says why), 2 bad usage.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select, update

from app.core import wire
from app.core.clock import Clock
from app.core.errors import ApiError
from app.server import auth
from app.server.actions import accounts, conversations, org
from app.server.actions.base import Tx
from app.server.auth import Caller
from app.server.config import ServerConfig
from app.server.db.schema import users
from app.server.service import Service


def _password(args: argparse.Namespace, *, prompt: str = "Password: ") -> str:
    if getattr(args, "password", None):
        return str(args.password)
    if getattr(args, "password_stdin", False) or not sys.stdin.isatty():
        value = sys.stdin.readline().rstrip("\n")
    else:
        value = getpass.getpass(prompt)
    if not value:
        raise SystemExit("error: an empty password is not allowed")
    return value


def _service(args: argparse.Namespace) -> Service:
    config = ServerConfig.load(args.data)
    service = Service(config.open_database(), notifier=config.make_notifier())
    if config.redis_url is not None:
        from app.server.notifier_redis import announce  # redis is an optional dependency

        url, prefix = config.redis_url, config.redis_prefix
        service.announce = lambda keys: announce(url, prefix, keys)
    if getattr(args, "clock", None) is not None:
        service.clock = args.clock
    service.run_sync(org.initialise)
    return service


def _add_password_flags(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--password", help="the password (visible in the process list; prefer stdin)"
    )
    group.add_argument("--password-stdin", action="store_true", help="read the password from stdin")


def _user_fields(p: argparse.ArgumentParser) -> None:
    p.add_argument("--display-name", default="")
    p.add_argument("--employee-id", default="")
    p.add_argument("--title", default="")
    p.add_argument("--department", default="")
    p.add_argument("--manager", default=None, help="the manager's username")
    p.add_argument("--time-zone", default="UTC", help="IANA zone, e.g. Europe/Berlin")
    p.add_argument("--admin", action="store_true")


def _add_user(tx: Tx, fields: dict[str, str], password: str, admin: bool) -> wire.User:
    manager_id = None
    if fields.get("manager"):
        manager_id = accounts.user_by_username(tx, fields["manager"]).id
    return accounts.create_user(
        tx,
        username=fields["username"],
        password_hash=auth.hash_password(password),
        display_name=fields.get("display_name", ""),
        employee_id=fields.get("employee_id", ""),
        title=fields.get("title", ""),
        department=fields.get("department", ""),
        manager_id=manager_id,
        time_zone=fields.get("time_zone") or "UTC",
        admin=admin,
    )


def cmd_init(args: argparse.Namespace) -> int:
    service = _service(args)
    has_admin = service.db.read_sync(
        lambda conn: (
            conn.execute(select(users.c.id).where(users.c.admin.is_(True))).first() is not None
        )
    )
    if has_admin:
        print("Already initialised; the database has an admin.")
        return 0
    password = _password(args, prompt=f"Password for {args.admin_username}: ")
    user = service.run_sync(
        _add_user,
        {"username": args.admin_username, "display_name": "Administrator"},
        password,
        True,
    )
    print(f"Initialised {service.db.display_url} with admin {user.username!r}.")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from app.server.runner import serve

    service = _service(args)
    service.max_wait = args.max_wait
    serve(service, args.host, args.port, access_log=args.access_log)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from app.server import demo
    from app.server.runner import serve

    service = _service(args)
    if service.run_sync(demo.populate, password=args.password):
        print(f"Demo organisation created; every demo user's password is {args.password!r}.")
    background = [] if args.quiet_colleagues else [lambda: demo.colleagues_chat(service)]
    serve(service, args.host, args.port, background=background)
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    service = _service(args)
    fields = {k: v for k, v in vars(args).items() if isinstance(v, str)}
    user = service.run_sync(_add_user, fields, _password(args), args.admin)
    print(f"Added user {user.username!r} (id {user.id}).")
    return 0


def cmd_user_import(args: argparse.Namespace) -> int:
    """CSV columns: username (required), display_name, employee_id, title, department, manager,
    time_zone, admin, password. Rows without a password get a random one, printed as CSV."""
    service = _service(args)
    with Path(args.csv).open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if not rows or "username" not in rows[0]:
        raise SystemExit("error: the CSV needs a header row with at least a 'username' column")
    generated: list[tuple[str, str]] = []

    def import_all(tx: Tx) -> int:
        # Managers may appear later in the file than their reports: add everyone, then link.
        for row in rows:
            password = row.get("password") or secrets.token_urlsafe(12)
            if not row.get("password"):
                generated.append((row["username"], password))
            admin = (row.get("admin") or "").strip().lower() in {"1", "true", "yes"}
            _add_user(tx, {**row, "manager": ""}, password, admin)
        for row in rows:
            if row.get("manager"):
                manager = accounts.user_by_username(tx, row["manager"])
                me = accounts.user_by_username(tx, row["username"])
                tx.conn.execute(
                    update(users).where(users.c.id == me.id).values(manager_id=manager.id)
                )
        return len(rows)

    count = service.run_sync(import_all)
    print(f"Imported {count} users.", file=sys.stderr)
    if generated:
        writer = csv.writer(sys.stdout)
        writer.writerow(["username", "password"])
        writer.writerows(generated)
    return 0


def cmd_user_deactivate(args: argparse.Namespace) -> int:
    service = _service(args)
    service.run_sync(
        lambda tx: accounts.set_active(tx, accounts.user_by_username(tx, args.username).id, False)
    )
    print(f"Deactivated {args.username!r}; their devices are signed out.")
    return 0


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    service = _service(args)
    hashed = auth.hash_password(_password(args))
    service.run_sync(
        lambda tx: accounts.set_password(
            tx, accounts.user_by_username(tx, args.username).id, hashed, revoke_devices=True
        )
    )
    print(f"Password of {args.username!r} reset; their devices are signed out.")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from app.server import queries

    service = _service(args)
    for user in service.db.read_sync(queries.all_users):
        flags = ("admin " if user.admin else "") + ("" if user.active else "deactivated")
        print(
            f"{user.id}\t{user.username}\t{user.display_name}\t{user.employee_id}\t{flags.strip()}"
        )
    return 0


def cmd_device_list(args: argparse.Namespace) -> int:
    service = _service(args)

    def listing(tx: Tx) -> list[dict[str, object]]:
        uid = accounts.user_by_username(tx, args.user).id if args.user else None
        return accounts.list_devices(tx, uid)

    for d in service.run_sync(listing):
        state = f"revoked {d['revoked_at']:%Y-%m-%d}" if d["revoked_at"] else "active"
        print(f"{d['id']}\tuser {d['user_id']}\t{d['name']}\t{state}")
    return 0


def cmd_device_revoke(args: argparse.Namespace) -> int:
    service = _service(args)
    service.run_sync(accounts.revoke_device, args.device_id)
    print(f"Device {args.device_id} revoked; the app wipes its local copy at its next contact.")
    return 0


def cmd_channel_create(args: argparse.Namespace) -> int:
    service = _service(args)

    def create(tx: Tx) -> wire.Conversation:
        creator = accounts.user_by_username(tx, args.creator)
        member_ids = [accounts.user_by_username(tx, m).id for m in args.members]
        req = wire.ConversationCreate(
            kind="channel", name=args.name, private=args.private, members=member_ids
        )
        return conversations.create(tx, Caller(creator.id, 0, creator.admin), req)[0]

    channel = service.run_sync(create)
    print(
        f"Created channel #{channel.name} (id {channel.id}) with {len(channel.member_ids)} members."
    )
    return 0


def cmd_policy_show(args: argparse.Namespace) -> int:
    from app.server import queries

    service = _service(args)
    print(json.dumps(service.db.read_sync(queries.policy).model_dump(), indent=2))
    return 0


def cmd_policy_set(args: argparse.Namespace) -> int:
    service = _service(args)
    changes: dict[str, object] = {}
    for item in args.settings:
        key, sep, raw = item.partition("=")
        if not sep or key not in wire.OrgPolicy.model_fields:
            known = ", ".join(wire.OrgPolicy.model_fields)
            raise SystemExit(f"error: expected KEY=VALUE with KEY one of: {known}")
        try:
            changes[key] = json.loads(raw)
        except json.JSONDecodeError:
            changes[key] = raw
    policy = service.run_sync(org.set_policy, changes)
    print(json.dumps(policy.model_dump(), indent=2))
    return 0


def cmd_schedule_default(args: argparse.Namespace) -> int:
    """The organisation's default working hours (a policy change: evented and audited)."""
    service = _service(args)
    schedule: dict[str, object] | None = None
    if not args.clear:
        if not args.hours:
            raise SystemExit("error: give --hours HH:MM-HH:MM (repeatable), or --clear")
        days = {day: list(args.hours) for day in args.days.split(",") if day}
        schedule = {"zone": args.zone, "days": days, "holidays": args.holidays}
    policy = service.run_sync(org.set_policy, {"default_schedule": schedule})
    shown = policy.default_schedule.model_dump(mode="json") if policy.default_schedule else None
    print(json.dumps({"default_schedule": shown}, indent=2))
    return 0


def cmd_audit_list(args: argparse.Namespace) -> int:
    """Audit entries, newest first, one per line: id, time, action, actor, device, details."""
    from app.server.actions import audit

    service = _service(args)
    page = service.db.read_sync(lambda conn: audit.page(conn, args.before, args.limit))
    for e in page.entries:
        actor = f"user {e.actor_user_id}" if e.actor_user_id is not None else "cli"
        device = f"device {e.device_id}" if e.device_id is not None else "-"
        details = json.dumps(e.details, sort_keys=True, ensure_ascii=False)
        print(f"{e.id}\t{e.at:%Y-%m-%dT%H:%M:%SZ}\t{e.action}\t{actor}\t{device}\t{details}")
    if page.has_more and page.entries:
        print(f"(more: --before {page.entries[-1].id})", file=sys.stderr)
    return 0


def cmd_events_prune(args: argparse.Namespace) -> int:
    service = _service(args)
    count = service.run_sync(org.prune_events, args.before_seq)
    print(f"Pruned {count} events; clients with older cursors will fetch a snapshot.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="courtyard-server", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", help="data folder (default: $COURTYARD_DATA, else the OS data dir)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help="create the database and a first admin")
    p.add_argument("--admin-username", default="admin")
    _add_password_flags(p)
    p.set_defaults(func=cmd_init)

    for name, func, help_ in (
        ("run", cmd_run, "serve the API"),
        ("demo", cmd_demo, "create a demo organisation (once) and serve it"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8765)
        p.set_defaults(func=func)
        if name == "run":
            p.add_argument("--max-wait", type=float, default=60.0, help="longest long-poll hold, s")
            p.add_argument("--access-log", action="store_true")
        else:
            p.add_argument("--password", default="demo", help="password of every demo user")
            p.add_argument("--quiet-colleagues", action="store_true", help="no live demo chatter")

    users = sub.add_parser("user", help="manage people").add_subparsers(
        dest="action", required=True
    )
    p = users.add_parser("add", help="add a person")
    p.add_argument("username")
    _add_password_flags(p)
    _user_fields(p)
    p.set_defaults(func=cmd_user_add)
    p = users.add_parser("import", help="add people from a CSV file")
    p.add_argument("csv")
    p.set_defaults(func=cmd_user_import)
    p = users.add_parser("deactivate", help="deactivate a person and sign out their devices")
    p.add_argument("username")
    p.set_defaults(func=cmd_user_deactivate)
    p = users.add_parser("reset-password", help="set a new password and sign out their devices")
    p.add_argument("username")
    _add_password_flags(p)
    p.set_defaults(func=cmd_user_reset_password)
    users.add_parser("list", help="list people").set_defaults(func=cmd_user_list)

    devices = sub.add_parser("device", help="manage devices").add_subparsers(
        dest="action", required=True
    )
    p = devices.add_parser("list", help="list devices")
    p.add_argument("--user", help="only this username's devices")
    p.set_defaults(func=cmd_device_list)
    p = devices.add_parser("revoke", help="revoke a device (its app wipes its local data)")
    p.add_argument("device_id", type=int)
    p.set_defaults(func=cmd_device_revoke)

    channels = sub.add_parser("channel", help="manage channels").add_subparsers(
        dest="action", required=True
    )
    p = channels.add_parser("create", help="create a channel")
    p.add_argument("name")
    p.add_argument("--creator", required=True, help="username of the creator (a member)")
    p.add_argument("--members", nargs="*", default=[], help="usernames to add")
    p.add_argument("--private", action="store_true", help="invite-only")
    p.set_defaults(func=cmd_channel_create)

    policy = sub.add_parser("policy", help="organisation policy").add_subparsers(
        dest="action", required=True
    )
    policy.add_parser("show").set_defaults(func=cmd_policy_show)
    p = policy.add_parser("set", help="e.g. watermark_enabled=true edit_window_seconds=900")
    p.add_argument("settings", nargs="+", metavar="KEY=VALUE")
    p.set_defaults(func=cmd_policy_set)

    p = (
        sub.add_parser("schedule", help="organisation default working hours")
        .add_subparsers(dest="action", required=True)
        .add_parser(
            "default", help="e.g. --zone Europe/Berlin --hours 09:00-12:00 --hours 13:00-17:00"
        )
    )
    p.add_argument("--zone", default="UTC", help="IANA zone (each person's own zone applies)")
    p.add_argument("--days", default="mon,tue,wed,thu,fri", help="comma-separated weekdays")
    p.add_argument("--hours", action="append", default=[], metavar="HH:MM-HH:MM")
    p.add_argument("--holiday", dest="holidays", action="append", default=[], metavar="DATE")
    p.add_argument("--clear", action="store_true", help="no default: nobody off by schedule")
    p.set_defaults(func=cmd_schedule_default)

    p = (
        sub.add_parser("audit", help="the audit log")
        .add_subparsers(dest="action", required=True)
        .add_parser("list", help="policy changes and device protection reports, newest first")
    )
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--before", type=int, default=None, help="only entries with a smaller id")
    p.set_defaults(func=cmd_audit_list)

    ev = sub.add_parser("events", help="the event log").add_subparsers(dest="action", required=True)
    p = ev.add_parser("prune", help="delete events before a seq (older cursors expire)")
    p.add_argument("--before-seq", type=int, required=True)
    p.set_defaults(func=cmd_events_prune)
    return parser


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """``clock`` replaces the system clock for every command (test and demo entry points only,
    e.g. tests/helpers/clocked_server.py; the installed command never passes one)."""
    args = build_parser().parse_args(argv)
    args.clock = clock
    try:
        return int(args.func(args))
    except ApiError as err:
        print(f"error: {err.detail}", file=sys.stderr)
        return 1
    except ValueError as err:  # e.g. an invalid policy value
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
