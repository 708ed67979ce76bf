"""What every reader returns and the one validation all stores share, so each OS behaves alike."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from app.features.device_policy.keys import PolicyKey, PolicyValue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PolicyProblem:
    """A value IT set that the app ignored, with where it was and why; shown in logs, never raised."""

    source: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.key}: {self.message}"


@dataclass(frozen=True)
class PolicyReading:
    """Valid values by key name, the source each came from, and what was ignored."""

    values: Mapping[str, PolicyValue] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[PolicyProblem, ...] = ()

    def log_problems(self) -> None:
        for problem in self.problems:
            log.warning("device policy ignored: %s", problem)


class PolicyReader(Protocol):
    def read(self) -> PolicyReading:
        """Read the policy now; never raises for bad or missing policy, reports it instead."""
        ...


def validate(key: PolicyKey, value: object) -> tuple[PolicyValue | None, str | None]:
    """The value as the key's type, or None and the reason it was ignored.

    bool is a subclass of int in Python, so the checks are exact: true is not 1 and 1 is not true.
    Readers convert store-specific encodings (a registry DWORD for a bool) before calling this.
    """
    if type(value) is not key.type:
        return None, f"expected {key.type.__name__}, got {type(value).__name__} {value!r}"
    assert isinstance(value, str | bool | int)
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None, "empty string"
    reason = key.check(value)
    if reason is not None:
        return None, reason
    return value, None


class ReadingBuilder:
    """Collects layers of policy; the first layer to set a key wins over later ones."""

    def __init__(self) -> None:
        self._values: dict[str, PolicyValue] = {}
        self._sources: dict[str, str] = {}
        self._problems: list[PolicyProblem] = []

    def problem(self, source: str, key: str, message: str) -> None:
        self._problems.append(PolicyProblem(source, key, message))

    def offer(self, source: str, key: PolicyKey, raw: object) -> None:
        value, reason = validate(key, raw)
        if reason is not None:
            self.problem(source, key.name, reason)
        elif value is not None and key.name not in self._values:
            self._values[key.name] = value
            self._sources[key.name] = source

    def build(self) -> PolicyReading:
        return PolicyReading(dict(self._values), dict(self._sources), tuple(self._problems))
