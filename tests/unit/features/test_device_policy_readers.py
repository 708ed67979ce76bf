"""Each OS reader on fakes and tmp files: valid values read, wrong types reported and ignored."""

from __future__ import annotations

import json
import plistlib
from collections.abc import Mapping
from pathlib import Path

import pytest

from app.features.device_policy import default_reader
from app.features.device_policy.linux import JsonPolicyReader
from app.features.device_policy.macos import MacPolicyReader, managed_preference_files
from app.features.device_policy.platform import NoPolicyReader
from app.features.device_policy.windows import (
    POLICY_SUBKEY,
    REG_DWORD,
    REG_SZ,
    Hive,
    WindowsPolicyReader,
    WinregAccess,
)

REG_BINARY = 3


class FakeRegistry:
    def __init__(self, keys: dict[tuple[str, str], dict[str, tuple[object, int]]]) -> None:
        self.keys = keys
        self.asked: list[tuple[str, str]] = []

    def values(self, hive: Hive, subkey: str) -> Mapping[str, tuple[object, int]] | None:
        self.asked.append((hive, subkey))
        return self.keys.get((hive, subkey))


class BrokenRegistry:
    def values(self, hive: Hive, subkey: str) -> Mapping[str, tuple[object, int]] | None:
        raise PermissionError("access denied")


# Windows


def test_windows_reads_machine_then_user_and_machine_wins() -> None:
    registry = FakeRegistry(
        {
            ("HKLM", POLICY_SUBKEY): {
                "ServerUrl": ("https://chat.example.com", REG_SZ),
                "LockServerUrl": (1, REG_DWORD),
            },
            ("HKCU", POLICY_SUBKEY): {
                "ServerUrl": ("https://elsewhere.example.com", REG_SZ),
                "AutoStart": (0, REG_DWORD),
            },
        }
    )
    reading = WindowsPolicyReader(registry=registry).read()
    assert reading.values == {
        "ServerUrl": "https://chat.example.com",
        "LockServerUrl": True,
        "AutoStart": False,
    }
    assert reading.sources["ServerUrl"] == "HKLM\\" + POLICY_SUBKEY
    assert reading.sources["AutoStart"] == "HKCU\\" + POLICY_SUBKEY
    assert reading.problems == ()
    assert registry.asked == [("HKLM", POLICY_SUBKEY), ("HKCU", POLICY_SUBKEY)]


def test_windows_no_keys_is_no_policy() -> None:
    reading = WindowsPolicyReader(registry=FakeRegistry({})).read()
    assert reading.values == {}
    assert reading.problems == ()


def test_windows_value_names_compare_without_case() -> None:
    registry = FakeRegistry({("HKLM", POLICY_SUBKEY): {"disableupdatecheck": (1, REG_DWORD)}})
    assert WindowsPolicyReader(registry=registry).read().values == {"DisableUpdateCheck": True}


@pytest.mark.parametrize(
    ("name", "data", "reg_type"),
    [
        ("LockServerUrl", 2, REG_DWORD),  # a DWORD bool must be 0 or 1
        ("AutoStart", "1", REG_SZ),  # a string is not a DWORD
        ("ServerUrl", 5, REG_DWORD),
        ("ServerUrl", b"\x00", REG_BINARY),
        ("ServerUrl", "chat.example.com", REG_SZ),  # no scheme
        ("ServerUrl", "   ", REG_SZ),
    ],
)
def test_windows_wrong_types_are_reported_and_ignored(
    name: str, data: object, reg_type: int
) -> None:
    registry = FakeRegistry({("HKLM", POLICY_SUBKEY): {name: (data, reg_type)}})
    reading = WindowsPolicyReader(registry=registry).read()
    assert reading.values == {}
    assert [(p.key, p.source) for p in reading.problems] == [(name, "HKLM\\" + POLICY_SUBKEY)]


def test_windows_invalid_machine_value_falls_back_to_a_valid_user_value() -> None:
    registry = FakeRegistry(
        {
            ("HKLM", POLICY_SUBKEY): {"AutoStart": (7, REG_DWORD)},
            ("HKCU", POLICY_SUBKEY): {"AutoStart": (1, REG_DWORD)},
        }
    )
    reading = WindowsPolicyReader(registry=registry).read()
    assert reading.values == {"AutoStart": True}
    assert len(reading.problems) == 1


def test_windows_unknown_names_and_unreadable_keys_are_reported() -> None:
    registry = FakeRegistry({("HKLM", POLICY_SUBKEY): {"ServerURLL": ("x", REG_SZ)}})
    reading = WindowsPolicyReader(registry=registry).read()
    assert [p.message for p in reading.problems] == ["unknown policy key"]
    broken = WindowsPolicyReader(registry=BrokenRegistry()).read()
    assert broken.values == {}
    assert {p.source.split("\\")[0] for p in broken.problems} == {"HKLM", "HKCU"}


