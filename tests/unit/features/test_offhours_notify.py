"""Breakthrough rules, the notification gate and the one "while you were off" summary."""

from __future__ import annotations

import datetime as dt

import pytest

from app.features.offhours import (
    Availability,
    BreakthroughPolicy,
    BreakthroughRule,
    MissedMessage,
    WhileOffCollector,
    may_break_through,
    notification_decision,
)

T0 = dt.datetime(2026, 1, 5, 20, tzinfo=dt.UTC)
OFF = Availability(off=True, until=T0 + dt.timedelta(hours=13), reason="off_hours")
WORKING = Availability(off=False, until=T0 + dt.timedelta(hours=8), reason="working")
MANAGER, FRIEND, STRANGER = 7, 8, 9


@pytest.mark.parametrize(
    ("rule", "sender", "urgent", "expected"),
    [
        ("anyone", STRANGER, True, True),
        ("anyone", STRANGER, False, False),
        ("manager_and_list", MANAGER, True, True),
        ("manager_and_list", FRIEND, True, True),
        ("manager_and_list", STRANGER, True, False),
        ("manager_and_list", MANAGER, False, False),
        ("never", MANAGER, True, False),
    ],
)
def test_breakthrough_rules(
    rule: BreakthroughRule, sender: int, urgent: bool, expected: bool
) -> None:
    assert may_break_through(rule, sender, MANAGER, {FRIEND}, urgent) is expected


def test_no_manager_means_only_the_list() -> None:
    assert not may_break_through("manager_and_list", STRANGER, None, (), True)


def test_gate_notifies_while_working_and_silences_while_off() -> None:
    policy = BreakthroughPolicy(rule="manager_and_list", manager_id=MANAGER)
    assert notification_decision(WORKING, policy, sender_id=STRANGER, urgent=False) == "notify"
    assert notification_decision(OFF, policy, sender_id=STRANGER, urgent=False) == "silent"
    assert notification_decision(OFF, policy, sender_id=STRANGER, urgent=True) == "silent"
    assert notification_decision(OFF, policy, sender_id=MANAGER, urgent=True) == "notify"
    assert (
        notification_decision(OFF, policy, sender_id=MANAGER, urgent=False, is_urge=True)
        == "notify"
    )
    never = BreakthroughPolicy(rule="never", manager_id=MANAGER)
    assert notification_decision(OFF, never, sender_id=MANAGER, urgent=True) == "silent"


def missed(
    mid: int, conv: int, topic: int | None, *, urgent: bool = False, minutes: int = 0
) -> MissedMessage:
    return MissedMessage(
        message_id=mid,
        conversation_id=conv,
        conversation_name=f"conv {conv}",
        topic_id=topic,
        topic_title=f"topic {topic}" if topic else "",
        urgent=urgent,
        at=T0 + dt.timedelta(minutes=minutes),
    )


def test_one_summary_when_work_starts_grouped_by_conversation_and_topic() -> None:
    collector = WhileOffCollector()
    assert collector.update(OFF, T0) is None
    for m in [
        missed(1, 10, 100, minutes=1),
        missed(2, 20, 200, urgent=True, minutes=2),
        missed(3, 10, 101, minutes=3),
        missed(4, 10, 100, minutes=4),
        missed(5, 30, None, urgent=True, minutes=5),
    ]:
        assert collector.add(m, OFF)
    assert collector.update(OFF, T0 + dt.timedelta(hours=1)) is None
    start = T0 + dt.timedelta(hours=13)
    summary = collector.update(WORKING, start)
    assert summary is not None
    assert summary.text() == "While you were off: 5 messages in 3 topics and 1 chat, 2 urgent"
    assert (summary.off_since, summary.ended_at) == (T0, start)
    assert [(t.conversation_id, t.topic_id, t.message_ids) for t in summary.threads] == [
        (10, 100, (1, 4)),
        (10, 101, (3,)),
        (20, 200, (2,)),
        (30, None, (5,)),
    ]
    # Never twice for the same off period.
    assert collector.update(WORKING, start) is None
    assert collector.update(WORKING, start + dt.timedelta(minutes=1)) is None


def test_the_next_off_period_gets_its_own_summary() -> None:
    collector = WhileOffCollector()
    collector.add(missed(1, 10, 100), OFF)
    assert collector.update(WORKING, T0 + dt.timedelta(hours=13)) is not None
    collector.update(OFF, T0 + dt.timedelta(days=1))
    collector.add(missed(2, 10, 100, minutes=24 * 60 + 5), OFF)
    second = collector.update(WORKING, T0 + dt.timedelta(days=1, hours=13))
    assert second is not None and second.text() == "While you were off: 1 message in 1 topic"


def test_nothing_arrived_means_no_summary() -> None:
    collector = WhileOffCollector()
    collector.update(OFF, T0)
    assert collector.update(WORKING, T0 + dt.timedelta(hours=13)) is None


def test_messages_while_working_and_duplicates_are_not_collected() -> None:
    collector = WhileOffCollector()
    assert not collector.add(missed(1, 10, 100), WORKING)
    assert collector.add(missed(2, 10, 100), OFF)
    assert not collector.add(missed(2, 10, 100), OFF)  # redelivered by sync
    assert collector.pending == 1
    summary = collector.update(WORKING, T0 + dt.timedelta(hours=1))
    assert summary is not None and summary.messages == 1 and summary.urgent == 0
