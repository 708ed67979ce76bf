"""The one "while you were off" summary per off period, built from the local store.

The night's messages usually arrive by catch-up sync after work has started (the app was closed),
so nothing is counted on arrival: when :func:`due_period` says an off period ended that was not
summarised yet, its still-unread messages from others are read from the store, and the period's
end is recorded in the account's store before the summary is handed out, so it shows exactly once
per period, across restarts too, and whether the app ran through the night or not.
"""

from __future__ import annotations

import datetime as dt
import logging

from app.client.store import Store
from app.core import wire
from app.features.offhours import MissedMessage, OffSummary, due_period, summarise
from app.features.offhours.directory import schedule_of
from ui.models.conversations import ConversationListModel

log = logging.getLogger(__name__)

SUMMARISED_KEY = "offhours.summarised_until"
"""Store setting: the end (UTC, ISO) of the last off period summarised."""


class SummaryKeeper:
    """Decides (with the pure :func:`due_period`) and builds the summary; remembers the last one."""

    def __init__(self, store: Store, conversations: ConversationListModel) -> None:
        self._store = store
        self._conversations = conversations
        self._summarised: dt.datetime | None = None
        self._loaded = False
        self._busy = False
        self._topic_titles: dict[int, str] = {}

    def forget_topic_titles(self) -> None:
        self._topic_titles.clear()

    async def summarised_until(self) -> dt.datetime | None:
        if not self._loaded:
            raw = await self._store.setting(SUMMARISED_KEY)
            try:
                self._summarised = dt.datetime.fromisoformat(raw) if raw else None
            except ValueError:
                log.warning("ignoring an unreadable %s setting", SUMMARISED_KEY)
            self._loaded = True
        return self._summarised

    async def check(
        self, me: wire.User, default: wire.Schedule | None, now: dt.datetime
    ) -> OffSummary | None:
        """The summary due at ``now`` (recorded as given), or None. Not re-entered: a check
        already running answers None for the others."""
        if self._busy:
            return None
        self._busy = True
        try:
            done = await self.summarised_until()
            period = due_period(schedule_of(me, default), me.dnd_until, now, done)
            if period is None:
                return None
            missed = [
                MissedMessage(
                    message_id=m.id,
                    conversation_id=m.conversation_id,
                    conversation_name=self._conversation_name(m.conversation_id),
                    topic_id=m.topic_id,
                    topic_title=await self._topic_title(m.conversation_id, m.topic_id),
                    urgent=m.urgent,
                    at=m.created_at,
                )
                for m in await self._store.unread_from_others(period.start)
                if m.id is not None and period.covers(m.created_at)
            ]
            # Recorded before it is shown: a crash in between loses one summary, never repeats it.
            await self._store.set_setting(SUMMARISED_KEY, period.end.isoformat())
            self._summarised = period.end
            return summarise(missed, period)
        finally:
            self._busy = False

    def _conversation_name(self, conversation_id: int) -> str:
        model = self._conversations
        conv = model.conversation(model.row_of(conversation_id))
        if conv is None:
            return "a conversation"
        return ("#" if conv.kind == "channel" else "") + model.title(conv)

    async def _topic_title(self, conversation_id: int, topic_id: int | None) -> str:
        if topic_id is None:
            return ""
        if topic_id not in self._topic_titles:
            for t in await self._store.topics(conversation_id):
                self._topic_titles[t.id] = t.title
        return self._topic_titles.get(topic_id, "a topic")
