"""While off: which notifications may break through, and the one summary shown when work starts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal

from app.core.offhours.availability import Availability
from app.features.offhours.catchup import OffPeriod

BreakthroughRule = Literal["anyone", "manager_and_list", "never"]
Decision = Literal["notify", "silent"]


def may_break_through(
    rule: BreakthroughRule,
    sender_id: int,
    recipient_manager_id: int | None,
    allowed_ids: Collection[int],
    urgent: bool,
) -> bool:
    """Whether an urgent message (or an urge) from ``sender_id`` may wake an off recipient.
    Non-urgent messages never break through."""
    if not urgent:
        return False
    if rule == "anyone":
        return True
    if rule == "manager_and_list":
        return sender_id == recipient_manager_id or sender_id in allowed_ids
    return False


@dataclass(frozen=True)
class BreakthroughPolicy:
    """The recipient's own choice of who may wake them, with what it needs to decide."""

    rule: BreakthroughRule = "manager_and_list"
    manager_id: int | None = None
    allowed_ids: frozenset[int] = frozenset()


def notification_decision(
    availability: Availability,
    policy: BreakthroughPolicy,
    *,
    sender_id: int,
    urgent: bool,
    is_urge: bool = False,
) -> Decision:
    """Notify (sound, pop-up, tray flash) or stay silent; counts and storage are not affected."""
    if not availability.off:
        return "notify"
    wakes = may_break_through(
        policy.rule, sender_id, policy.manager_id, policy.allowed_ids, urgent or is_urge
    )
    return "notify" if wakes else "silent"


@dataclass(frozen=True)
class MissedMessage:
    """What the summary needs to know of a message that arrived while off."""

    message_id: int
    conversation_id: int
    conversation_name: str
    topic_id: int | None
    topic_title: str
    urgent: bool
    at: dt.datetime


@dataclass(frozen=True)
class DigestThread:
    """One topic (or a conversation's topic-less messages) in the digest."""

    conversation_id: int
    conversation_name: str
    topic_id: int | None
    topic_title: str
    message_ids: tuple[int, ...]
    urgent: int


@dataclass(frozen=True)
class OffSummary:
    """The one "while you were off" summary of an off period, grouped for the digest view."""

    off_since: dt.datetime
    ended_at: dt.datetime
    threads: tuple[DigestThread, ...]

    @property
    def messages(self) -> int:
        return sum(len(t.message_ids) for t in self.threads)

    @property
    def urgent(self) -> int:
        return sum(t.urgent for t in self.threads)

    def text(self) -> str:
        """E.g. "While you were off: 14 messages in 5 topics, 2 urgent"."""
        topics = sum(1 for t in self.threads if t.topic_id is not None)
        chats = len({t.conversation_id for t in self.threads if t.topic_id is None})
        places = [_count(topics, "topic"), _count(chats, "chat")]
        where = " and ".join(p for p in places if p)
        text = f"While you were off: {_count(self.messages, 'message')} in {where}"
        return f"{text}, {self.urgent} urgent" if self.urgent else text


def _count(n: int, noun: str) -> str:
    if n == 0:
        return ""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def summarise(missed: Iterable[MissedMessage], period: OffPeriod) -> OffSummary | None:
    """The summary of ``period`` from the messages the store holds for it (those created inside
    it count; duplicates once); None when nothing arrived, so a quiet night shows nothing."""
    unique = {m.message_id: m for m in missed if period.covers(m.at)}
    if not unique:
        return None
    return OffSummary(
        off_since=period.start, ended_at=period.end, threads=_group(list(unique.values()))
    )


def _group(missed: list[MissedMessage]) -> tuple[DigestThread, ...]:
    groups: dict[tuple[int, int | None], list[MissedMessage]] = {}
    for m in sorted(missed, key=lambda m: (m.at, m.message_id)):
        groups.setdefault((m.conversation_id, m.topic_id), []).append(m)
    threads = [
        DigestThread(
            conversation_id=conv,
            conversation_name=items[-1].conversation_name,
            topic_id=topic,
            topic_title=items[-1].topic_title,
            message_ids=tuple(m.message_id for m in items),
            urgent=sum(m.urgent for m in items),
        )
        for (conv, topic), items in groups.items()
    ]
    # Conversations by first arrival, topics inside them likewise (dicts keep insertion order).
    order: dict[int, int] = {}
    for conv, _topic in groups:
        order.setdefault(conv, len(order))
    return tuple(sorted(threads, key=lambda t: order[t.conversation_id]))
