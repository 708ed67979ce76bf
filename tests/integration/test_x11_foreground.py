"""The X11 adapters on a real X server: Xvfb, a real window manager, real windows of other processes.

The window manager is matchbox-window-manager (apt package ``matchbox-window-manager``, the
smallest EWMH manager in Debian): as on a user's desktop, it is the manager that sets
``_NET_ACTIVE_WINDOW`` when ``xdotool windowactivate`` asks it to focus a window. Writing the root
property ourselves would only prove we can read back what we wrote; that shortcut is used once,
on a desktop without a manager, to point the property at a window that no longer exists.

Each window is a separate process (``tests/helpers/x11.py``) with a title and WM_CLASS like the
real app's. Rules and the engine see exactly what the adapter reports, so these tests also show
that a window no rule matches publishes nothing of its title, and that titles are never logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from app.core.clock import FakeClock
from app.features.status import (
    DEFAULT_RULES,
    ForegroundWindow,
    PublishedStatus,
    RuleOutput,
    StatusEngine,
    StatusSettings,
    evaluate,
)
from app.features.status.platform import WAYLAND, foreground_source, idle_source
from app.features.status.platform.x11 import NO_EWMH, X11Connection, X11Foreground, X11Idle
from tests.helpers.x11 import Desktop, TestWindow, x11_desktop

pytestmark = pytest.mark.timeout(60)

CALC_TITLE = "Q3 plan.xlsx - LibreOffice Calc"
SECRET_TITLE = "Secret salary plan - SomeApp"
CALC = ForegroundWindow("libreoffice", CALC_TITLE, "libreoffice-calc")
SECRET = ForegroundWindow("someapp", SECRET_TITLE, "someapp")


@pytest.fixture(scope="module")
def desktop() -> Iterator[Desktop]:
    with x11_desktop() as d:
        yield d


@pytest.fixture(scope="module")
def calc(desktop: Desktop) -> TestWindow:
    return desktop.open_window(CALC_TITLE, "libreoffice", "libreoffice-calc")


@pytest.fixture(scope="module")
def secret(desktop: Desktop) -> TestWindow:
    return desktop.open_window(SECRET_TITLE, "someapp", "someapp")


@pytest.fixture
def connection(desktop: Desktop) -> Iterator[X11Connection]:
    conn = X11Connection(desktop.display)
    yield conn
    conn.close()


def test_the_factory_picks_x11_and_it_works_here(desktop: Desktop) -> None:
    fg = foreground_source(env=desktop.env)
    idle = idle_source(env=desktop.env)
    assert isinstance(fg, X11Foreground)
    assert isinstance(idle, X11Idle)
    assert fg.unsupported_reason is None
    assert idle.unsupported_reason is None


def test_a_wayland_session_is_unsupported_even_with_a_working_x_display(desktop: Desktop) -> None:
    env = {**desktop.env, "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}
    assert foreground_source(env=env).unsupported_reason == WAYLAND
    assert idle_source(env=env).unsupported_reason == WAYLAND


def test_the_focused_window_and_what_the_rules_make_of_it(
    connection: X11Connection, calc: TestWindow, secret: TestWindow
) -> None:
    fg = X11Foreground(connection)
    calc.activate()
    assert fg.current() == CALC
    assert evaluate(DEFAULT_RULES, fg.current()) == RuleOutput("Editing: Q3 plan.xlsx", "📊")

    secret.activate()
    assert fg.current() == SECRET
    assert evaluate(DEFAULT_RULES, fg.current()) is None
    assert evaluate(DEFAULT_RULES, fg.current(), "busy") == RuleOutput("Busy", "⏳")


def test_the_engine_publishes_the_rule_output_and_nothing_of_an_unmatched_title(
    connection: X11Connection,
    calc: TestWindow,
    secret: TestWindow,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FakeClock()
    engine = StatusEngine(
        clock=clock,
        zone=ZoneInfo("UTC"),
        foreground=X11Foreground(connection),
        idle=X11Idle(connection),
        settings=StatusSettings(share_foreground=True, dwell=20.0),
    )
    published: list[PublishedStatus | None] = []
    engine.status_did_change.connect(published.append)

    calc.activate()
    engine.tick()
    clock.advance(21)  # past the dwell time
    assert engine.tick() == PublishedStatus("Editing: Q3 plan.xlsx", "📊", "app")

    secret.activate()
    for _ in range(4):
        clock.advance(15)
        engine.tick()
    assert engine.published is None
    assert published == [PublishedStatus("Editing: Q3 plan.xlsx", "📊", "app"), None]
    for word in ("Secret", "salary", "SomeApp", "someapp"):
        assert not any(word in (s.text if s else "") for s in published)
        assert word not in caplog.text
    assert CALC_TITLE not in caplog.text


def test_idle_time_drops_when_the_pointer_moves(
    desktop: Desktop, connection: X11Connection
) -> None:
    idle = X11Idle(connection)
    desktop.xdotool("mousemove", "100", "100")
    time.sleep(1.0)
    before = idle.idle_seconds()
    assert before is not None and before >= 0.9
    desktop.xdotool("mousemove", "300", "200")
    after = idle.idle_seconds()
    assert after is not None and after < 0.5


def test_a_vanished_window_and_a_vanished_x_server_are_none_not_errors() -> None:
    with x11_desktop(wm=False) as bare:
        conn = X11Connection(bare.display, retry_interval=0.0)
        fg, idle = X11Foreground(conn), X11Idle(conn)
        assert fg.unsupported_reason == NO_EWMH  # nobody manages this desktop
        assert fg.current() is None  # and nobody said which window is active

        doomed = bare.open_window(CALC_TITLE, "libreoffice", "libreoffice-calc")
        bare.set_active_window(doomed.window_id)
        assert fg.current() == CALC
        doomed.close()
        assert fg.current() is None  # BadWindow: the property names a destroyed window

        other = bare.open_window(SECRET_TITLE, "someapp", "someapp")
        bare.set_active_window(other.window_id)
        assert fg.current() == SECRET  # the same connection carries on

    assert fg.current() is None
    assert idle.idle_seconds() is None
    assert fg.unsupported_reason == f"cannot connect to the X display {bare.display}"
    conn.close()
