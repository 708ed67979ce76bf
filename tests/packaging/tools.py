"""Packaging tests call real tools; a missing one fails loudly with the apt package to install."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"

# tool → the Debian package that provides it (.ci/run installs these).
APT_PACKAGE = {
    "wixl": "wixl",
    "wixl-heat": "wixl",
    "msiinfo": "msitools",
    "msibuild": "msitools",
    "desktop-file-validate": "desktop-file-utils",
    "dpkg-deb": "dpkg",
}


def require(*tools: str) -> None:
    """Fail (never skip) when a tool is missing: CI installs them, so absence is a CI bug."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        packages = sorted({APT_PACKAGE.get(tool, tool) for tool in missing})
        pytest.fail(f"missing {', '.join(missing)}: apt-get install {' '.join(packages)}")


def run(*args: str | Path, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, check=False
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def stand_in_onedir(folder: Path, exe: str) -> Path:
    """A fake PyInstaller onedir build: the launcher plus an _internal folder, all tiny text."""
    (folder / "_internal" / "PySide6").mkdir(parents=True)
    (folder / exe).write_text("stand-in for the frozen Courtyard app\n", encoding="utf-8")
    (folder / "_internal" / "base_library.zip").write_text("stand-in\n", encoding="utf-8")
    (folder / "_internal" / "PySide6" / "Qt6Core.dll").write_text("stand-in\n", encoding="utf-8")
    return folder
