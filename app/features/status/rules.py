"""Rules turn a foreground window into what colleagues see; only a rule's output ever leaves.

A rule matches an app (a regex searched, case-insensitively, in the window's app id and app name)
and a title (a regex whose named group ``doc`` captures the document name). Its template may use
``{doc}`` and nothing else. The first matching rule decides; a "never share" rule hides the window
completely; a window no rule matches shows nothing, or "Busy" if the user chose so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from app.features.status.sources import ForegroundWindow

Unmatched = Literal["nothing", "busy"]
MAX_TITLE = 512  # bounds the work a user's regex can do on a hostile title
MAX_DOC = 80
_DIRTY_MARKS = "*●•✱ "


@dataclass(frozen=True)
class RuleOutput:
    text: str
    emoji: str


BUSY = RuleOutput("Busy", "⏳")


@dataclass(frozen=True)
class Rule:
    name: str
    app: str
    title: str = r"^(?P<doc>.+)$"
    template: str = "Editing: {doc}"
    emoji: str = "📝"
    share: bool = True
    _app_re: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _title_re: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "_app_re", re.compile(self.app, re.IGNORECASE))
            object.__setattr__(self, "_title_re", re.compile(self.title))
        except re.error as exc:
            raise ValueError(f"rule {self.name!r}: invalid pattern: {exc}") from exc
        rest = self.template.replace("{doc}", "")
        if "{" in rest or "}" in rest:
            raise ValueError(f"rule {self.name!r}: the template may only use {{doc}}")

    def matches_app(self, window: ForegroundWindow) -> bool:
        return any(self._app_re.search(s) for s in (window.app_id, window.app_name) if s)

    def matches_title(self, window: ForegroundWindow) -> bool:
        return self._title_re.search(window.title[:MAX_TITLE]) is not None

    def output(self, window: ForegroundWindow) -> RuleOutput | None:
        """This rule's output for ``window``; None when the title does not fit the rule."""
        match = self._title_re.search(window.title[:MAX_TITLE])
        if match is None:
            return None
        doc = ""
        if "doc" in self._title_re.groupindex:
            doc = _clean_doc(match.group("doc") or "")
        if "{doc}" in self.template and not doc:
            return None
        return RuleOutput(self.template.replace("{doc}", doc), self.emoji)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "app": self.app,
            "title": self.title,
            "template": self.template,
            "emoji": self.emoji,
            "share": self.share,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        try:
            return cls(
                name=str(data["name"]),
                app=str(data["app"]),
                title=str(data.get("title", r"^(?P<doc>.+)$")),
                template=str(data.get("template", "Editing: {doc}")),
                emoji=str(data.get("emoji", "📝")),
                share=bool(data.get("share", True)),
            )
        except KeyError as exc:
            raise ValueError(f"malformed rule: missing {exc}") from exc


def _clean_doc(doc: str) -> str:
    doc = " ".join(doc.split()).strip(_DIRTY_MARKS)  # unsaved-changes markers are not the name
    return doc if len(doc) <= MAX_DOC else doc[: MAX_DOC - 1].rstrip() + "…"


def evaluate(
    rules: Sequence[Rule], window: ForegroundWindow | None, unmatched: Unmatched = "nothing"
) -> RuleOutput | None:
    """What colleagues see for ``window``. The first rule whose app and title match decides."""
    if window is None:
        return None
    for rule in rules:
        if not rule.matches_app(window):
            continue
        if not rule.share:
            if rule.matches_title(window):
                return None
            continue
        out = rule.output(window)
        if out is not None:
            return out
    return BUSY if unmatched == "busy" else None


def preview(
    rules: Sequence[Rule], window: ForegroundWindow | None, unmatched: Unmatched = "nothing"
) -> str | None:
    """Exactly the text colleagues would see for ``window``, for the live preview in settings."""
    out = evaluate(rules, window, unmatched)
    return out.text if out else None


_SEP = r"\s+[-–—]\s+"
_MS_NOISE = rf"(?:{_SEP}(?:Compatibility Mode|Read-Only|AutoRecovered|Saved(?: to [^-–—]+)?|Protected View))*"
_LO_DOC = rf"^(?P<doc>.+?){_SEP}LibreOffice "


def _office(app: str, title_app: str, emoji: str) -> Rule:
    # Windows: "Q3 plan.xlsx - Excel"; old Windows: "Microsoft Excel - Q3 plan.xlsx"; macOS: "Q3 plan.xlsx".
    title = (
        rf"^(?:Microsoft {title_app}{_SEP})?(?!(?:Microsoft )?{title_app}$)(?P<doc>.+?)(?:\s*\[[^\]]*\])?"
        rf"{_MS_NOISE}(?:{_SEP}(?:Microsoft )?{title_app})?$"
    )
    return Rule(name=f"Microsoft {title_app}", app=app, title=title, emoji=emoji)


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("LibreOffice Writer", r"libreoffice|soffice", _LO_DOC + "Writer$", emoji="📝"),
    Rule("LibreOffice Calc", r"libreoffice|soffice", _LO_DOC + "Calc$", emoji="📊"),
    Rule("LibreOffice Impress", r"libreoffice|soffice", _LO_DOC + "Impress$", emoji="📽️"),
    _office(r"winword|microsoft word|com\.microsoft\.word", "Word", "📝"),
    _office(r"excel", "Excel", "📊"),
    _office(r"powerpnt|powerpoint", "PowerPoint", "📽️"),
    Rule(
        "Adobe Acrobat",
        r"acrobat|acrord32|com\.adobe\.(reader|acrobat)",
        rf"^(?P<doc>.+?)(?:{_SEP}Adobe Acrobat.*)?$",
        "Reading: {doc}",
        "📄",
    ),
    Rule("Okular", r"okular", rf"^(?P<doc>.+?)(?:{_SEP}Okular)?$", "Reading: {doc}", "📄"),
    Rule("Evince", r"evince|document viewer", r"^(?P<doc>.+)$", "Reading: {doc}", "📄"),
    Rule(
        "Preview", r"^preview$|com\.apple\.preview", r"^(?P<doc>.+\.pdf)\b", "Reading: {doc}", "📄"
    ),
    # "● main.py - courtyard - Visual Studio Code": the file, not the project.
    Rule(
        "Visual Studio Code",
        r"^code$|code\.exe|visual studio code|com\.microsoft\.vscode",
        rf"^(?P<doc>.+?)(?:{_SEP}.+?)?{_SEP}Visual Studio Code$",
    ),
    # "courtyard – engine.py" (project – file); older: "courtyard [~/src] – …/engine.py".
    Rule(
        "PyCharm",
        r"pycharm|jetbrains-pycharm|com\.jetbrains\.pycharm",
        r"^.+?\s[–—-]\s(?:.*[\\/])?(?P<doc>[^\\/]+)$",
    ),
)


def deciding_rule(rules: Sequence[Rule], window: ForegroundWindow | None) -> Rule | None:
    """The rule that decides what colleagues see for ``window`` (shares or hides it); None when
    no rule matches. For the status's "from <app>" label and the rules editor's preview."""
    if window is None:
        return None
    for rule in rules:
        if rule.matches_app(window) and (
            rule.output(window) is not None if rule.share else rule.matches_title(window)
        ):
            return rule
    return None
