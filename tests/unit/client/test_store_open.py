"""Opening, refusing and wiping the encrypted store; every refusal leaves the file byte-identical."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from app.client.apply import Applier
from app.client.keys import SERVICE, Account, KeyCustody
from app.client.schema import LATEST
from app.client.store import Store, wipe_account
from app.client.store_errors import (
    DiskFull,
    KeyMissing,
    KeyringBackendChanged,
    KeyringUnavailable,
    PassphraseRequired,
    StoreBug,
    StoreLocked,
    StoreTooNew,
    UserFacingStoreError,
    WrongKey,
)
from app.client.store_files import StorePaths

from .conftest import MemoryKeyring, OtherMemoryKeyring, batch, created, message, run, snapshot

SECRET = "PLAINTEXT-MARKER 机密预算 秘密の計画 qz7"


def files(paths: StorePaths) -> dict[str, bytes | None]:
    return {p.name: (p.read_bytes() if p.exists() else None) for p in paths.all()}


async def make_store(account: Account, keys: KeyCustody, data_dir: Path, **kw: str) -> Store:
    store = await Store.open(account, keys=keys, data_dir=data_dir, **kw)
    await Applier(store).apply_snapshot(snapshot(messages=[message(1, body=SECRET)]))
    return store


def test_create_reopen_and_schema(keys: KeyCustody, account: Account, data_dir: Path) -> None:
    async def scenario() -> None:
        store = await make_store(account, keys, data_dir)
        assert store.key_mode == "keyring"
        assert await store.call(lambda c: c.execute("PRAGMA user_version").fetchone()[0]) == LATEST
        assert await store.call(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0]) == "wal"
        await store.close()
        await store.close()  # idempotent
        again = await Store.open(account, keys=keys, data_dir=data_dir)
        assert [m.body for m in await again.messages(10)] == [SECRET]
        assert await again.cursor() == "100"
        await again.close()

    run(scenario())


def test_plaintext_never_reaches_disk(keys: KeyCustody, account: Account, data_dir: Path) -> None:
    async def scenario() -> None:
        store = await make_store(account, keys, data_dir)
        await store.enqueue("send", 10, {"body": SECRET + " outbox"})
        on_disk = files(store.paths)
        assert on_disk[store.paths.wal.name]  # the WAL exists and holds the writes
        await store.close()
        on_disk_after = files(store.paths)
        for blobs in (on_disk, on_disk_after):
            for name, blob in blobs.items():
                if blob is not None and not name.endswith(".info.json"):
                    for needle in ("PLAINTEXT-MARKER", "机密预算", "秘密の計画"):
                        assert needle.encode() not in blob, name
                        assert needle.encode("utf-16-le") not in blob, name

    run(scenario())


def test_no_secure_keyring_refuses_to_create(account: Account, data_dir: Path) -> None:
    for backend in (fail.Keyring(), _plaintext_file_keyring(data_dir)):
        with pytest.raises(KeyringUnavailable):
            run(Store.open(account, keys=KeyCustody(backend=backend), data_dir=data_dir))
        assert not StorePaths.for_account(account, data_dir).db.exists()


def _plaintext_file_keyring(data_dir: Path) -> keyring.backend.KeyringBackend:
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(data_dir.parent / "never-written.cfg")  # type: ignore[misc]
    return backend


def test_existing_store_without_keyring_is_untouched(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    store = run(make_store(account, keys, data_dir))
    run(store.close())
    before = files(store.paths)
    with pytest.raises(KeyringUnavailable):
        run(Store.open(account, keys=KeyCustody(backend=fail.Keyring()), data_dir=data_dir))
    assert files(store.paths) == before


def test_key_missing(
    keys: KeyCustody, memory_keyring: MemoryKeyring, account: Account, data_dir: Path
) -> None:
    store = run(make_store(account, keys, data_dir))
    run(store.close())
    before = files(store.paths)
    memory_keyring.entries.clear()
    with pytest.raises(KeyMissing) as info:
        run(Store.open(account, keys=keys, data_dir=data_dir))
    assert isinstance(info.value, UserFacingStoreError)
    assert files(store.paths) == before
    assert memory_keyring.entries == {}  # no new key was invented for the existing file


def test_wrong_key(keys: KeyCustody, account: Account, data_dir: Path) -> None:
    store = run(make_store(account, keys, data_dir))
    run(store.close())
    before = files(store.paths)
    keys.create(account)  # a different random key replaces the right one
    with pytest.raises(WrongKey):
        run(Store.open(account, keys=keys, data_dir=data_dir))
    assert files(store.paths) == before


def test_not_a_database(keys: KeyCustody, account: Account, data_dir: Path) -> None:
    paths = StorePaths.for_account(account, data_dir)
    keys.create(account)
    data_dir.mkdir(parents=True)
    paths.db.write_bytes(b"this is not a database at all" * 200)
    before = files(paths)
    with pytest.raises(WrongKey):
        run(Store.open(account, keys=keys, data_dir=data_dir))
    assert files(paths) == before


def test_backend_changed_with_key_copied(
    keys: KeyCustody, memory_keyring: MemoryKeyring, account: Account, data_dir: Path
) -> None:
    store = run(make_store(account, keys, data_dir))
    run(store.close())
    before = files(store.paths)
    other = OtherMemoryKeyring()
    other.entries = dict(memory_keyring.entries)  # same key, different backend
    with pytest.raises(KeyringBackendChanged) as info:
        run(Store.open(account, keys=KeyCustody(backend=other), data_dir=data_dir))
    assert info.value.recorded.endswith("memory_keyring.MemoryKeyring")
    assert info.value.current.endswith("conftest.OtherMemoryKeyring")
    assert files(store.paths) == before


def test_backend_changed_and_key_absent(keys: KeyCustody, account: Account, data_dir: Path) -> None:
    store = run(make_store(account, keys, data_dir))
    run(store.close())
    before = files(store.paths)
    other = OtherMemoryKeyring()
    with pytest.raises(KeyringBackendChanged):
        run(Store.open(account, keys=KeyCustody(backend=other), data_dir=data_dir))
    assert files(store.paths) == before
    assert other.entries == {}


def test_passphrase_mode(account: Account, data_dir: Path) -> None:
    no_keyring = KeyCustody(backend=fail.Keyring())

    async def scenario() -> None:
        store = await make_store(account, no_keyring, data_dir, passphrase="correct horse")
        assert store.key_mode == "passphrase"
        await store.set_device_token("tok-123")
        assert await store.device_token() == "tok-123"
        await store.close()
        before = files(store.paths)
        with pytest.raises(PassphraseRequired):
            await Store.open(account, keys=no_keyring, data_dir=data_dir)
        with pytest.raises(WrongKey):
            await Store.open(account, keys=no_keyring, data_dir=data_dir, passphrase="wrong")
        assert files(store.paths) == before
        again = await Store.open(
            account, keys=no_keyring, data_dir=data_dir, passphrase="correct horse"
        )
        assert [m.body for m in await again.messages(10)] == [SECRET]
        await again.close()

    run(scenario())


def test_second_open_is_locked(keys: KeyCustody, account: Account, data_dir: Path) -> None:
    async def scenario() -> None:
        store = await make_store(account, keys, data_dir)
        with pytest.raises(StoreLocked):
            await Store.open(account, keys=keys, data_dir=data_dir)
        assert len(await store.messages(10)) == 1  # the first one is unaffected
        await store.close()

    run(scenario())


def test_disk_full_keeps_data_and_cursor(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    async def scenario() -> None:
        store = await make_store(account, keys, data_dir)
        pages = await store.call(lambda c: c.execute("PRAGMA page_count").fetchone()[0])
        await store.call(lambda c: c.execute(f"PRAGMA max_page_count = {pages}").fetchone())
        big = [created(i, message(100 + i, body="x" * 2000 + str(i))) for i in range(200)]
        with pytest.raises(DiskFull):
            await Applier(store).apply_events(batch(big, "300"))
        assert await store.cursor() == "100"
        assert len(await store.messages(10, limit=500)) == 1
        await store.call(lambda c: c.execute("PRAGMA max_page_count = 1000000").fetchone())
        await Applier(store).apply_events(batch(big, "300"))
        assert await store.cursor() == "300"
        await store.close()

    run(scenario())


def test_migrates_an_empty_file(keys: KeyCustody, account: Account, data_dir: Path) -> None:
    paths = StorePaths.for_account(account, data_dir)
    keys.create(account)
    data_dir.mkdir(parents=True)
    paths.db.touch()  # e.g. a crash right after the file was created

    async def scenario() -> None:
        store = await Store.open(account, keys=keys, data_dir=data_dir)
        assert await store.call(lambda c: c.execute("PRAGMA user_version").fetchone()[0]) == LATEST
        assert await store.cursor() is None
        await store.close()

    run(scenario())


def test_newer_schema_is_refused(keys: KeyCustody, account: Account, data_dir: Path) -> None:
    async def scenario() -> None:
        store = await Store.open(account, keys=keys, data_dir=data_dir)
        await store.call(lambda c: c.execute(f"PRAGMA user_version = {LATEST + 1}"))
        await store.close()
        with pytest.raises(StoreTooNew):
            await Store.open(account, keys=keys, data_dir=data_dir)

    run(scenario())


def test_device_token_lives_in_keyring(
    keys: KeyCustody, memory_keyring: MemoryKeyring, account: Account, data_dir: Path
) -> None:
    async def scenario() -> None:
        store = await Store.open(account, keys=keys, data_dir=data_dir)
        await store.set_device_token("device-secret")
        assert await store.device_token() == "device-secret"
        await store.close()

    run(scenario())
    (entry,) = memory_keyring.entries.items()
    assert entry[0] == (SERVICE, account.keyring_user)
    assert "device-secret" in entry[1]


def test_wipe_removes_files_and_keyring_entry(
    keys: KeyCustody, memory_keyring: MemoryKeyring, account: Account, data_dir: Path
) -> None:
    async def scenario() -> StorePaths:
        store = await make_store(account, keys, data_dir)
        assert store.paths.wal.exists()
        await store.wipe()
        return store.paths

    paths = run(scenario())
    assert [p for p in paths.all() if p.exists()] == []
    assert memory_keyring.entries == {}


def test_wipe_account_without_opening(
    keys: KeyCustody, memory_keyring: MemoryKeyring, account: Account, data_dir: Path
) -> None:
    store = run(make_store(account, keys, data_dir))
    run(store.close())
    memory_keyring.entries.clear()
    keys.create(account)  # wrong key now: the store cannot be opened, but can be wiped
    run(wipe_account(account, keys=keys, data_dir=data_dir))
    assert [p for p in store.paths.all() if p.exists()] == []
    assert memory_keyring.entries == {}


def test_all_database_work_runs_on_one_worker_thread(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    import threading

    async def scenario() -> None:
        store = await Store.open(account, keys=keys, data_dir=data_dir)
        idents = {await store.call(lambda _c: threading.get_ident()) for _ in range(5)}
        assert len(idents) == 1 and threading.get_ident() not in idents
        await store.close()
        with pytest.raises(StoreBug):
            await store.cursor()

    run(scenario())
