"""The real frozen app, built once per test session with packaging/courtyard.spec.

A PyInstaller build of a Qt app takes minutes and both cores, so every test that needs the bundle
shares this one. PyInstaller's work folder stays in build/pyinstaller-tests (ignored by git), so
a second run on a developer's machine only redoes what changed; CI starts from a fresh clone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.packaging.tools import PACKAGING, ROOT

SPEC = PACKAGING / "courtyard.spec"
BUILD_LIMIT = 1200  # seconds; a cold build took 7 minutes on a busy 2-core machine
SMOKE_LIMIT = 180  # the app's own limit is 120 s


@dataclass(frozen=True)
class Bundle:
    folder: Path
    """The onedir folder: the `courtyard` launcher and _internal/."""
    build_seconds: float

    @property
    def launcher(self) -> Path:
        return self.folder / "courtyard"

    def size_bytes(self) -> int:
        """What the folder takes on disk; PyInstaller's symbolic links count once, as links."""
        return sum(p.lstat().st_size for p in self.folder.rglob("*") if not p.is_dir())


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    if sys.platform != "linux":
        pytest.skip("the bundle tests build and run the Linux bundle; other OSes: release.yml")
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    if not pyinstaller.exists():
        pytest.fail(f"{pyinstaller} is missing: pip install -e '.[packaging]' (make does this)")
    dist = tmp_path_factory.mktemp("dist")
    work = ROOT / "build" / "pyinstaller-tests"
    started = time.monotonic()
    result = subprocess.run(
        [
            str(pyinstaller),
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(dist),
            "--workpath",
            str(work),
            str(SPEC),
        ],
        capture_output=True,
        text=True,
        timeout=BUILD_LIMIT,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    seconds = time.monotonic() - started
    assert result.returncode == 0, f"PyInstaller failed:\n{result.stdout}\n{result.stderr[-6000:]}"
    folder = dist / "courtyard"
    assert (folder / "courtyard").is_file(), sorted(p.name for p in dist.iterdir())
    return Bundle(folder, seconds)


def clean_env(home: Path) -> dict[str, str]:
    """The environment of a user whose home is `home`: no display, no QT_QPA_PLATFORM (the smoke
    test must choose offscreen itself), nothing of the test run's virtualenv or Python path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "PYTHONPATH", "VIRTUAL_ENV"}
    }
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        PATH=os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p),
    )
    return env


def smoke_test(launcher: Path | str, home: Path) -> dict[str, Any]:
    """Run `launcher --smoke-test` as a user whose home is `home`; its JSON report."""
    home.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [str(launcher), "--smoke-test"],
        capture_output=True,
        text=True,
        timeout=SMOKE_LIMIT,
        check=False,
        env=clean_env(home),
        cwd=home,
    )
    assert result.returncode == 0, (
        f"exit {result.returncode}:\n{result.stdout}\n{result.stderr[-4000:]}"
    )
    report: dict[str, Any] = json.loads(result.stdout)
    return report
