"""macOS policy from the managed-preferences plists that configuration profiles (MDM) install."""

from __future__ import annotations

import plistlib
from pathlib import Path
from xml.parsers.expat import ExpatError

from app.features.device_policy.keys import policy_key
from app.features.device_policy.reading import PolicyReading, ReadingBuilder

BUNDLE_ID = "com.courtyard.desktop"
MANAGED_PREFERENCES = Path("/Library/Managed Preferences")

# Keys macOS itself adds to every managed-preferences file; not Courtyard policy.
_SYSTEM_KEYS = frozenset({"PayloadUUID", "PayloadIdentifier", "PayloadType", "PayloadVersion"})


def managed_preference_files(
    *, user: str, bundle_id: str = BUNDLE_ID, root: Path = MANAGED_PREFERENCES
) -> tuple[Path, ...]:
    """The per-user profile's file first, then the device profile's; the first to set a key wins."""
    return (root / user / f"{bundle_id}.plist", root / f"{bundle_id}.plist")


class MacPolicyReader:
    """Reads forced values for our bundle id; a missing file is no policy, a broken one a problem."""

    def __init__(self, *, files: tuple[Path, ...]) -> None:
        self._files = files

    def read(self) -> PolicyReading:
        builder = ReadingBuilder()
        for path in self._files:
            source = str(path)
            try:
                with path.open("rb") as handle:
                    content = plistlib.load(handle)
            except FileNotFoundError:
                continue
            except (OSError, plistlib.InvalidFileException, ExpatError, ValueError) as error:
                builder.problem(source, "*", f"cannot read: {error}")
                continue
            if not isinstance(content, dict):
                builder.problem(source, "*", "not a dictionary of preferences")
                continue
            for name, raw in sorted(content.items()):
                key = policy_key(str(name))
                if key is None:
                    if name not in _SYSTEM_KEYS:
                        builder.problem(source, str(name), "unknown policy key")
                    continue
                builder.offer(source, key, raw)
        return builder.build()
