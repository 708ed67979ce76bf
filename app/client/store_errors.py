"""Named errors of the local store, split into those a user must see and bugs (STYLE habit 6).

::

    StoreError
    ├── UserFacingStoreError      show ``user_message``; the database file is left untouched
    │   ├── KeyringUnavailable    no usable OS keyring (headless Linux, plaintext file backends)
    │   ├── KeyMissing            the database exists but its keyring entry is gone
    │   ├── KeyringBackendChanged the store was created with another keyring backend
    │   ├── PassphraseRequired    the store was created in passphrase mode; ask for it
    │   ├── WrongKey              the key or passphrase does not decrypt the file (or not a database)
    │   ├── StoreLocked           another Courtyard process has this store open
    │   ├── DiskFull              the disk (or the store's size limit) is full; nothing was written
    │   └── StoreTooNew           written by a newer Courtyard; refusing to downgrade it
    └── StoreBug                  a programming error (closed store, misuse); report it

None of the user-facing paths ever deletes, overwrites or re-keys the database.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error raised by ``app.client.store`` and ``app.client.keys``."""


class UserFacingStoreError(StoreError):
    """A condition the user must be told about, with what they can do (``user_message``)."""

    user_message: str = "The local message store could not be opened."

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.user_message)
        self.detail = detail or self.user_message


class KeyringUnavailable(UserFacingStoreError):
    user_message = (
        "No secure system keyring is available, so Courtyard cannot protect its local copy "
        "with a stored key. Install or unlock a keyring (e.g. GNOME Keyring or KWallet), or "
        "choose passphrase mode and enter a passphrase at every start."
    )


class KeyMissing(UserFacingStoreError):
    user_message = (
        "The local copy of your messages exists, but its key is no longer in the system keyring. "
        "Courtyard has not changed the file. Restore the keyring entry, or remove the local data "
        "and download your messages again."
    )


class KeyringBackendChanged(UserFacingStoreError):
    user_message = (
        "The system keyring in use differs from the one this local copy was created with. "
        "Courtyard has not changed the file. Switch back to the previous keyring, or remove the "
        "local data and download your messages again."
    )

    def __init__(self, detail: str = "", *, recorded: str = "", current: str = "") -> None:
        super().__init__(detail or f"keyring backend was {recorded!r}, now {current!r}")
        self.recorded = recorded
        self.current = current


class PassphraseRequired(UserFacingStoreError):
    user_message = "This local copy is protected by a passphrase. Enter it to continue."


class WrongKey(UserFacingStoreError):
    user_message = (
        "The local copy of your messages cannot be decrypted with the stored key or passphrase "
        "(or it is not a Courtyard database). Courtyard has not changed the file."
    )


class StoreLocked(UserFacingStoreError):
    user_message = (
        "The local copy is in use by another Courtyard window or process. Close it and try again."
    )


class DiskFull(UserFacingStoreError):
    user_message = "The disk is full. Nothing was lost; free some space and Courtyard will go on."


class StoreTooNew(UserFacingStoreError):
    user_message = (
        "This local copy was written by a newer version of Courtyard. Update Courtyard to use it."
    )


class StoreBug(StoreError):
    """A programming error: using a closed store, an unexpected schema state and the like."""
