"""Sharing rules: the defaults for office apps, never-share, the Busy fallback and the preview."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.features.status import (
    BUSY,
    DEFAULT_RULES,
    ForegroundWindow,
    Rule,
    RuleOutput,
    evaluate,
    preview,
)

W = ForegroundWindow


@pytest.mark.parametrize(
    ("window", "seen"),
    [
        (W("soffice.bin", "Q3 plan.xlsx - LibreOffice Calc"), "Editing: Q3 plan.xlsx"),
        (W("libreoffice-writer", "Letter.odt - LibreOffice Writer"), "Editing: Letter.odt"),
        (W("soffice", "Deck.odp — LibreOffice Impress"), "Editing: Deck.odp"),
        (W("EXCEL.EXE", "Q3 plan.xlsx - Excel"), "Editing: Q3 plan.xlsx"),
        (W("EXCEL.EXE", "Q3 plan.xlsx  -  Compatibility Mode - Excel"), "Editing: Q3 plan.xlsx"),
        (W("EXCEL.EXE", "Microsoft Excel - Q3 plan.xlsx"), "Editing: Q3 plan.xlsx"),
        (W("com.microsoft.Excel", "Q3 plan.xlsx", "Microsoft Excel"), "Editing: Q3 plan.xlsx"),
        (
            W("WINWORD.EXE", "Supplier contract v4.docx [Read-Only] - Word"),
            "Editing: Supplier contract v4.docx",
        ),
        (W("WINWORD.EXE", "Contract.docx - Saved to this PC - Word"), "Editing: Contract.docx"),
        (W("POWERPNT.EXE", "Board deck.pptx - PowerPoint"), "Editing: Board deck.pptx"),
        (W("AcroRd32.exe", "report.pdf - Adobe Acrobat Reader DC (64-bit)"), "Reading: report.pdf"),
        (W("okular", "report.pdf — Okular"), "Reading: report.pdf"),
        (W("evince", "report.pdf"), "Reading: report.pdf"),
        (W("com.apple.Preview", "report.pdf – Page 2 of 7", "Preview"), "Reading: report.pdf"),
        (W("code", "● main.py - courtyard - Visual Studio Code"), "Editing: main.py"),
        (W("Code.exe", "main.py - Visual Studio Code"), "Editing: main.py"),
        (W("jetbrains-pycharm", "courtyard – engine.py"), "Editing: engine.py"),
        (W("pycharm64.exe", "courtyard [~/src/courtyard] – …/app/engine.py"), "Editing: engine.py"),
    ],
)
def test_default_rules_extract_the_document_name(window: ForegroundWindow, seen: str) -> None:
    assert preview(DEFAULT_RULES, window) == seen


@pytest.mark.parametrize(
    "window",
    [
        W("firefox", "Salary review 2026 — Mozilla Firefox"),
        W("slack", "DM with HR - Slack"),
        W("EXCEL.EXE", "Excel"),  # the start screen: no document
        W("soffice.bin", "LibreOffice"),
        W("", ""),
    ],
)
def test_everything_else_maps_to_nothing_or_busy(window: ForegroundWindow) -> None:
    assert preview(DEFAULT_RULES, window) is None
    assert evaluate(DEFAULT_RULES, window, "busy") == BUSY


def test_no_window_is_nothing_even_with_busy() -> None:
    assert evaluate(DEFAULT_RULES, None, "busy") is None


def test_never_share_hides_an_app_even_with_busy() -> None:
    hide_excel = (Rule("No Excel", r"excel", r"", share=False), *DEFAULT_RULES)
    window = W("EXCEL.EXE", "Layoffs.xlsx - Excel")
    assert preview(hide_excel, window) is None
    assert evaluate(hide_excel, window, "busy") is None


def test_never_share_can_target_titles() -> None:
    hide_private = (Rule("Private", r"excel", r"(?i)private", share=False), *DEFAULT_RULES)
    assert preview(hide_private, W("EXCEL.EXE", "private budget.xlsx - Excel")) is None
    assert preview(hide_private, W("EXCEL.EXE", "Q3.xlsx - Excel")) == "Editing: Q3.xlsx"


def test_the_first_matching_rule_wins_and_custom_templates_work() -> None:
    rules = (
        Rule("Figma", r"figma", r"^(?P<doc>.+?) – Figma$", "Designing {doc}", "🎨"),
        *DEFAULT_RULES,
    )
    assert evaluate(rules, W("Figma", "Login flow – Figma")) == RuleOutput(
        "Designing Login flow", "🎨"
    )
    assert (
        preview((Rule("Zoom", r"zoom", r"", "On a call"),), W("zoom", "Zoom Meeting"))
        == "On a call"
    )


def test_a_rule_without_a_doc_group_cannot_leak_the_title_through_doc() -> None:
    rule = Rule("Odd", r"odd", r"^.*$", "Editing: {doc}")
    assert preview((rule,), W("odd", "secret.txt")) is None


def test_long_document_names_are_shortened_and_dirty_marks_dropped() -> None:
    out = preview(DEFAULT_RULES, W("code", "* " + "x" * 200 + ".py - Visual Studio Code"))
    assert out is not None and out.startswith("Editing: xxx") and out.endswith("…")
    assert len(out) <= len("Editing: ") + 80


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "bad app", "app": "("},
        {"name": "bad title", "app": "x", "title": "(?P<doc>"},
        {"name": "bad template", "app": "x", "template": "{doc} {window_title}"},
        {"name": "format tricks", "app": "x", "template": "{doc.__class__}"},
    ],
)
def test_invalid_rules_are_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Rule(**kwargs)


def test_rules_round_trip_through_dicts() -> None:
    for rule in DEFAULT_RULES:
        assert Rule.from_dict(rule.to_dict()) == rule
    with pytest.raises(ValueError):
        Rule.from_dict({"name": "no app"})


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789_.", max_size=20), st.text(min_size=4, max_size=60))
def test_unmatched_apps_never_leak_any_part_of_the_title(app: str, secret: str) -> None:
    window = W("unknownapp-" + app, f"{secret} - Secret App")
    assert evaluate(DEFAULT_RULES, window) is None
    assert evaluate(DEFAULT_RULES, window, "busy") == BUSY
