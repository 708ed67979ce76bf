"""Off-hours on the desktop: one object that knows the time and who is off, and acts on it.

- **Senders are told before they send.** When the composer moves to a direct message with
  someone who is off (or a group or channel with members who are), :class:`OffHoursBanner` says
  so in their time, with "Send as urgent"; a refused urgent send is explained there too.
- **While I am off I am not disturbed.** :meth:`gate_rule` is a NotificationGate rule: while off,
  only what my breakthrough rule lets through (urgent messages and urges, by default from anyone)
  notifies; counts and storage are untouched.
- **When work starts, one summary.** Once sync has caught up (the night's messages are in the
  store even if the app was closed), the first tick after an off period ends hands out its one
  summary (:attr:`summary_ready`), built from the store by :class:`SummaryKeeper`, which the
  window shows as the "While you were off" digest.

Availability is recomputed from the directory (schedule, zone, DND) with the injected clock on
every tick and every store change, the same function the server runs, so the app does not wait
for an event when someone's working day begins.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from app.client.changes import Changes
from app.client.outbox import Outbox
from app.client.rows import OutboxItem, StoredMessage
from app.client.store import Store
from app.core import wire
from app.core.clock import Clock
from app.core.errors import ApiError
from app.features.offhours import (
    Availability,
    BreakthroughPolicy,
    BreakthroughRule,
    group_hint,
    notification_decision,
    send_hint,
)
from app.features.offhours.directory import AvailabilityBook, zone_of_user
from ui.bridge import Bridge
from ui.models.conversations import ConversationListModel
from ui.offhours.banner import OffHoursBanner
from ui.offhours.breakthrough import BreakthroughRemote, BreakthroughSetting
from ui.offhours.catchup import SummaryKeeper
from ui.people import People
from ui.tasks import TaskGroup
from ui.widgets.composer import Composer

log = logging.getLogger(__name__)

TICK_MS = 15_000
"""How often time is looked at (work starting, DND running out, a colleague's day ending)."""
WORKING = Availability(off=False, until=None, reason="working")


class OffHoursRemote(BreakthroughRemote, Protocol):
    """The session's online calls for my own working hours, do-not-disturb and breakthrough."""

    async def set_schedule(self, schedule: wire.Schedule | None) -> wire.User: ...
    async def set_dnd(self, until: dt.datetime | None) -> wire.User: ...


class OffHours(QObject):
    summary_ready = Signal(object)
    """The one :class:`OffSummary` of an off period that just ended (something arrived)."""
    my_availability_did_change = Signal(object)
    """My :class:`Availability` changed (work started or ended, DND on or off)."""

    def __init__(
        self,
        *,
        store: Store,
        outbox: Outbox,
        people: People,
        conversations: ConversationListModel,
        composer: Composer,
        banner: OffHoursBanner,
        bridge: Bridge,
        clock: Clock,
        remote: OffHoursRemote | None = None,
        settings: QSettings | None = None,
        caught_up: Callable[[], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._outbox = outbox
        self.people = people
        self._conversations = conversations
        self._composer = composer
        self.banner = banner
        self.clock = clock
        self.remote = remote
        self.breakthrough = BreakthroughSetting(store, remote, settings, parent=self)
        self._tasks = TaskGroup("offhours")
        self.default_schedule: wire.Schedule | None = None
        self.summaries = SummaryKeeper(store, conversations)
        self._caught_up = caught_up or (lambda: True)
        """Whether sync has brought the store up to date (the summary waits for it)."""
        self.policy_loaded = False
        self._mine: tuple[Availability, dt.datetime | None] | None = None
        self._refused: tuple[OutboxItem, str] | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        bridge.store_did_change.connect(self.on_store_did_change)
        bridge.delivery_refused.connect(self.on_delivery_refused)
        bridge.connection_did_change.connect(self.on_connection_did_change)
        people.people_did_change.connect(self.refresh)
        composer.place_did_change.connect(self.on_composer_place_did_change)
        banner.send_urgent_requested.connect(self.on_banner_send_urgent_requested)
        banner.send_plain_requested.connect(self.on_banner_send_plain_requested)
        banner.dismissed.connect(self.on_banner_dismissed)

    def start(self) -> None:
        self._tasks.spawn(self._load_policy())
        self._tasks.spawn(self.breakthrough.load())
        self.timer.start()

    def on_connection_did_change(self, status: str) -> None:
        if status == "online":  # (again): agree with the server on who may wake me
            self._tasks.spawn(self.breakthrough.sync())

    def stop(self) -> None:
        self.timer.stop()
        self._tasks.cancel_all()

    async def _load_policy(self) -> None:
        self.default_schedule = (await self._store.policy()).default_schedule
        self.policy_loaded = True
        self.refresh()

    # --- who is off -------------------------------------------------------------------------

    def book(self) -> AvailabilityBook:
        return AvailabilityBook(self.default_schedule, self.clock.now())

    def me(self) -> wire.User | None:
        me = self.people.me_id
        return self.people.get(me) if me is not None else None

    def mine(self) -> Availability:
        """My availability now (working while the directory is not loaded yet)."""
        me = self.me()
        return self.book().of(me) if me is not None else WORKING

    def mine_when_sent(self, message: StoredMessage) -> Availability:
        """My availability by working hours when ``message`` was written: the night's messages,
        arriving by catch-up sync after work started, stay as quiet as if they had come at night
        (the summary tells of them). A DND's start is not known, so only hours count here."""
        me = self.me()
        if me is None:
            return WORKING
        hours_only = me.model_copy(update={"dnd_until": None})
        return AvailabilityBook(self.default_schedule, message.created_at).of(hours_only)

    def breakthrough_rule(self) -> BreakthroughRule:
        return self.breakthrough.rule

    def set_breakthrough_rule(self, rule: BreakthroughRule) -> None:
        self.breakthrough.choose(wire.Breakthrough(rule=rule, people=sorted(self.allowed_ids())))
        self._tasks.spawn(self.breakthrough.save())

    def allowed_ids(self) -> frozenset[int]:
        """Besides my manager, who may wake me under the "manager_and_list" rule."""
        return self.breakthrough.people

    def set_allowed_ids(self, ids: frozenset[int]) -> None:
        self.breakthrough.choose(wire.Breakthrough(rule=self.breakthrough.rule, people=sorted(ids)))
        self._tasks.spawn(self.breakthrough.save())

    def policy(self) -> BreakthroughPolicy:
        me = self.me()
        return BreakthroughPolicy(
            rule=self.breakthrough_rule(),
            manager_id=me.manager_id if me is not None else None,
            allowed_ids=self.allowed_ids(),
        )

    # --- notifications ----------------------------------------------------------------------

    def gate_rule(self, message: StoredMessage) -> bool | None:
        """A NotificationGate rule: while I am off, or for a message written while I was, decide
        (quiet unless it may break through); otherwise pass (None) to the gate's pause and mute."""
        mine = self.mine()
        if not mine.off:
            mine = self.mine_when_sent(message)
            if not mine.off:
                return None
        verdict = notification_decision(
            mine, self.policy(), sender_id=message.sender_id, urgent=message.urgent
        )
        return verdict == "notify"

    # --- time passing -----------------------------------------------------------------------

    def tick(self) -> None:
        """Look at the clock: my state, the summary when work resumes, the banner."""
        now = self.clock.now()
        mine = self.mine()
        me = self.me()
        seen = (mine, me.dnd_until if me is not None else None)
        if seen != self._mine:  # a new DND end shows even when I stay off as long
            self._mine = seen
            self.my_availability_did_change.emit(mine)
        self._show_banner()
        if not mine.off and me is not None:
            self._tasks.spawn(self._summarise(me, now))

    async def _summarise(self, me: wire.User, now: dt.datetime) -> None:
        """Hand out the summary of the off period that just ended, once (see SummaryKeeper);
        only with the organisation default known and the store caught up with the server."""
        if not (self.policy_loaded and self._caught_up()) or not self._conversations.rowCount():
            return
        summary = await self.summaries.check(me, self.default_schedule, now)
        if summary is not None:
            self.summary_ready.emit(summary)

    def refresh(self) -> None:
        """The directory or policy changed: same as a tick (a DND set elsewhere counts now)."""
        self.tick()

    def on_store_did_change(self, changes: Changes) -> None:
        if changes.policy or changes.snapshot:
            self._tasks.spawn(self._load_policy())
        if changes.topics:
            self.summaries.forget_topic_titles()
        if changes.conversations:
            self._show_banner()

    # --- the composer banner ----------------------------------------------------------------

    def on_composer_place_did_change(self, _place: object) -> None:
        self._show_banner()

    def _current_conversation_id(self) -> int | None:
        place = self._composer.place
        return place[0] if isinstance(place, tuple) and place else None

    def hint_for(self, conversation_id: int) -> str:
        """What the banner says for a conversation ("" when nobody there is off)."""
        model = self._conversations
        conv = model.conversation(model.row_of(conversation_id))
        me = self.people.me_id
        if conv is None:
            return ""
        others = [u for m in conv.member_ids if m != me and (u := self.people.get(m)) is not None]
        book = self.book()
        if conv.kind == "dm":
            if len(others) != 1:
                return ""
            peer = others[0]
            zone = zone_of_user(peer, self.default_schedule)
            return send_hint(peer.display_name, book.of(peer), zone, book.now)
        off = book.off_among(others)
        return group_hint([u.display_name for u, _a in off], len(conv.member_ids))

    def _show_banner(self) -> None:
        cid = self._current_conversation_id()
        if self._refused is not None and self._refused[0].conversation_id == cid:
            self.banner.show_refused(self._refused[1])
            return
        self.banner.show_hint(self.hint_for(cid) if cid is not None else "")

    def on_banner_send_urgent_requested(self) -> None:
        composer = self._composer
        composer.urgent_button.setChecked(True)
        if composer.edit.toPlainText().strip():
            composer.on_edit_submitted()
        else:
            composer.edit.setFocus()  # the flag is on: the next Enter sends urgently

    def on_delivery_refused(self, item: OutboxItem, exc: ApiError) -> None:
        if item.kind == "send" and exc.code == "offhours_urgent_limit":
            self._refused = (item, exc.detail)
            self._show_banner()

    def on_banner_send_plain_requested(self) -> None:
        refused, self._refused = self._refused, None
        if refused is not None:
            self._tasks.spawn(self._send_plain(refused[0]))
        self._show_banner()

    async def _send_plain(self, item: OutboxItem) -> None:
        """Queue the refused text again without urgency, then drop the failed row (in that
        order, so the words exist somewhere at every moment)."""
        p = item.payload
        await self._outbox.send(
            item.conversation_id,
            str(p["body"]),
            topic_id=p.get("topic_id"),
            reply_to=p.get("reply_to"),
            urgent=False,
        )
        await self._outbox.discard(item.client_msg_id)

    def on_banner_dismissed(self) -> None:
        self._refused = None
        self._show_banner()
