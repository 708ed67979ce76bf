"""A client process for the crash test: syncs one stored account and reports each applied batch.

Run as ``python -m tests.integration.client.backlog_client KEYRING_FILE DATA_DIR SERVER_URL USER``;
prints ``applied <n>`` (message count of the batch) after every committed apply, until killed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from app.client.changes import Changes
from app.client.keys import Account, KeyCustody
from app.client.session import Session
from tests.helpers.memory_keyring import FileKeyring


async def main(keyring_file: Path, data_dir: Path, server_url: str, username: str) -> None:
    keys = KeyCustody(backend=FileKeyring(keyring_file))
    session = await Session.open(Account(server_url, username), keys=keys, data_dir=data_dir)

    def report(changes: Changes) -> None:
        if changes.messages_created:
            print(f"applied {len(changes.messages_created)}", flush=True)

    session.store_did_change.connect(report)
    session.start()
    try:
        await asyncio.Event().wait()
    finally:
        await session.aclose()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]))
