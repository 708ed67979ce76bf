"""Full-text search: trigram FTS for 3+ characters, instr() for shorter CJK terms, newest first."""

from __future__ import annotations

from pathlib import Path

from app.client.apply import Applier
from app.client.keys import Account, KeyCustody
from app.client.store import Store
from app.core.wire import Message

from .conftest import T0, batch, created, message, run, snapshot

BODIES = {
    1: "Hello world, the Q3 budget review is tomorrow",
    2: "我们明天讨论第三季度预算，世界很大",
    3: "明日の会議は予算の見直しです。東京で会いましょう",
    4: "budget approved by finance",
    5: "世界你好",
    6: "nothing relevant here",
}


async def fill(keys: KeyCustody, account: Account, data_dir: Path) -> Store:
    store = await Store.open(account, keys=keys, data_dir=data_dir)
    msgs = [message(mid, cid=10 if mid % 2 else 11, body=b) for mid, b in BODIES.items()]
    await Applier(store).apply_snapshot(snapshot(messages=msgs))
    return store


def test_search_latin_chinese_japanese(keys: KeyCustody, account: Account, data_dir: Path) -> None:
    async def scenario() -> None:
        store = await fill(keys, account, data_dir)

        async def ids(query: str, **kw: int) -> list[int]:
            return [h.message_id for h in await store.search(query, **kw)]

        assert await ids("budget") == [4, 1]  # newest first
        assert await ids("BUDGET") == [4, 1]  # case-insensitive
        assert await ids("udge") == [4, 1]  # substrings, not just words
        assert await ids("budget review") == [1]  # every term must match
        assert await ids("第三季度") == [2]
        assert await ids("预算") == [2]  # 2-character CJK: instr fallback
        assert await ids("世界") == [5, 2]
        assert await ids("予算の見直し") == [3]
        assert await ids("東京") == [3]
        assert await ids("会議 東京") == [3]
        assert await ids("世界", conversation_id=11) == [2]
        assert await ids("世界", limit=1) == [5]
        assert await ids("e") == [6, 4, 1]  # a 1-character term scans, newest first
        assert await ids('"quoted" OR x') == []  # FTS syntax is never interpreted
        assert await ids("   ") == []
        (hit,) = await store.search("第三季度")
        start, end = hit.highlight or (0, 0)
        assert hit.snippet[start:end] == "第三季度" and hit.conversation_id == 11
        await store.close()

    run(scenario())


def test_single_character_scan(keys: KeyCustody, account: Account, data_dir: Path) -> None:
    async def scenario() -> None:
        store = await fill(keys, account, data_dir)
        assert [h.message_id for h in await store.search("京")] == [3]
        assert [h.message_id for h in await store.search("q3")] == [1]
        await store.close()

    run(scenario())


def test_edit_and_delete_update_the_index(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    def update(seq: int, msg: Message, change: str) -> dict[str, object]:
        return {"type": "message.updated", "seq": seq, "at": T0, "change": change, "message": msg}

    async def scenario() -> None:
        store = await fill(keys, account, data_dir)
        applier = Applier(store)
        edited = message(4, cid=11, body="plan approved by legal", edited_at=T0)
        await applier.apply_events(batch([update(1, edited, "edited")], "1"))
        assert [h.message_id for h in await store.search("budget")] == [1]
        assert [h.message_id for h in await store.search("legal")] == [4]
        gone = message(1, body="-", deleted=True)
        await applier.apply_events(batch([update(2, gone, "deleted")], "2"))
        assert await store.search("budget") == []
        await applier.apply_events(batch([created(3, message(7, body="budget again"))], "3"))
        assert [h.message_id for h in await store.search("budget")] == [7]
        await store.close()

    run(scenario())
