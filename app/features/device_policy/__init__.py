"""Device policy set by IT (registry, managed preferences, policy.json) and how it beats user settings."""

from __future__ import annotations

from app.features.device_policy.keys import POLICY_KEYS, PolicyKey, PolicyValue, policy_key
from app.features.device_policy.merge import EffectiveSettings, apply_policy
from app.features.device_policy.platform import default_reader
from app.features.device_policy.reading import PolicyProblem, PolicyReader, PolicyReading

__all__ = [
    "POLICY_KEYS",
    "EffectiveSettings",
    "PolicyKey",
    "PolicyProblem",
    "PolicyReader",
    "PolicyReading",
    "PolicyValue",
    "apply_policy",
    "default_reader",
    "policy_key",
]
