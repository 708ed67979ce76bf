"""Random sequences of user activity: no unruled window title ever reaches any engine output."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.clock import FakeClock
from app.features.status import (
    ForegroundWindow,
    InMemoryForeground,
    InMemoryIdle,
    ManualStatus,
    PublishedStatus,
    StatusEngine,
    StatusSettings,
)

CALC = ForegroundWindow("soffice.bin", "Q3 plan.xlsx - LibreOffice Calc")
SECRET_MARK = "zqx"  # no default rule or template contains it

secret_windows = st.builds(
    lambda app, title: ForegroundWindow(f"private{app}", f"{SECRET_MARK}{title}"),
    st.text(alphabet="abc123", max_size=8),
    st.text(max_size=40),
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("window"), st.one_of(st.none(), st.just(CALC), secret_windows)),
        st.tuples(st.just("wait"), st.integers(1, 90)),
        st.tuples(st.just("idle"), st.sampled_from([0.0, 1.0])),
        st.tuples(st.just("manual"), st.booleans()),
        st.tuples(st.just("pause"), st.booleans()),
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(steps, st.sampled_from(["nothing", "busy"]))
def test_no_secret_title_in_any_output(steps: list[tuple[str, object]], unmatched: str) -> None:
    clock = FakeClock(dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))
    fg, idle = InMemoryForeground(), InMemoryIdle(0.0)
    engine = StatusEngine(
        clock=clock,
        zone=ZoneInfo("Europe/Berlin"),
        foreground=fg,
        idle=idle,
        settings=StatusSettings(
            share_foreground=True,
            unmatched="busy" if unmatched == "busy" else "nothing",
            idle_minutes=1,
        ),
    )
    seen: list[PublishedStatus | None] = []
    engine.status_did_change.connect(seen.append)
    for kind, arg in steps:
        if kind == "window":
            fg.window = arg if isinstance(arg, ForegroundWindow) else None
        elif kind == "wait":
            assert isinstance(arg, int)
            for _ in range(arg):
                clock.advance(1)
                if idle.seconds:
                    idle.seconds += 1
                engine.tick()
        elif kind == "idle":
            assert isinstance(arg, float)
            idle.seconds = arg
        elif kind == "manual":
            engine.set_manual(
                ManualStatus("Lunch", until=clock.now() + dt.timedelta(seconds=40)) if arg else None
            )
        elif arg:
            engine.pause()
        else:
            engine.resume()
        engine.tick()
        assert engine.published == (seen[-1] if seen else None)
    for status in [*seen, engine.automatic(), engine.published]:
        assert status is None or SECRET_MARK not in status.text
