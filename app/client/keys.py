"""Key custody: the store's random raw key and the device token live only in the OS keyring.

One keyring entry per account (service ``Courtyard``, username ``<server url>|<username>``) holds a
small JSON blob ``{"db_key": "<64 hex>", "device_token": "..."}``. Keyring calls may block (D-Bus,
a macOS prompt), so callers run them on the store's worker thread, never on the asyncio loop.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace
from typing import Any

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from app.client.store_errors import KeyringUnavailable, StoreBug

SERVICE = "Courtyard"
KEY_BYTES = 32

# Backends that never count as a secure home for the key: they fail, discard, or keep secrets in a
# file next to the data they are meant to protect (keyrings.alt's plaintext/"encrypted" files).
_INSECURE_MODULE_PREFIXES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


@dataclass(frozen=True, slots=True)
class Account:
    """One signed-in identity: a server and a username on it."""

    server_url: str
    username: str

    @property
    def keyring_user(self) -> str:
        """The keyring entry's username: normalised server URL and username."""
        return f"{self.server_url.rstrip('/').lower()}|{self.username}"


@dataclass(frozen=True, slots=True)
class Secrets:
    """What the keyring holds for one account. ``repr`` never shows the values."""

    db_key: bytes
    device_token: str | None = None

    def __post_init__(self) -> None:
        if len(self.db_key) != KEY_BYTES:
            raise StoreBug(f"database key must be {KEY_BYTES} bytes")

    def __repr__(self) -> str:
        return "Secrets(db_key=<hidden>, device_token=<hidden>)"

    def to_json(self) -> str:
        return json.dumps({"db_key": self.db_key.hex(), "device_token": self.device_token})

    @classmethod
    def from_json(cls, text: str) -> Secrets:
        data: dict[str, Any] = json.loads(text)
        token = data.get("device_token")
        return cls(bytes.fromhex(str(data["db_key"])), str(token) if token is not None else None)


def backend_identity(backend: KeyringBackend) -> str:
    """A stable, non-secret name of the backend that stores writes (recorded in the store)."""
    target = _write_target(backend)
    if target is None:
        return "none"
    cls = type(target)
    return f"{cls.__module__}.{cls.__qualname__}"


def _write_target(backend: KeyringBackend) -> KeyringBackend | None:
    """The backend that actually receives ``set_password``: a chainer writes to its first member."""
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        members = list(backend.backends)
        return members[0] if members else None
    return backend


def is_secure(backend: KeyringBackend) -> bool:
    """True when ``backend`` is a real OS keyring (not fail/null/plaintext-file backends)."""
    target = _write_target(backend)
    if target is None:
        return False
    module = type(target).__module__
    return not module.startswith(_INSECURE_MODULE_PREFIXES)


class KeyCustody:
    """Reads and writes an account's secrets in the keyring; never logs or reprs them."""

    def __init__(self, *, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def identity(self) -> str:
        return backend_identity(self.backend)

    def require_secure(self) -> None:
        """Raise :class:`KeyringUnavailable` unless a secure OS keyring backend is in use."""
        if not is_secure(self.backend):
            raise KeyringUnavailable(f"keyring backend {self.identity()!r} is not a secure keyring")

    def load(self, account: Account) -> Secrets | None:
        """The account's secrets, or None when there is no entry."""
        self.require_secure()
        try:
            text = self.backend.get_password(SERVICE, account.keyring_user)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(f"keyring read failed: {type(exc).__name__}") from exc
        if text is None:
            return None
        try:
            return Secrets.from_json(text)
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreBug("keyring entry for Courtyard is malformed") from exc

    def create(self, account: Account) -> Secrets:
        """Generate a new random key (keeping a device token already stored) and save it."""
        existing = self.load(account)
        fresh = Secrets(secrets.token_bytes(KEY_BYTES), existing.device_token if existing else None)
        self._save(account, fresh)
        return fresh

    def save_device_token(self, account: Account, token: str | None) -> None:
        """Store (or clear) the device token next to the key; the key must already exist."""
        existing = self.load(account)
        if existing is None:
            raise StoreBug("no keyring entry to attach the device token to")
        self._save(account, replace(existing, device_token=token))

    def delete(self, account: Account) -> None:
        """Remove the account's entry; a missing entry is not an error (wipe is idempotent)."""
        try:
            self.backend.delete_password(SERVICE, account.keyring_user)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(f"keyring delete failed: {type(exc).__name__}") from exc

    def _save(self, account: Account, value: Secrets) -> None:
        self.require_secure()
        try:
            self.backend.set_password(SERVICE, account.keyring_user, value.to_json())
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(f"keyring write failed: {type(exc).__name__}") from exc
