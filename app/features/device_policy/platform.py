"""Picks the reader for the running OS, so the GUI asks for policy without knowing where it lives."""

from __future__ import annotations

import getpass
import sys

from app.features.device_policy.linux import JsonPolicyReader
from app.features.device_policy.macos import MacPolicyReader, managed_preference_files
from app.features.device_policy.reading import PolicyReader, PolicyReading
from app.features.device_policy.windows import WindowsPolicyReader, WinregAccess


class NoPolicyReader:
    """For platforms without a policy store: no policy, nothing locked."""

    def read(self) -> PolicyReading:
        return PolicyReading()


def default_reader(platform: str = sys.platform) -> PolicyReader:
    """The reader for `platform` (a sys.platform value) with the real store locations."""
    if platform == "win32":
        return WindowsPolicyReader(registry=WinregAccess())
    if platform == "darwin":
        return MacPolicyReader(files=managed_preference_files(user=getpass.getuser()))
    if platform.startswith(("linux", "freebsd", "openbsd")):
        return JsonPolicyReader()
    return NoPolicyReader()
