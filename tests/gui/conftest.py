"""GUI tests: the real window on the offscreen platform, against a real demo server process.

Everything async runs on one qasync loop over pytest-qt's QApplication, exactly as in the app;
``arun`` drives the loop until a coroutine (a test scenario) finishes.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio
import gc
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from app.client.keys import KeyCustody
from app.client.memory_keyring import temporary_keyring
from app.client.session import Session
from ui import theme
from ui.demo import DEMO_PASSWORD, DemoServer

T = TypeVar("T")


@pytest.fixture(scope="session")
def loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    theme.apply(qapp, "light")
    # No cyclic garbage collection while the GUI tests run: windows of finished tests that are
    # kept only by reference cycles would otherwise be destroyed at random moments of later
    # tests, on whatever thread allocates (a crash in ~QAbstractItemView), or under event filters
    # whose objects the collector has already cleared. The app collects on the GUI thread
    # (ui/gc_guard.py); the tests simply keep such windows until the session ends.
    was_enabled = gc.isenabled()
    gc.disable()
    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)
    if was_enabled:
        gc.enable()


@pytest.fixture
def arun(loop: qasync.QEventLoop) -> Callable[..., Any]:
    def run(coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return loop.run_until_complete(asyncio.wait_for(coro, timeout))

    return run


async def until(
    predicate: Callable[[], object], within: float = 20.0, what: str = "condition"
) -> None:
    """Let the loop (and so Qt) run until ``predicate()`` is truthy."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One demo organisation per test module (quiet: no random chatter to race with)."""
    server = DemoServer(tmp_path_factory.mktemp("demo-server"), extra_args=["--quiet-colleagues"])
    try:
        yield server.start_blocking()
    finally:
        server.stop()


@pytest.fixture
def keys() -> Iterator[KeyCustody]:
    with temporary_keyring() as backend:
        yield KeyCustody(backend=backend)


@pytest.fixture
def sign_in(
    arun: Callable[..., Any], keys: KeyCustody, demo_server: str, tmp_path: Path
) -> Iterator[Callable[[str], Coroutine[Any, Any, Session]]]:
    """``await sign_in("amara")``: a demo person with their own local store; closed afterwards.

    Call it inside the test's scenario: the session's tasks must only ever step while the loop
    runs (pytest-qt processes Qt events between phases, when no asyncio loop is running).
    """
    sessions: list[Session] = []

    async def make(username: str) -> Session:
        session = await Session.sign_in(
            demo_server, username, DEMO_PASSWORD, "pytest", keys=keys, data_dir=tmp_path / username
        )
        sessions.append(session)
        return session

    yield make

    async def close_all() -> None:
        for s in sessions:
            await s.aclose()

    arun(close_all())


def _settle(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel every task still pending on the loop and let each finish, inside the loop.

    pytest-qt calls processEvents() after the test body and again after the fixtures' teardown,
    with no asyncio loop running; qasync then steps whatever tasks a window left behind (a model
    refresh, a receipts load) outside the loop, and after teardown on widgets Qt already deleted,
    which crashed the process now and then. A test's tasks therefore end with the test body.
    """
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.wait(pending, timeout=10))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    # A plain hookwrapper sits inside pytest-qt's (tryfirst) one: this runs before its
    # processEvents() and before any fixture (qtbot included) tears down a widget.
    yield
    loop = item.funcargs.get("loop") if hasattr(item, "funcargs") else None
    if isinstance(loop, asyncio.AbstractEventLoop) and not loop.is_closed():
        _settle(loop)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The offscreen platform plugin warns on every top-level window it cannot size-hint; that is
    # the test platform talking, not our code (Xvfb/xcb does not warn). Every other Qt warning fails.
    for item in items:
        if "tests/gui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(
                pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")
            )
