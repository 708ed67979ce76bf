"""A lively demo organisation, so a newcomer's first `make run` shows the real thing.

`populate` creates people, channels, topics and a few days of history once; `colleagues_chat`
keeps demo colleagues posting now and then while the demo server runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid

from sqlalchemy import select

from app.core import wire
from app.server import auth
from app.server.actions import accounts, conversations, messages, receipts, status
from app.server.actions.base import Tx
from app.server.auth import Caller
from app.server.db.schema import conversations as conversations_table
from app.server.db.schema import topics as topics_table
from app.server.db.schema import users as users_table
from app.server.service import Service

PEOPLE = [
    # username, display name, employee id, title, department, manager, time zone
    ("li.wei", "Li Wei", "E-1002", "Head of finance", "Finance", None, "Asia/Shanghai"),
    ("demo", "Dana Demo", "E-1001", "Product manager", "Product", "li.wei", "Europe/Berlin"),
    (
        "amara",
        "Amara Okafor",
        "E-1003",
        "Engineering lead",
        "Engineering",
        "li.wei",
        "Europe/London",
    ),
    ("jonas", "Jonas Berg", "E-1004", "Backend engineer", "Engineering", "amara", "Europe/Berlin"),
    ("sofia", "Sofia Martins", "E-1005", "Designer", "Product", "amara", "Europe/Lisbon"),
    ("kenji", "Kenji Sato", "E-1006", "Accountant", "Finance", "li.wei", "Asia/Tokyo"),
    ("priya", "Priya Nair", "E-1007", "Support lead", "Support", "amara", "Asia/Kolkata"),
]

CHANNELS = {
    "general": (False, ["Welcome", "Office move in December"]),
    "finance": (False, ["Q3 budget review", "Supplier contract v4", "Travel policy update"]),
    "engineering": (False, ["Release 2.4", "Flaky login test", "On-call rota"]),
    "design": (False, ["New onboarding flow"]),
}

LINKS = {
    "Q3 budget review": ("https://docs.example.com/finance/q3-budget.xlsx", "Q3 budget.xlsx"),
    "Supplier contract v4": ("https://docs.example.com/legal/supplier-v4.docx", "Contract v4"),
    "Release 2.4": ("https://tracker.example.com/milestone/24", "Milestone 2.4"),
}

LINES = {
    "Welcome": [
        "Welcome to Courtyard, everyone! Topics keep each discussion in one place.",
        "Nice. Can we close topics once they're settled?",
        "Yes: close it and it stays searchable, like a knowledge base.",
        "大家好！欢迎使用 Courtyard。",
    ],
    "Office move in December": [
        "Movers come on the 12th. Please pack your desks by the 11th.",
        "Will the meeting rooms keep their names?",
        "They will, and the kitchen gets a second coffee machine ☕",
    ],
    "Q3 budget review": [
        "@kenji can you reconcile the travel line before Thursday?",
        "On it. Travel is 4% over, mostly the Lisbon offsite.",
        "Fine if we stay under the quarterly cap. Let's decide on Thursday.",
        "I've updated the sheet with the September actuals.",
        "会议纪要已上传，请大家查看。",
    ],
    "Supplier contract v4": [
        "Legal signed off on v4. Payment terms are 45 days now.",
        "Great, closing this topic.",
    ],
    "Travel policy update": [
        "Draft of the new travel policy is in the wiki; comments by Friday please.",
        "Rail under 5 hours instead of flights? I like it.",
    ],
    "Release 2.4": [
        "Release branch is cut. QA starts tomorrow.",
        "Migration scripts are tested on a copy of production.",
        "Changelog draft is ready for review, @sofia the screenshots are yours.",
        "Screenshots attached to the ticket.",
    ],
    "Flaky login test": [
        "The login test failed twice tonight on CI.",
        "It's the rate limiter: the test logs in 11 times. Fixing.",
        "Fixed in main; closing.",
    ],
    "On-call rota": [
        "Next week: Jonas, then Priya.",
        "Swapped with Priya for Wednesday, rota updated.",
    ],
    "New onboarding flow": [
        "New onboarding mockups are up. Three screens instead of five.",
        "Love the progress bar. Can we skip the avatar step?",
        "Yes, moving it to settings.",
    ],
}

LIVE_LINES = [
    "Quick reminder: stand-up moves to 10:15 today.",
    "Has anyone seen the updated org chart?",
    "Pushed a fix for the export bug, review welcome.",
    "Lunch at the new ramen place, anyone?",
    "The numbers for October are in the sheet.",
    "Thanks for the quick turnaround, much appreciated!",
    "Can we move tomorrow's review to 15:00?",
    "Customer call went well; notes in the topic.",
    "新版本已经部署到测试环境。",
    "会議は15時からに変更になりました。",
]

# What a few colleagues' workday statuses say when the demo starts (issue 5).
DEMO_STATUSES: list[tuple[str, str, str, wire.StatusSource]] = [
    ("li.wei", "Editing: Q3 budget.xlsx", "📊", "app"),
    ("jonas", "In topic: Flaky login test · #engineering", "💬", "topic"),
    ("sofia", "Focusing on launch visuals", "🎨", "manual"),
]


def populate(tx: Tx, *, password: str) -> bool:
    """Create the demo organisation unless it exists; True when it was created."""
    if tx.conn.execute(select(users_table.c.id).where(users_table.c.username == "demo")).first():
        return False
    start = tx.now
    hashed = auth.hash_password(password)
    ids: dict[str, int] = {}
    for username, name, emp, title, dept, manager, zone in PEOPLE:
        ids[username] = accounts.create_user(
            tx,
            username=username,
            password_hash=hashed,
            display_name=name,
            employee_id=emp,
            title=title,
            department=dept,
            manager_id=ids.get(manager) if manager else None,
            time_zone=zone,
            admin=username == "li.wei",
        ).id
    rng = random.Random(7)
    everyone = list(ids.values())
    when = tx.now = start - dt.timedelta(days=3)
    for channel, (private, topic_titles) in CHANNELS.items():
        creator = Caller(ids["li.wei"], 0, True)
        conv, _ = conversations.create(
            tx,
            creator,
            wire.ConversationCreate(
                kind="channel", name=channel, private=private, members=everyone
            ),
        )
        for title in topic_titles:
            link = LINKS.get(title)
            topic = conversations.create_topic(
                tx,
                creator,
                conv.id,
                wire.TopicCreate(
                    title=title, link=wire.TopicLink(url=link[0], label=link[1]) if link else None
                ),
            )
            for line in LINES.get(title, []):
                when += dt.timedelta(minutes=rng.randint(3, 90))
                sender = ids[rng.choice([p[0] for p in PEOPLE[1:]])]
                _post(tx, when, sender, conv.id, line, topic.id)
            if title in {"Supplier contract v4", "Flaky login test"}:
                conversations.patch_topic(tx, creator, topic.id, wire.TopicPatch(closed=True))
    group, _ = conversations.create(
        tx,
        Caller(ids["amara"], 0, False),
        wire.ConversationCreate(
            kind="group", name="Launch crew", members=[ids["demo"], ids["jonas"], ids["sofia"]]
        ),
    )
    for who, line in [
        ("amara", "Launch checklist is pinned. Please tick your items."),
        ("jonas", "Backend items done ✅"),
        ("sofia", "Store screenshots exported."),
    ]:
        when += dt.timedelta(minutes=rng.randint(5, 40))
        _post(tx, when, ids[who], group.id, line, None)
    for other, line in [
        ("li.wei", "Do you have five minutes for the budget before Thursday?"),
        ("jonas", "The staging server is back up."),
    ]:
        dm, _ = conversations.create(
            tx,
            Caller(ids[other], 0, False),
            wire.ConversationCreate(kind="dm", members=[ids["demo"]]),
        )
        when += dt.timedelta(minutes=rng.randint(5, 40))
        _post(tx, when, ids[other], dm.id, line, None)
    tx.now = start
    for who, text, emoji, source in DEMO_STATUSES:
        req = wire.StatusSet(text=text, emoji=emoji, source=source)
        status.set_status(tx, Caller(ids[who], 0, False), req)
    return True


def _post(tx: Tx, when: dt.datetime, sender: int, cid: int, body: str, topic: int | None) -> None:
    tx.now = when
    message, _ = messages.send(
        tx,
        Caller(sender, 0, False),
        cid,
        wire.MessageCreate(client_msg_id=uuid.uuid4().hex, body=body, topic_id=topic),
    )
    receipts.mark_read(tx, Caller(sender, 0, False), cid, message.id)


async def colleagues_chat(service: Service, *, every: tuple[float, float] = (20.0, 60.0)) -> None:
    """Post a line from a random colleague into a random open topic now and then, forever."""
    rng = random.Random()
    while True:
        await asyncio.sleep(rng.uniform(*every))
        await service.system_write(_live_post, rng.choice(LIVE_LINES), rng.random())


def _live_post(tx: Tx, line: str, pick: float) -> None:
    people = (
        tx.conn.execute(
            select(users_table.c.id).where(users_table.c.username != "demo", users_table.c.active)
        )
        .scalars()
        .all()
    )
    open_topics = tx.conn.execute(
        select(topics_table.c.id, topics_table.c.conversation_id)
        .join(conversations_table, conversations_table.c.id == topics_table.c.conversation_id)
        .where(topics_table.c.closed.is_(False), conversations_table.c.kind == "channel")
        .order_by(topics_table.c.id)
    ).all()
    if not people or not open_topics:
        return
    topic_id, cid = open_topics[int(pick * len(open_topics)) % len(open_topics)]
    sender = people[int(pick * 997) % len(people)]
    messages.send(
        tx,
        Caller(int(sender), 0, False),
        int(cid),
        wire.MessageCreate(client_msg_id=uuid.uuid4().hex, body=line, topic_id=int(topic_id)),
    )