def test_real_registry_access_off_windows_is_reported_not_raised() -> None:
    reading = WindowsPolicyReader(registry=WinregAccess()).read()
    assert reading.values == {}
    assert len(reading.problems) == 2
    assert "only on Windows" in reading.problems[0].message


# macOS


def _write_plist(path: Path, content: object, fmt: plistlib.PlistFormat = plistlib.FMT_XML) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plistlib.dumps(content, fmt=fmt))


def test_macos_file_locations_for_the_bundle_id(tmp_path: Path) -> None:
    assert managed_preference_files(user="li", root=tmp_path) == (
        tmp_path / "li" / "com.courtyard.desktop.plist",
        tmp_path / "com.courtyard.desktop.plist",
    )
    default = managed_preference_files(user="li")
    assert str(default[1]) == "/Library/Managed Preferences/com.courtyard.desktop.plist"


def test_macos_user_profile_first_then_device_profile(tmp_path: Path) -> None:
    user_file, device_file = managed_preference_files(user="li", root=tmp_path)
    _write_plist(user_file, {"ServerUrl": "https://user.example.com"}, plistlib.FMT_BINARY)
    _write_plist(
        device_file,
        {
            "ServerUrl": "https://device.example.com",
            "LockServerUrl": True,
            "DisableUpdateCheck": False,
            "PayloadUUID": "5B0C7E4A-0000-4000-8000-000000000000",
        },
    )
    reading = MacPolicyReader(files=(user_file, device_file)).read()
    assert reading.values == {
        "ServerUrl": "https://user.example.com",
        "LockServerUrl": True,
        "DisableUpdateCheck": False,
    }
    assert reading.sources["LockServerUrl"] == str(device_file)
    assert reading.problems == ()


def test_macos_missing_files_are_no_policy(tmp_path: Path) -> None:
    files = managed_preference_files(user="li", root=tmp_path)
    assert MacPolicyReader(files=files).read() == NoPolicyReader().read()


def test_macos_wrong_types_broken_files_and_unknown_keys_are_reported(tmp_path: Path) -> None:
    good, broken, listed = tmp_path / "a.plist", tmp_path / "b.plist", tmp_path / "c.plist"
    _write_plist(good, {"AutoStart": 1, "LockServerUrl": "yes", "Colour": "blue"})
    broken.write_bytes(b"<plist><dict><key>AutoStart")
    _write_plist(listed, ["not", "a", "dict"])
    reading = MacPolicyReader(files=(good, broken, listed)).read()
    assert reading.values == {}
    assert sorted((p.source, p.key) for p in reading.problems) == [
        (str(good), "AutoStart"),
        (str(good), "Colour"),
        (str(good), "LockServerUrl"),
        (str(broken), "*"),
        (str(listed), "*"),
    ]


# Linux


def test_linux_reads_the_json_object(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(
        json.dumps({"ServerUrl": " https://chat.example.com ", "AutoStart": True}), "utf-8"
    )
    reading = JsonPolicyReader(path=path).read()
    assert reading.values == {"ServerUrl": "https://chat.example.com", "AutoStart": True}
    assert reading.sources == {"ServerUrl": str(path), "AutoStart": str(path)}


@pytest.mark.parametrize(
    "content",
    [
        {"AutoStart": 1},  # JSON has real booleans; 1 is not true
        {"AutoStart": "true"},
        {"LockServerUrl": None},
        {"ServerUrl": True},
        {"ServerUrl": ["https://a.example.com"]},
    ],
)
def test_linux_wrong_types_are_reported_and_ignored(tmp_path: Path, content: object) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(content), "utf-8")
    reading = JsonPolicyReader(path=path).read()
    assert reading.values == {}
    assert len(reading.problems) == 1


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '"text"'])
def test_linux_broken_files_are_reported(tmp_path: Path, text: str) -> None:
    path = tmp_path / "policy.json"
    path.write_text(text, "utf-8")
    reading = JsonPolicyReader(path=path).read()
    assert reading.values == {}
    assert [p.key for p in reading.problems] == ["*"]


def test_linux_missing_file_is_no_policy(tmp_path: Path) -> None:
    assert JsonPolicyReader(path=tmp_path / "absent.json").read().problems == ()


def test_problems_are_logged_as_warnings(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "policy.json"
    path.write_text('{"AutoStart": "yes"}', "utf-8")
    JsonPolicyReader(path=path).read().log_problems()
    assert "AutoStart" in caplog.text
    assert caplog.records[0].levelname == "WARNING"


# Choosing the reader


@pytest.mark.parametrize(
    ("platform", "kind"),
    [
        ("win32", WindowsPolicyReader),
        ("darwin", MacPolicyReader),
        ("linux", JsonPolicyReader),
        ("emscripten", NoPolicyReader),
    ],
)
def test_default_reader_per_platform(platform: str, kind: type) -> None:
    assert isinstance(default_reader(platform), kind)
