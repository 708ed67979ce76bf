"""Linux policy from one JSON object, /etc/courtyard/policy.json by default, that IT deploys."""

from __future__ import annotations

import json
from pathlib import Path

from app.features.device_policy.keys import policy_key
from app.features.device_policy.reading import PolicyReading, ReadingBuilder

POLICY_FILE = Path("/etc/courtyard/policy.json")


class JsonPolicyReader:
    """Reads a JSON object of key → value; a missing file is no policy, a broken one a problem."""

    def __init__(self, *, path: Path = POLICY_FILE) -> None:
        self._path = path

    def read(self) -> PolicyReading:
        builder = ReadingBuilder()
        source = str(self._path)
        try:
            content = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return builder.build()
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            builder.problem(source, "*", f"cannot read: {error}")
            return builder.build()
        if not isinstance(content, dict):
            builder.problem(source, "*", "not a JSON object")
            return builder.build()
        for name, raw in sorted(content.items()):
            key = policy_key(name)
            if key is None:
                builder.problem(source, name, "unknown policy key")
                continue
            builder.offer(source, key, raw)
        return builder.build()
