"""The WiX source builds into an MSI with wixl, and its tables say what IT relies on."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.packaging.tools import PACKAGING, require, run, stand_in_onedir

# Pinned forever: a different UpgradeCode makes Windows install a new version beside the old one.
UPGRADE_CODE = "{37FF652E-D237-4B0A-8082-19DF8F567EA0}"
PUBLIC_PROPERTIES = {"SERVERURL", "LOCKSERVERURL", "AUTOSTART", "DISABLEUPDATECHECK"}
POLICY_KEY = r"Software\Policies\Courtyard"
HKLM = "2"
WXS = PACKAGING / "windows" / "courtyard.wxs"

Table = list[dict[str, str]]


@pytest.fixture(scope="module")
def msi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require("wixl", "wixl-heat", "msiinfo", "msibuild")
    folder = tmp_path_factory.mktemp("msi")
    payload = stand_in_onedir(folder / "courtyard", "courtyard.exe")
    output = folder / "Courtyard.msi"
    result = subprocess.run(
        [
            *(sys.executable, str(PACKAGING / "windows" / "build_msi_wixl.py")),
            *("--payload", str(payload), "--version", "1.4.2", "--output", str(output)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return output


def table(msi: Path, name: str) -> Table:
    """A table as rows of column → value, from msiinfo's IDT export (header, types, keys, rows)."""
    lines = run("msiinfo", "export", msi, name).replace("\r", "").split("\n")
    columns = lines[0].split("\t")
    return [dict(zip(columns, line.split("\t"), strict=True)) for line in lines[3:] if line]


def properties(msi: Path) -> dict[str, str]:
    return {row["Property"]: row["Value"] for row in table(msi, "Property")}


def test_upgrade_code_never_changes(msi: Path) -> None:
    assert properties(msi)["UpgradeCode"] == UPGRADE_CODE
    assert UPGRADE_CODE.strip("{}") in WXS.read_text(encoding="utf-8")


def test_product_identity_and_version(msi: Path) -> None:
    props = properties(msi)
    assert props["ProductName"] == "Courtyard"
    assert props["ProductVersion"] == "1.4.2"
    assert props["ProductCode"] != UPGRADE_CODE  # a new ProductCode per build: major upgrades


def test_installs_per_machine_into_program_files(msi: Path) -> None:
    assert properties(msi)["ALLUSERS"] == "1"
    directories = {row["Directory"]: row for row in table(msi, "Directory")}
    assert directories["INSTALLDIR"]["Directory_Parent"] == "ProgramFiles64Folder"
    assert directories["INSTALLDIR"]["DefaultDir"] == "Courtyard"


def test_public_properties_are_secure(msi: Path) -> None:
    secure = set(properties(msi)["SecureCustomProperties"].split(";"))
    assert secure >= PUBLIC_PROPERTIES
    assert {"WIX_UPGRADE_DETECTED", "WIX_DOWNGRADE_DETECTED"} <= secure
    # No default values: an unset property must mean "no policy", not a policy of "".
    assert not PUBLIC_PROPERTIES & set(properties(msi))


def test_each_property_becomes_a_conditional_hklm_policy_value(msi: Path) -> None:
    components = {row["Component"]: row for row in table(msi, "Component")}
    policy = {
        row["Name"]: row
        for row in table(msi, "Registry")
        if row["Root"] == HKLM and row["Key"] == POLICY_KEY
    }
    assert policy["ServerUrl"]["Value"] == "[SERVERURL]"
    assert policy["LockServerUrl"]["Value"] == "#[LOCKSERVERURL]"  # '#' makes a DWORD
    assert policy["AutoStart"]["Value"] == "#[AUTOSTART]"
    assert policy["DisableUpdateCheck"]["Value"] == "#[DISABLEUPDATECHECK]"
    for name, row in policy.items():
        component = components[row["Component_"]]
        # Written only when the property was given, in the 64-bit registry view (256).
        assert component["Condition"] == row["Value"].strip("#[]"), name
        assert int(component["Attributes"]) & 256, name


def test_autostart_adds_a_machine_run_entry_only_when_one(msi: Path) -> None:
    run_rows = [row for row in table(msi, "Registry") if row["Key"].endswith(r"\Run")]
    assert [row["Value"] for row in run_rows] == ['"[INSTALLDIR]courtyard.exe" --autostart']
    components = {row["Component"]: row for row in table(msi, "Component")}
    assert components[run_rows[0]["Component_"]]["Condition"] == 'AUTOSTART = "1"'


def test_major_upgrade_rows_and_downgrade_block(msi: Path) -> None:
    rows = table(msi, "Upgrade")
    assert {row["UpgradeCode"] for row in rows} == {UPGRADE_CODE}
    older = next(row for row in rows if row["ActionProperty"] == "WIX_UPGRADE_DETECTED")
    newer = next(row for row in rows if row["ActionProperty"] == "WIX_DOWNGRADE_DETECTED")
    assert (older["VersionMin"], older["VersionMax"]) == ("", "1.4.2")
    assert (newer["VersionMin"], newer["VersionMax"]) == ("1.4.2", "")
    assert int(newer["Attributes"]) & 2  # detect only: a newer version is never removed
    conditions = [row["Condition"] for row in table(msi, "LaunchCondition")]
    assert "NOT WIX_DOWNGRADE_DETECTED" in conditions
    actions = {row["Action"]: row for row in table(msi, "InstallExecuteSequence")}
    assert {"FindRelatedProducts", "RemoveExistingProducts"} <= set(actions)


def test_start_menu_shortcut_starts_the_app(msi: Path) -> None:
    (shortcut,) = table(msi, "Shortcut")
    assert shortcut["Name"] == "Courtyard"
    assert shortcut["Directory_"] == "ProgramMenuFolder"
    files = {row["File"]: row for row in table(msi, "File")}
    components = {row["Component"]: row for row in table(msi, "Component")}
    key_file = files[components[shortcut["Component_"]]["KeyPath"]]
    assert key_file["FileName"] == "courtyard.exe"
    assert shortcut["WkDir"] == "INSTALLDIR"


def test_the_whole_onedir_is_installed(msi: Path) -> None:
    names = {row["FileName"] for row in table(msi, "File")}
    assert names == {"courtyard.exe", "base_library.zip", "Qt6Core.dll"}
    directories = {row["Directory"]: row for row in table(msi, "Directory")}
    components = {row["Component"]: row for row in table(msi, "Component")}
    qt_core = next(row for row in table(msi, "File") if row["FileName"] == "Qt6Core.dll")
    chain, folder = [], components[qt_core["Component_"]]["Directory_"]
    while folder != "TARGETDIR":
        chain.append(directories[folder]["DefaultDir"])
        folder = directories[folder]["Directory_Parent"]
    assert chain == ["PySide6", "_internal", "Courtyard", "."]  # ProgramFiles64Folder is "."


def test_silent_install_has_no_ui_that_could_prompt(msi: Path) -> None:
    # Without a UI reference there are no dialogs; /qn then needs nothing from the user.
    assert table(msi, "InstallUISequence")  # the standard actions only
    dialogs = run("msiinfo", "tables", msi).split()
    assert "Dialog" not in dialogs


def test_source_declares_the_properties_secure() -> None:
    ns = {"w": "http://schemas.microsoft.com/wix/2006/wi"}
    root = ET.parse(WXS).getroot()
    secure = {p.get("Id") for p in root.iterfind(".//w:Property[@Secure='yes']", ns)}
    assert secure == PUBLIC_PROPERTIES
