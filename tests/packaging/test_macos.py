"""The macOS bundle metadata, entitlements and DMG layout agree with the app and with each other."""

from __future__ import annotations

import plistlib
import runpy

from app.features.device_policy.macos import BUNDLE_ID
from tests.packaging.tools import PACKAGING

MACOS = PACKAGING / "macos"


def test_info_plist_names_the_bundle_the_policy_reader_uses() -> None:
    info = plistlib.loads((MACOS / "Info.plist").read_bytes())
    assert info["CFBundleIdentifier"] == BUNDLE_ID
    assert info["CFBundleExecutable"] == "courtyard"
    assert info["CFBundlePackageType"] == "APPL"
    assert info["CFBundleShortVersionString"] == info["CFBundleVersion"] == "@VERSION@"
    assert info["NSHighResolutionCapable"] is True


def test_entitlements_are_only_what_the_hardened_runtime_needs() -> None:
    entitlements = plistlib.loads((MACOS / "entitlements.plist").read_bytes())
    assert entitlements == {"com.apple.security.cs.allow-unsigned-executable-memory": True}


def test_dmg_settings_put_the_app_beside_an_applications_link() -> None:
    settings = runpy.run_path(
        str(MACOS / "settings.py"), init_globals={"defines": {"app": "/build/dist/Courtyard.app"}}
    )
    assert settings["files"] == ["/build/dist/Courtyard.app"]
    assert settings["symlinks"] == {"Applications": "/Applications"}
    assert set(settings["icon_locations"]) == {"Courtyard.app", "Applications"}
    assert settings["format"] == "UDZO"


def test_dmg_settings_default_without_defines() -> None:
    settings = runpy.run_path(str(MACOS / "settings.py"))
    assert settings["files"] == ["dist/Courtyard.app"]
