"""Connect a main window and its session to a :class:`StatusService` (the composition root's part)."""

from __future__ import annotations

import weakref
from functools import partial
from typing import TYPE_CHECKING

from app.client.session import Session
from app.core.clock import Clock
from app.features.status import StatusSettings, TopicActivity
from ui.status.menu import OpensStatusMenu, StatusChip
from ui.status.preferences import StatusPreferencesStore
from ui.status.service import StatusService, StatusSources
from ui.tasks import TaskGroup

if TYPE_CHECKING:
    from ui.mainwindow import MainWindow


def open_topic_of(window: MainWindow) -> TopicActivity | None:
    """The topic the window shows, as the in-app source sees it. DMs, groups and private channels
    are private: colleagues only learn "In a private conversation", never its name or topic."""
    conv, topic = window.open_place
    if conv is None or topic is None:
        return None
    return TopicActivity(
        title=topic.title,
        conversation_name=window.conversations.title(conv),
        private=conv.kind != "channel" or conv.private,
    )


def _open_topic_of_ref(ref: weakref.ref[MainWindow]) -> TopicActivity | None:
    window = ref()
    return open_topic_of(window) if window is not None else None


def attach_status(
    window: MainWindow,
    session: Session,
    *,
    sources: StatusSources | None = None,
    preferences: StatusPreferencesStore | None = None,
    timing: StatusSettings | None = None,
    clock: Clock | None = None,
) -> StatusService:
    """A status service for ``window`` (which owns it), started once the local copy says what
    the server last had for us. The service holds the window only weakly: a strong reference
    would make a cycle that Python's collector may break on any thread, and Qt widgets must
    only ever be destroyed on the GUI thread."""
    service = StatusService(
        api=session.api,
        open_topic=partial(_open_topic_of_ref, weakref.ref(window)),
        sources=sources,
        preferences=preferences,
        timing=timing,
        clock=clock,
        parent=window,
    )
    service.watch_window(window)
    window.document_opened.connect(service.on_document_opened)
    window.status = service
    chip = StatusChip(service, window)
    window.show_own_status(chip)
    OpensStatusMenu(chip, window.me_label)
    tasks = TaskGroup("status")

    async def start() -> None:
        me = await session.store.my_id()
        user = (await session.store.users()).get(me) if me is not None else None
        service.start(stored=user.status if user is not None else None)

    tasks.spawn(start())
    service.destroyed.connect(lambda *_: tasks.cancel_all())
    return service
