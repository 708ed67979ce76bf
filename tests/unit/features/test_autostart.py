"""Start at sign-in: the per-user entry each OS reads is written and removed again."""

from __future__ import annotations

import configparser
import plistlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.features.autostart import (
    LaunchAgentAutoStart,
    RunKeyAutoStart,
    XdgAutoStart,
    default_autostart,
    launch_command,
)

COMMAND = ["/opt/courtyard/courtyard"]


def test_xdg_entry_is_a_desktop_file_that_starts_the_app(tmp_path: Path) -> None:
    entry = XdgAutoStart(config_home=tmp_path, command=[*COMMAND, "--theme", "dark mode"])
    assert not entry.is_enabled()
    entry.set_enabled(True)
    assert entry.is_enabled()
    assert entry.path == tmp_path / "autostart" / "courtyard.desktop"
    parsed = configparser.ConfigParser(interpolation=None)
    parsed.read(entry.path, encoding="utf-8")
    section = parsed["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Exec"] == "/opt/courtyard/courtyard --theme 'dark mode'"
    assert section["TryExec"] == "/opt/courtyard/courtyard"
    entry.set_enabled(False)
    assert not entry.is_enabled() and not entry.path.exists()
    entry.set_enabled(False)  # removing what is not there is fine


def test_launch_agent_runs_the_app_at_load(tmp_path: Path) -> None:
    entry = LaunchAgentAutoStart(home=tmp_path, command=COMMAND)
    entry.set_enabled(True)
    assert entry.path == tmp_path / "Library" / "LaunchAgents" / "com.courtyard.desktop.plist"
    agent = plistlib.loads(entry.path.read_bytes())
    assert agent == {
        "Label": "com.courtyard.desktop",
        "ProgramArguments": COMMAND,
        "RunAtLoad": True,
    }
    entry.set_enabled(False)
    assert not entry.is_enabled()


def test_each_os_gets_its_own_entry() -> None:
    assert isinstance(default_autostart("win32"), RunKeyAutoStart)
    assert isinstance(default_autostart("darwin"), LaunchAgentAutoStart)
    assert isinstance(default_autostart("linux"), XdgAutoStart)


def test_xdg_config_home_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    entry = default_autostart("linux")
    assert isinstance(entry, XdgAutoStart)
    assert entry.path == tmp_path / "cfg" / "autostart" / "courtyard.desktop"


def test_from_source_the_entry_runs_this_python_on_ui_main() -> None:
    assert launch_command() == [sys.executable, "-m", "ui.main"]


def test_xdg_entry_passes_desktop_file_validate(tmp_path: Path) -> None:
    if shutil.which("desktop-file-validate") is None:
        pytest.skip("desktop-file-validate is not installed (apt-get install desktop-file-utils)")
    entry = XdgAutoStart(config_home=tmp_path, command=COMMAND)
    entry.set_enabled(True)
    result = subprocess.run(
        ["desktop-file-validate", str(entry.path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr
