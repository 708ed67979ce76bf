"""The .desktop file validates, and build_deb.sh / build_tarball.sh package a onedir correctly."""

from __future__ import annotations

import configparser
import subprocess
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.packaging.tools import PACKAGING, ROOT, require, run, stand_in_onedir

LINUX = PACKAGING / "linux"
DESKTOP = LINUX / "courtyard.desktop"
ICON = ROOT / "resources" / "icons" / "courtyard.svg"
# What the bundled Qt xcb platform plugin needs from the system.
QT_XCB_RUNTIME = {
    "libxkbcommon-x11-0",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-shape0",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-image0",
    "libegl1",
    "libfontconfig1",
    "libdbus-1-3",
}


def linux_onedir(folder: Path) -> Path:
    onedir = stand_in_onedir(folder / "courtyard", "courtyard")
    (onedir / "courtyard").chmod(0o755)
    return onedir


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require("dpkg-deb")
    folder = tmp_path_factory.mktemp("deb")
    out = run(LINUX / "build_deb.sh", linux_onedir(folder), "1.4.2", folder / "out", "amd64")
    path = Path(out.strip())
    assert path == folder / "out" / "courtyard_1.4.2_amd64.deb"
    return path


def control(deb: Path) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in run("dpkg-deb", "--field", deb).splitlines():
        if line and not line.startswith(" "):
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    return fields


def contents(deb: Path) -> dict[str, tuple[str, str]]:
    """Path in the package → (mode string, link target or "")."""
    entries: dict[str, tuple[str, str]] = {}
    for line in run("dpkg-deb", "--contents", deb).splitlines():
        mode, owner, _size, _date, _time, name, *link = line.split(maxsplit=6)
        assert owner == "root/root", line
        target = link[0].removeprefix("-> ") if link else ""
        entries[name.removeprefix(".").rstrip("/") or "/"] = (mode, target)
    return entries


def test_desktop_file_passes_desktop_file_validate() -> None:
    require("desktop-file-validate")
    result = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""  # no hints or warnings either


def test_desktop_file_starts_the_installed_command_with_the_installed_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read(DESKTOP, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Exec"] == "courtyard"
    assert section["Icon"] == ICON.stem
    assert "InstantMessaging" in section["Categories"].split(";")


def test_icon_is_a_square_svg() -> None:
    root = ET.parse(ICON).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 128 128"


def test_deb_control_fields(deb: Path) -> None:
    fields = control(deb)
    assert fields["Package"] == "courtyard"
    assert fields["Version"] == "1.4.2"
    assert fields["Architecture"] == "amd64"
    assert fields["Section"] == "net"
    assert fields["Maintainer"]
    assert int(fields["Installed-Size"]) > 0
    depends = {
        alt.strip().split()[0] for dep in fields["Depends"].split(",") for alt in dep.split("|")
    }
    assert depends >= QT_XCB_RUNTIME


def test_deb_installs_to_opt_with_a_command_a_menu_entry_and_an_icon(deb: Path) -> None:
    files = contents(deb)
    assert files["/opt/courtyard/courtyard"][0] == "-rwxr-xr-x"
    assert files["/opt/courtyard/_internal/PySide6/Qt6Core.dll"][0] == "-rw-r--r--"
    assert files["/usr/bin/courtyard"] == ("lrwxrwxrwx", "/opt/courtyard/courtyard")
    assert files["/usr/share/applications/courtyard.desktop"][0] == "-rw-r--r--"
    assert "/usr/share/icons/hicolor/scalable/apps/courtyard.svg" in files
    # IT owns machine policy; the package must not (purge would delete it).
    assert not [name for name in files if name.startswith("/etc")]


def test_deb_ships_the_desktop_file_unchanged(deb: Path, tmp_path: Path) -> None:
    run("dpkg-deb", "--extract", deb, tmp_path)
    shipped = tmp_path / "usr" / "share" / "applications" / "courtyard.desktop"
    assert shipped.read_bytes() == DESKTOP.read_bytes()


def test_build_deb_refuses_a_folder_that_is_not_a_onedir(tmp_path: Path) -> None:
    require("dpkg-deb")
    (tmp_path / "empty").mkdir()
    result = subprocess.run(
        [str(LINUX / "build_deb.sh"), str(tmp_path / "empty"), "1.0.0", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "missing" in result.stderr
    assert not (tmp_path / "out").exists()


def test_tarball_holds_the_onedir_under_a_versioned_folder(tmp_path: Path) -> None:
    out = run(
        LINUX / "build_tarball.sh", linux_onedir(tmp_path), "1.4.2", tmp_path / "out", "x86_64"
    )
    path = Path(out.strip())
    assert path.name == "courtyard-1.4.2-linux-x86_64.tar.gz"
    with tarfile.open(path) as archive:
        members = {m.name: m for m in archive.getmembers()}
    assert members["courtyard-1.4.2/courtyard"].mode & 0o111
    assert "courtyard-1.4.2/_internal/base_library.zip" in members
    assert {m.uid for m in members.values()} == {0}
