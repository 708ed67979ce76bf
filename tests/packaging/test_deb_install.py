"""The .deb made from the real bundle installs with dpkg, its smoke test passes, and it removes
cleanly. This changes the machine (/opt/courtyard, /usr/bin/courtyard), so it runs only as root,
which CI is; outside CI a missing dpkg or a non-root user skips it with the reason, in CI they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.packaging.conftest import Bundle, clean_env, smoke_test
from tests.packaging.tools import PACKAGING, require, run

pytestmark = pytest.mark.timeout(1500)  # may be the first to need the shared build

PACKAGE = "courtyard"
INSTALLED = (
    Path("/opt/courtyard/courtyard"),
    Path("/usr/bin/courtyard"),
    Path("/usr/share/applications/courtyard.desktop"),
    Path("/usr/share/icons/hicolor/scalable/apps/courtyard.svg"),
)


def _cannot_install() -> str | None:
    if shutil.which("dpkg") is None:
        return "no dpkg on this machine (not Debian or Ubuntu)"
    if os.geteuid() != 0:
        return "installing a .deb needs root (CI runs as root)"
    return None


def installed_version() -> str | None:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status} ${Version}", PACKAGE],
        capture_output=True,
        text=True,
        check=False,
    )
    status, _, version = result.stdout.rpartition(" ")
    return version if result.returncode == 0 and status == "install ok installed" else None


@pytest.fixture(scope="module")
def deb(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = _cannot_install()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must install the .deb: {reason}")
        pytest.skip(reason)
    bundle: Bundle = request.getfixturevalue("bundle")  # only now: the build takes minutes
    require("dpkg-deb", "desktop-file-validate")
    if installed_version() is not None:
        pytest.fail(f"{PACKAGE} {installed_version()} is installed already; remove it first")
    out = tmp_path_factory.mktemp("deb")
    # gzip -1 instead of dpkg-deb's default xz -6: minutes less CPU for a package nobody downloads.
    fast = {**os.environ, "DPKG_DEB_COMPRESSOR_TYPE": "gzip", "DPKG_DEB_COMPRESSOR_LEVEL": "1"}
    result = subprocess.run(
        [str(PACKAGING / "linux" / "build_deb.sh"), str(bundle.folder), "0.0.1", str(out)],
        capture_output=True,
        text=True,
        env=fast,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip())


@dataclass(frozen=True)
class Installed:
    paths: list[Path]
    """Every path dpkg recorded for the package (files, links and folders)."""
    existed_before: frozenset[Path]
    """Those that were there before the install (/usr/bin, /opt ...): removal must keep them."""


@pytest.fixture(scope="module")
def installed(deb: Path) -> Iterator[Installed]:
    """Install the package with dpkg -i; remove it again afterwards whatever happened."""
    listed = [line.split(maxsplit=5)[5] for line in run("dpkg-deb", "--contents", deb).splitlines()]
    paths = [Path(name.split(" -> ")[0].removeprefix(".").rstrip("/") or "/") for name in listed]
    before = frozenset(p for p in paths if p.exists())
    run("dpkg", "-i", deb)
    try:
        yield Installed([Path(p) for p in run("dpkg", "-L", PACKAGE).split()], before)
    finally:
        if installed_version() is not None:
            subprocess.run(["dpkg", "-r", PACKAGE], capture_output=True, check=False)


def test_installed_files_are_where_the_docs_say(installed: Installed) -> None:
    for path in INSTALLED:
        assert path in installed.paths and path.exists(), path
    assert Path("/usr/bin/courtyard").resolve() == Path("/opt/courtyard/courtyard")
    assert installed_version() == "0.0.1"


def test_installed_desktop_file_passes_desktop_file_validate(installed: Installed) -> None:
    desktop = Path("/usr/share/applications/courtyard.desktop")
    result = subprocess.run(
        ["desktop-file-validate", str(desktop)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_installed_app_passes_its_smoke_test(installed: Installed, tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert shutil.which("courtyard", path=clean_env(home)["PATH"]) == "/usr/bin/courtyard"
    report = smoke_test("courtyard", home)  # found on PATH, as a user starts it
    assert report["ok"] is True and report["frozen"] is True
    assert all(check["ok"] for check in report["checks"]), report["checks"]


def test_dpkg_r_removes_every_file_it_installed(installed: Installed) -> None:
    run("dpkg", "-r", PACKAGE)
    assert installed_version() is None
    left = [p for p in installed.paths if p.exists() and p not in installed.existed_before]
    assert left == []
    assert not Path("/opt/courtyard").exists()  # nothing written next to the app while it ran
