"""Every place IT can set policy names the same keys with the same types the app's reader knows."""

from __future__ import annotations

import plistlib
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from app.features.device_policy import POLICY_KEYS, policy_key
from app.features.device_policy.macos import BUNDLE_ID, MacPolicyReader
from app.features.device_policy.windows import POLICY_SUBKEY
from tests.packaging.tools import PACKAGING

ADMX = PACKAGING / "windows" / "policy" / "Courtyard.admx"
ADML = PACKAGING / "windows" / "policy" / "en-US" / "Courtyard.adml"
MOBILECONFIG = PACKAGING / "macos" / f"{BUNDLE_ID}.mobileconfig"
WXS = PACKAGING / "windows" / "courtyard.wxs"
GP = {"p": "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"}
WIX = {"w": "http://schemas.microsoft.com/wix/2006/wi"}

APP_KEYS = {key.name for key in POLICY_KEYS}


def admx_values() -> dict[str, str]:
    """Registry value name → "bool" or "str", from the ADMX policies."""
    found: dict[str, str] = {}
    for policy in ET.parse(ADMX).getroot().iterfind(".//p:policy", GP):
        assert policy.get("key") == POLICY_SUBKEY, policy.get("name")
        if policy.get("valueName"):
            assert policy.find("p:enabledValue/p:decimal", GP) is not None
            found[policy.get("valueName", "")] = "bool"
        for text in policy.iterfind("p:elements/p:text", GP):
            found[text.get("valueName", "")] = "str"
    return found


def forced_mobileconfig_settings() -> dict[str, Any]:
    profile = plistlib.loads(MOBILECONFIG.read_bytes())
    (payload,) = profile["PayloadContent"]
    assert payload["PayloadType"] == "com.apple.ManagedClient.preferences"
    (forced,) = payload["PayloadContent"][BUNDLE_ID]["Forced"]
    settings: dict[str, Any] = forced["mcx_preference_settings"]
    return settings


def test_admx_keys_are_the_app_keys_with_the_same_types() -> None:
    values = admx_values()
    assert set(values) == APP_KEYS
    for name, kind in values.items():
        key = policy_key(name)
        assert key is not None and key.type.__name__ == kind, name


def test_admx_policies_apply_to_computers_and_users() -> None:
    classes = {p.get("class") for p in ET.parse(ADMX).getroot().iterfind(".//p:policy", GP)}
    assert classes == {"Both"}


def test_adml_defines_every_string_and_presentation_the_admx_uses() -> None:
    admx = ADMX.read_text(encoding="utf-8")
    adml = ET.parse(ADML).getroot()
    strings = {s.get("id") for s in adml.iterfind(".//p:stringTable/p:string", GP)}
    presentations = {
        p.get("id") for p in adml.iterfind(".//p:presentationTable/p:presentation", GP)
    }
    assert set(re.findall(r"\$\(string\.(\w+)\)", admx)) <= strings
    assert set(re.findall(r"\$\(presentation\.(\w+)\)", admx)) <= presentations
    text_boxes = {t.get("refId") for t in adml.iterfind(".//p:textBox", GP)}
    assert text_boxes == {name for name, kind in admx_values().items() if kind == "str"}


def test_mobileconfig_keys_are_the_app_keys() -> None:
    assert set(forced_mobileconfig_settings()) == APP_KEYS


def test_the_app_accepts_every_value_of_the_example_profile(tmp_path: Path) -> None:
    # What macOS writes to Managed Preferences is the forced dictionary itself.
    managed = tmp_path / f"{BUNDLE_ID}.plist"
    managed.write_bytes(plistlib.dumps(forced_mobileconfig_settings()))
    reading = MacPolicyReader(files=(managed,)).read()
    assert reading.problems == ()
    assert set(reading.values) == APP_KEYS


def test_profile_uuids_are_distinct_uuids() -> None:
    text = MOBILECONFIG.read_text(encoding="utf-8")
    uuids = re.findall(r"<key>PayloadUUID</key>\s*<string>([0-9A-F-]{36})</string>", text)
    assert len(uuids) == len(set(uuids)) == 2


def test_msi_writes_the_app_keys_from_matching_public_properties() -> None:
    root = ET.parse(WXS).getroot()
    written = {
        value.get("Name"): value.get("Value")
        for value in root.iterfind(".//w:RegistryValue", WIX)
        if value.get("Key") == POLICY_SUBKEY and value.get("Root") == "HKLM"
    }
    assert set(written) == APP_KEYS
    for name, value in written.items():
        assert value == f"[{name.upper()}]", name
