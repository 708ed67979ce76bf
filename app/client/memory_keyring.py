"""A keyring that lives in a dict for the life of one process, never the user's OS keyring.

The app's ``--smoke-test`` keeps its throwaway store key here (a check must not leave entries in
the real keyring of the machine it runs on); tests, benchmarks and the screenshot tool use it too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import keyring
import keyring.errors
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in a dict."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring leaves it unannotated
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise keyring.errors.PasswordDeleteError("no such entry")
        del self.entries[(service, username)]


@contextlib.contextmanager
def temporary_keyring() -> Iterator[MemoryKeyring]:
    """Every keyring call in this process goes to a new MemoryKeyring until the block ends."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
