"""Watermark template rendering and the spec computed from the organisation policy."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.clock import FakeClock
from app.core.wire import OrgPolicy
from app.features.watermark import (
    MAX_FIELD_WIDTH,
    MAX_TEXT_WIDTH,
    OPACITY_RANGE,
    Viewer,
    render,
    truncate,
    watermark_spec,
    width,
)

FULL = {
    "display_name": "Li Wei",
    "username": "liwei",
    "employee_id": "E-1024",
    "date": "2026-01-05",
    "time": "09:30",
    "device_name": "LW-LAPTOP",
}
DEFAULT = OrgPolicy().watermark_template


def without(*names: str) -> dict[str, str]:
    return {k: v for k, v in FULL.items() if k not in names}


def test_the_default_template() -> None:
    assert render(DEFAULT, FULL) == "Li Wei · E-1024 · 2026-01-05"


@pytest.mark.parametrize(
    ("template", "missing", "expected"),
    [
        (DEFAULT, ("employee_id",), "Li Wei · 2026-01-05"),
        (DEFAULT, ("display_name",), "E-1024 · 2026-01-05"),
        (DEFAULT, ("date",), "Li Wei · E-1024"),
        (DEFAULT, ("display_name", "employee_id", "date"), ""),
        ("{display_name} ({employee_id})", ("employee_id",), "Li Wei"),
        ("[{employee_id}] {display_name}", ("employee_id",), "Li Wei"),
        ("{display_name} | {username} | {device_name}", ("username",), "Li Wei | LW-LAPTOP"),
        ("Confidential · {employee_id}", ("employee_id",), "Confidential"),
        ("{display_name} · ID: {employee_id} · {date}", ("employee_id",), "Li Wei · 2026-01-05"),
        ("{display_name} · ID: {employee_id} · {date}", (), "Li Wei · ID: E-1024 · 2026-01-05"),
        ("Employee ID: {employee_id}", ("employee_id",), ""),
        ("{display_name}，工号：{employee_id}", ("employee_id",), "Li Wei"),
    ],
)
def test_missing_fields_leave_no_dangling_separators(
    template: str, missing: tuple[str, ...], expected: str
) -> None:
    assert render(template, without(*missing)) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{display_name} {salary}", "Li Wei"),  # unknown field: empty
        ("{display_name} {", "Li Wei {"),  # stray brace: text
        ("{display_name", "{display_name"),  # unclosed: text
        ("}{", "}{"),
        ("{}", "{}"),
        ("{{display_name}} {username}", "{display_name} liwei"),  # escaped braces
        ("{display_name:>30} {date!r}", "Li Wei 2026-01-05"),  # format specs are ignored
        ("{display_name.__class__}", "{display_name.__class__}"),  # no attribute access
        ("{ username }", "liwei"),
        ("", ""),
    ],
)
def test_braces_never_raise(template: str, expected: str) -> None:
    assert render(template, FULL) == expected


def test_field_values_are_not_templates() -> None:
    fields = FULL | {"display_name": "{employee_id}"}
    assert render("{display_name}", fields) == "{employee_id}"


def test_control_characters_and_newlines_are_flattened() -> None:
    fields = FULL | {"display_name": "Li\nWei\t\x00 "}
    assert render("{display_name}", fields) == "Li Wei"


def test_long_names_are_truncated_with_an_ellipsis() -> None:
    fields = FULL | {"display_name": "Maximilian Alexander " * 10}
    text = render(DEFAULT, fields)
    name = text.split(" · ")[0]
    assert name.endswith("…") and width(name) <= MAX_FIELD_WIDTH
    assert text.endswith("E-1024 · 2026-01-05")


def test_cjk_names_render_and_truncate_by_display_width() -> None:
    assert render(DEFAULT, FULL | {"display_name": "李伟"}) == "李伟 · E-1024 · 2026-01-05"
    long = render("{display_name}", FULL | {"display_name": "欧阳" * 30})
    assert long.endswith("…") and width(long) <= MAX_FIELD_WIDTH
    assert width("李伟") == 4 and truncate("李伟李伟", 5) == "李伟…"


def test_combining_marks_stay_with_their_letter() -> None:
    assert truncate("Zoe\u0301" * 20, 10) == "Zoe\u0301" * 3 + "…"
    assert truncate("e\u0301" * 3, 2) == "e\u0301…"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.dictionaries(st.sampled_from(list(FULL)), st.text(max_size=200)))
def test_any_template_and_any_values_render(template: str, fields: dict[str, str]) -> None:
    text = render(template, fields)
    assert "\n" not in text and width(text) <= MAX_TEXT_WIDTH


VIEWER = Viewer(
    display_name="李伟", username="liwei", employee_id="E-1024", device_name="LW-LAPTOP"
)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def clock_at(when: dt.datetime) -> FakeClock:
    return FakeClock(when)


def test_spec_is_none_when_the_policy_is_off() -> None:
    assert watermark_spec(OrgPolicy(), VIEWER, clock=FakeClock(), zone=SHANGHAI) is None


def test_spec_uses_the_viewers_local_date() -> None:
    clock = clock_at(dt.datetime(2026, 1, 5, 20, 0, tzinfo=dt.UTC))  # 04:00 next day in Shanghai
    spec = watermark_spec(OrgPolicy(watermark_enabled=True), VIEWER, clock=clock, zone=SHANGHAI)
    assert spec is not None
    assert spec.text == "李伟 · E-1024 · 2026-01-06"
    assert spec.opacity == pytest.approx(0.08)
    assert spec.angle == -30.0
    assert spec.spacing == (360, 220)
    assert spec.refresh_at == dt.datetime(2026, 1, 6, 16, 0, tzinfo=dt.UTC)  # Shanghai midnight


def test_a_template_with_time_refreshes_every_minute() -> None:
    clock = clock_at(dt.datetime(2026, 1, 5, 9, 30, 15, tzinfo=dt.UTC))
    policy = OrgPolicy(
        watermark_enabled=True, watermark_template="{username} {time} @{device_name}"
    )
    spec = watermark_spec(policy, VIEWER, clock=clock, zone=ZoneInfo("UTC"))
    assert spec is not None and spec.text == "liwei 09:30 @LW-LAPTOP"
    assert spec.refresh_at == dt.datetime(2026, 1, 5, 9, 31, tzinfo=dt.UTC)


def test_a_template_without_clock_fields_never_needs_a_refresh() -> None:
    policy = OrgPolicy(watermark_enabled=True, watermark_template="{username}")
    spec = watermark_spec(policy, VIEWER, clock=FakeClock(), zone=SHANGHAI)
    assert spec is not None and spec.refresh_at is None


def test_an_empty_rendering_draws_nothing() -> None:
    policy = OrgPolicy(watermark_enabled=True, watermark_template="{salary}")
    assert watermark_spec(policy, VIEWER, clock=FakeClock(), zone=SHANGHAI) is None


@pytest.mark.parametrize(
    ("given_opacity", "expected"),
    [
        (0.0, OPACITY_RANGE[0]),
        (-1.0, OPACITY_RANGE[0]),
        (1.0, OPACITY_RANGE[1]),
        (0.1, 0.1),
        (float("nan"), 0.08),
    ],
)
def test_opacity_is_clamped(given_opacity: float, expected: float) -> None:
    policy = OrgPolicy(watermark_enabled=True, watermark_opacity=given_opacity)
    spec = watermark_spec(policy, VIEWER, clock=FakeClock(), zone=SHANGHAI)
    assert spec is not None and spec.opacity == pytest.approx(expected)


@pytest.mark.parametrize(
    ("given_angle", "expected"),
    [(-30.0, -30.0), (150.0, -30.0), (200.0, 20.0), (-90.0, 90.0), (float("inf"), -30.0)],
)
def test_angle_is_folded_to_readable_range(given_angle: float, expected: float) -> None:
    policy = OrgPolicy(watermark_enabled=True, watermark_angle=given_angle)
    spec = watermark_spec(policy, VIEWER, clock=FakeClock(), zone=SHANGHAI)
    assert spec is not None and spec.angle == pytest.approx(expected)


@pytest.mark.parametrize(
    ("density", "spacing"),
    [
        (1.0, (360, 220)),
        (2.0, (180, 110)),
        (100.0, (90, 55)),
        (0.0, (1440, 880)),
        (float("nan"), (360, 220)),
    ],
)
def test_density_sets_tile_spacing_within_bounds(density: float, spacing: tuple[int, int]) -> None:
    policy = OrgPolicy(watermark_enabled=True, watermark_density=density)
    spec = watermark_spec(policy, VIEWER, clock=FakeClock(), zone=SHANGHAI)
    assert spec is not None and spec.spacing == spacing
