"""The one table of policy keys IT may set; readers, installers and templates all follow it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

PolicyValue = str | bool | int
PolicyType = type[str] | type[bool] | type[int]


def _identity(value: PolicyValue) -> PolicyValue:
    return value


def _negate(value: PolicyValue) -> PolicyValue:
    return not value


def _check_url(value: PolicyValue) -> str | None:
    parts = urlsplit(str(value).strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must be an http(s) URL, e.g. https://chat.example.com"
    return None


def _no_check(value: PolicyValue) -> str | None:
    return None


@dataclass(frozen=True, kw_only=True)
class PolicyKey:
    """One key: its name in every policy store, its type, and the user setting it governs.

    `setting` is the user setting the key forces (None for keys that only modify another key).
    `locked_by` names a boolean key that decides whether the value is forced and locked; without
    it the value is only a default the user may change. With `locked_by=None` a present value is
    always forced and locked.
    """

    name: str
    type: PolicyType
    description: str
    setting: str | None = None
    locked_by: str | None = None
    to_setting: Callable[[PolicyValue], PolicyValue] = _identity
    check: Callable[[PolicyValue], str | None] = _no_check


POLICY_KEYS: tuple[PolicyKey, ...] = (
    PolicyKey(
        name="ServerUrl",
        type=str,
        description="Address of the company's Courtyard server, e.g. https://chat.example.com.",
        setting="server_url",
        locked_by="LockServerUrl",
        check=_check_url,
    ),
    PolicyKey(
        name="LockServerUrl",
        type=bool,
        description="When true, users cannot change the server address set by ServerUrl.",
    ),
    PolicyKey(
        name="AutoStart",
        type=bool,
        description="Start Courtyard when the user signs in to the computer (true) or never (false).",
        setting="auto_start",
    ),
    PolicyKey(
        name="DisableUpdateCheck",
        type=bool,
        description="When true, Courtyard does not check for new versions; IT deploys updates.",
        setting="check_for_updates",
        to_setting=_negate,
    ),
)

_BY_NAME = {key.name: key for key in POLICY_KEYS}
_BY_FOLDED_NAME = {key.name.casefold(): key for key in POLICY_KEYS}


def policy_key(name: str, *, case_sensitive: bool = True) -> PolicyKey | None:
    """The key called `name`, or None; the Windows registry compares names without case."""
    if case_sensitive:
        return _BY_NAME.get(name)
    return _BY_FOLDED_NAME.get(name.casefold())
