"""Policy over user settings: forced values win and lock, ServerUrl is a default unless locked."""

from __future__ import annotations

import pytest

from app.features.device_policy import (
    POLICY_KEYS,
    PolicyKey,
    PolicyReading,
    apply_policy,
    policy_key,
)
from app.features.device_policy.reading import validate

USER = {"server_url": "https://mine.example.com", "auto_start": True, "theme": "dark"}


def _policy(**values: str | bool) -> PolicyReading:
    return PolicyReading(values, {name: "test store" for name in values})


def test_no_policy_leaves_user_settings_alone() -> None:
    result = apply_policy(PolicyReading(), USER)
    assert result.values == USER
    assert result.locked == frozenset()


def test_locked_server_url_replaces_the_users_and_locks_it() -> None:
    result = apply_policy(_policy(ServerUrl="https://chat.example.com", LockServerUrl=True), USER)
    assert result.values["server_url"] == "https://chat.example.com"
    assert result.locked == {"server_url"}
    assert result.is_locked("server_url")
    assert result.sources["server_url"] == "ServerUrl from test store"


def test_unlocked_server_url_only_fills_a_gap() -> None:
    policy = _policy(ServerUrl="https://chat.example.com", LockServerUrl=False)
    kept = apply_policy(policy, USER)
    assert kept.values["server_url"] == "https://mine.example.com"
    assert kept.locked == frozenset()
    assert "server_url" not in kept.sources
    filled = apply_policy(policy, {"theme": "dark"})
    assert filled.values["server_url"] == "https://chat.example.com"
    assert filled.defaulted == {"server_url"}
    assert not filled.is_locked("server_url")


def test_lock_without_a_server_url_locks_nothing() -> None:
    result = apply_policy(_policy(LockServerUrl=True), USER)
    assert result.values == USER
    assert result.locked == frozenset()


def test_forced_booleans_lock_and_disable_update_check_inverts() -> None:
    result = apply_policy(_policy(AutoStart=False, DisableUpdateCheck=True), USER)
    assert result.values["auto_start"] is False
    assert result.values["check_for_updates"] is False
    assert result.values["theme"] == "dark"
    assert result.locked == {"auto_start", "check_for_updates"}


def test_every_lock_key_is_a_boolean_key_in_the_table() -> None:
    for key in POLICY_KEYS:
        if key.locked_by is not None:
            lock = policy_key(key.locked_by)
            assert lock is not None and lock.type is bool and lock.setting is None


def test_key_names_are_unique_even_without_case() -> None:
    names = [key.name.casefold() for key in POLICY_KEYS]
    assert len(names) == len(set(names))
    assert all(key.description.endswith(".") for key in POLICY_KEYS)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://chat.example.com", True),
        ("http://10.0.0.5:8080", True),
        ("http://x", True),
        ("chat.example.com", False),
        ("https://", False),
        ("ftp://chat.example.com", False),
    ],
)
def test_server_url_must_be_an_http_url(url: str, ok: bool) -> None:
    key = policy_key("ServerUrl")
    assert key is not None
    value, reason = validate(key, url)
    assert (value == url) is ok
    assert (reason is None) is ok


def test_an_int_key_fits_the_table_and_rejects_bools() -> None:
    # Room for more keys: an int key validates exactly, so true never passes for 1.
    key = PolicyKey(name="RetentionDays", type=int, description="Days to keep.", setting="days")
    assert validate(key, 30) == (30, None)
    assert validate(key, True)[0] is None
    assert validate(key, "30")[0] is None
