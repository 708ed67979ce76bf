"""The watermark's text and drawing parameters, from the organisation's policy and the viewer.

The template comes from an admin and must never break the app: ``{field}`` placeholders are
filled from a fixed set of fields, ``{{``/``}}`` are literal braces, and anything else (unknown
fields, stray or unclosed braces, format specs) renders without raising. A field that is empty
takes its separator with it, so "{display_name} · {employee_id} · {date}" without an employee ID
reads "Li Wei · 2026-01-05", never "Li Wei ·  · 2026-01-05".
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app.core.clock import Clock
from app.core.wire import OrgPolicy

FIELDS = ("display_name", "username", "employee_id", "date", "time", "device_name")
#: Display width (CJK characters count 2) per field, and for the whole text.
MAX_FIELD_WIDTH = 40
MAX_TEXT_WIDTH = 120
OPACITY_RANGE = (0.02, 0.35)
DENSITY_RANGE = (0.25, 4.0)
#: Distance between tiles, in logical pixels, at density 1.
BASE_SPACING = (360, 220)
DEFAULT_OPACITY = OrgPolicy().watermark_opacity

_FIELD = re.compile(r"\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:[:!][^{}]*)?\}")
_OPENERS = "([{（【「『<"
_CLOSERS = ")]}）】」』>"
_END_JUNK = " \t，、·•|/\\,;:-–—"
_OPENING = re.compile(
    r"(?:(?<![^\s(\[（【「『<])[^\W\d_][\w.\-]*(?: [\w.\-]+)*[:：]\s*)?[(\[（【「『<\s]*$"
)


@dataclass(frozen=True)
class _Slot:
    sep: str  # text before the field that only makes sense after an earlier field
    opening: str  # brackets that open just before the field
    value: str
    closing: str  # brackets that close just after the field


def _tokens(template: str) -> list[str | tuple[str]]:
    """Literal strings and 1-tuples of field names; never raises."""
    out: list[str | tuple[str]] = []
    literal: list[str] = []
    i = 0
    while i < len(template):
        if template.startswith("{{", i) or template.startswith("}}", i):
            literal.append(template[i])
            i += 2
            continue
        match = _FIELD.match(template, i) if template[i] == "{" else None
        if match:
            out.append("".join(literal))
            literal = []
            out.append((match.group(1),))
            i = match.end()
            continue
        literal.append(template[i])  # a stray brace is just text
        i += 1
    out.append("".join(literal))
    return out


def _split_opening(text: str) -> tuple[str, str]:
    """Split the text before a field into what stands between fields and what belongs to the
    field: opening brackets and a label such as "ID: " (both vanish with an empty field)."""
    match = _OPENING.search(text)
    cut = match.start() if match else len(text)
    while cut < len(text) and text[cut] == " ":
        cut += 1
    return text[:cut], text[cut:]


def _split_closing(text: str) -> tuple[str, str]:
    stripped = text.lstrip(_CLOSERS)
    return text[: len(text) - len(stripped)], stripped


def width(text: str) -> int:
    """Display width: East Asian wide/full-width characters count 2, combining marks 0."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def truncate(text: str, max_width: int) -> str:
    """``text`` cut to ``max_width`` display columns with an ellipsis, never mid-character."""
    if width(text) <= max_width:
        return text
    out: list[str] = []
    used = 0
    for ch in text:
        w = 0 if unicodedata.combining(ch) else width(ch)
        if used + w > max_width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + "…"


def clean(value: str) -> str:
    """One line of printable text: control characters become spaces, runs of spaces collapse."""
    chars = (" " if unicodedata.category(c).startswith("C") else c for c in value)
    return " ".join("".join(chars).split())


def render(template: str, fields: Mapping[str, str]) -> str:
    """The template with ``fields`` filled in (unknown or missing fields are empty)."""
    tokens = _tokens(template)
    literals = [t for t in tokens if isinstance(t, str)]
    names = [t[0] for t in tokens if isinstance(t, tuple)]
    if not names:
        return truncate(clean(literals[0]).strip(_END_JUNK), MAX_TEXT_WIDTH)
    prefix, first_open = _split_opening(literals[0])
    slots: list[_Slot] = []
    opening = first_open
    sep = suffix = ""
    for i, name in enumerate(names):
        value = truncate(clean(fields.get(name, "") if name in FIELDS else ""), MAX_FIELD_WIDTH)
        closing, rest = _split_closing(literals[i + 1])
        slots.append(_Slot(sep, opening, value, closing))
        if i + 1 < len(names):
            sep, opening = _split_opening(rest)
        else:
            suffix = rest
    kept = [s for s in slots if s.value]
    body = "".join(
        (s.sep if n else "") + s.opening + s.value + s.closing for n, s in enumerate(kept)
    )
    text = clean(prefix + body + suffix).strip(_END_JUNK)
    return truncate(text, MAX_TEXT_WIDTH)


@dataclass(frozen=True)
class Viewer:
    """Who is looking at the screen, as far as the watermark needs to know."""

    display_name: str
    username: str
    employee_id: str = ""
    device_name: str = ""


@dataclass(frozen=True)
class WatermarkSpec:
    """Everything the overlay needs to paint: text, opacity, angle (degrees) and tile spacing
    (logical pixels); ``refresh_at`` is when the text changes (a new minute or day), or None."""

    text: str
    opacity: float
    angle: float
    spacing: tuple[int, int]
    refresh_at: dt.datetime | None


def _clamp(value: float, low: float, high: float, default: float) -> float:
    if math.isnan(value):
        return default
    return min(max(value, low), high)


def _angle(value: float) -> float:
    if not math.isfinite(value):
        return OrgPolicy().watermark_angle
    folded = math.fmod(value, 180.0)  # text at 200° reads the same as at 20°, upside down
    if folded > 90.0:
        folded -= 180.0
    elif folded <= -90.0:
        folded += 180.0
    return folded


def watermark_spec(
    policy: OrgPolicy, viewer: Viewer, *, clock: Clock, zone: ZoneInfo
) -> WatermarkSpec | None:
    """The watermark to draw now for ``viewer`` in ``zone``, or None when the policy is off (or
    the template renders to nothing)."""
    if not policy.watermark_enabled:
        return None
    local = clock.now().astimezone(zone)
    fields = {
        "display_name": viewer.display_name,
        "username": viewer.username,
        "employee_id": viewer.employee_id,
        "device_name": viewer.device_name,
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
    }
    text = render(policy.watermark_template, fields)
    if not text:
        return None
    density = _clamp(policy.watermark_density, *DENSITY_RANGE, default=1.0)
    spacing = (round(BASE_SPACING[0] / density), round(BASE_SPACING[1] / density))
    used = {t[0] for t in _tokens(policy.watermark_template) if isinstance(t, tuple)}
    refresh_at: dt.datetime | None = None
    if "time" in used:
        refresh_at = local.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    elif "date" in used:
        tomorrow = local.date() + dt.timedelta(days=1)
        refresh_at = dt.datetime.combine(tomorrow, dt.time(0), tzinfo=zone)
    return WatermarkSpec(
        text=text,
        opacity=_clamp(policy.watermark_opacity, *OPACITY_RANGE, default=DEFAULT_OPACITY),
        angle=_angle(policy.watermark_angle),
        spacing=spacing,
        refresh_at=refresh_at.astimezone(dt.UTC) if refresh_at else None,
    )
