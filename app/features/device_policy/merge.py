"""Policy over user settings: forced values win and lock their controls; the rest are defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.features.device_policy.keys import POLICY_KEYS
from app.features.device_policy.reading import PolicyReading


@dataclass(frozen=True)
class EffectiveSettings:
    """The settings the app runs with, and which of them IT locked ("set by your organisation").

    `locked` and `defaulted` hold setting names; `sources` says, per setting the policy touched,
    the policy key and the store it came from, for logs and tooltips.
    """

    values: Mapping[str, object]
    locked: frozenset[str] = frozenset()
    defaulted: frozenset[str] = frozenset()
    sources: Mapping[str, str] = field(default_factory=dict)

    def is_locked(self, setting: str) -> bool:
        return setting in self.locked


def apply_policy(policy: PolicyReading, user_settings: Mapping[str, object]) -> EffectiveSettings:
    """Merge: a forced policy value replaces the user's and locks it; a default fills a gap only.

    A key with `locked_by` is forced when that boolean key is true and is a default otherwise;
    a key without it is forced whenever present. User settings the policy does not touch pass
    through unchanged.
    """
    values = dict(user_settings)
    locked: set[str] = set()
    defaulted: set[str] = set()
    sources: dict[str, str] = {}
    for key in POLICY_KEYS:
        if key.setting is None or key.name not in policy.values:
            continue
        value = key.to_setting(policy.values[key.name])
        forced = key.locked_by is None or policy.values.get(key.locked_by) is True
        if forced:
            values[key.setting] = value
            locked.add(key.setting)
        elif key.setting not in user_settings:
            values[key.setting] = value
            defaulted.add(key.setting)
        else:
            continue
        sources[key.setting] = f"{key.name} from {policy.sources.get(key.name, '?')}"
    return EffectiveSettings(values, frozenset(locked), frozenset(defaulted), sources)
