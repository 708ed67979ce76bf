"""Key custody: which keyring backends count as secure, and what the entry holds."""

from __future__ import annotations

import pytest
from keyring.backends import chainer, fail, null
from keyrings.alt.file import PlaintextKeyring

from app.client.keys import Account, KeyCustody, Secrets, backend_identity, is_secure
from app.client.store_errors import KeyringUnavailable, StoreBug

from .conftest import MemoryKeyring


def test_insecure_backends_are_refused() -> None:
    for backend in (fail.Keyring(), null.Keyring(), PlaintextKeyring()):
        assert not is_secure(backend), backend
        with pytest.raises(KeyringUnavailable):
            KeyCustody(backend=backend).require_secure()


def test_chainer_is_judged_by_the_backend_it_writes_to(monkeypatch: pytest.MonkeyPatch) -> None:
    empty = chainer.ChainerBackend()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    assert not is_secure(empty) and backend_identity(empty) == "none"
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [PlaintextKeyring(), MemoryKeyring()])
    assert not is_secure(empty)
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [MemoryKeyring(), PlaintextKeyring()])
    assert is_secure(empty)
    assert backend_identity(empty).endswith("memory_keyring.MemoryKeyring")


def test_entry_round_trip_and_secrets_stay_hidden(memory_keyring: MemoryKeyring) -> None:
    keys = KeyCustody()
    account = Account("https://Chat.Example.com/", "anna")
    assert keys.load(account) is None
    made = keys.create(account)
    assert len(made.db_key) == 32 and keys.load(account) == made
    keys.save_device_token(account, "tok")
    assert keys.load(account) == Secrets(made.db_key, "tok")
    assert made.db_key.hex() not in repr(keys.load(account))
    assert keys.create(account).device_token == "tok"  # a new key keeps the device token
    keys.delete(account)
    keys.delete(account)  # idempotent
    assert memory_keyring.entries == {}
    with pytest.raises(StoreBug):
        keys.save_device_token(account, "tok")
    assert account.keyring_user == "https://chat.example.com|anna"
