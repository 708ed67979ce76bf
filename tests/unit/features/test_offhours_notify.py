"""Breakthrough rules, the notification gate and the one "while you were off" summary."""

from __future__ import annotations

import datetime as dt

import pytest

from app.features.offhours import (
    Availability,
    BreakthroughPolicy,
    BreakthroughRule,
    MissedMessage,
    OffPeriod,
    may_break_through,
    notification_decision,
    summarise,
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


PERIOD = OffPeriod(T0, T0 + dt.timedelta(hours=13))


def test_the_summary_groups_by_conversation_and_topic_and_counts_urgent() -> None:
    summary = summarise(
        [
            missed(1, 10, 100, minutes=1),
            missed(2, 20, 200, urgent=True, minutes=2),
            missed(3, 10, 101, minutes=3),
            missed(4, 10, 100, minutes=4),
            missed(5, 30, None, urgent=True, minutes=5),
        ],
        PERIOD,
    )
    assert summary is not None
    assert summary.text() == "While you were off: 5 messages in 3 topics and 1 chat, 2 urgent"
    assert (summary.off_since, summary.ended_at) == (PERIOD.start, PERIOD.end)
    assert [(t.conversation_id, t.topic_id, t.message_ids) for t in summary.threads] == [
        (10, 100, (1, 4)),
        (10, 101, (3,)),
        (20, 200, (2,)),
        (30, None, (5,)),
    ]


def test_only_messages_inside_the_period_count_and_each_once() -> None:
    before = missed(1, 10, 100, minutes=-1)
    inside = missed(2, 10, 100, minutes=5)
    at_end = missed(3, 10, 100, minutes=13 * 60)  # work had started: not "while off"
    summary = summarise([before, inside, inside, at_end], PERIOD)
    assert summary is not None and summary.messages == 1 and summary.urgent == 0
    assert summary.text() == "While you were off: 1 message in 1 topic"


def test_nothing_arrived_means_no_summary() -> None:
    assert summarise([], PERIOD) is None
    assert summarise([missed(1, 10, 100, minutes=-5)], PERIOD) is None
