"""Start Courtyard when the user signs in to the computer: one switch, one per-user entry per OS.

The AutoStart device policy (or the user's own choice in Settings) decides; this module only
writes or removes the entry the OS reads at sign-in:

- Linux and other XDG desktops: ``$XDG_CONFIG_HOME/autostart/courtyard.desktop``
- macOS: ``~/Library/LaunchAgents/com.courtyard.desktop.plist`` (a LaunchAgent with RunAtLoad)
- Windows: the ``Courtyard`` value under ``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run``

All of them are the user's own, so no elevation is needed and an uninstall leaves nothing machine
wide behind (the MSI's ``AUTOSTART=1`` writes the machine-wide ``HKLM`` entry itself).
"""

from __future__ import annotations

import os
import plistlib
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

ENTRY_NAME = "Courtyard"
BUNDLE_ID = "com.courtyard.desktop"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


class AutoStart(Protocol):
    def is_enabled(self) -> bool: ...

    def set_enabled(self, enabled: bool) -> None:
        """Write or remove the entry; raises OSError when the OS store refuses."""
        ...


def launch_command() -> list[str]:
    """How the OS should start this app: the frozen executable, or this Python running ui.main."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "ui.main"]


class _FileEntry:
    """An entry that is one file in the user's home: present means on."""

    path: Path

    def __init__(self, *, path: Path, command: Sequence[str]) -> None:
        self.path = path
        self.command = list(command)

    def content(self) -> bytes:
        raise NotImplementedError

    def is_enabled(self) -> bool:
        return self.path.is_file()

    def set_enabled(self, enabled: bool) -> None:
        if not enabled:
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(self.content())


class XdgAutoStart(_FileEntry):
    """A .desktop file in the user's XDG autostart folder (GNOME, KDE, Xfce, Cinnamon, MATE...)."""

    def __init__(self, *, config_home: Path, command: Sequence[str]) -> None:
        super().__init__(path=config_home / "autostart" / "courtyard.desktop", command=command)

    def content(self) -> bytes:
        return (
            "[Desktop Entry]\n"
            "Type=Application\n"
            f"Name={ENTRY_NAME}\n"
            "Comment=Start Courtyard when you sign in\n"
            f"Exec={shlex.join(self.command)}\n"
            # Desktops skip the entry quietly once the app is uninstalled (the file is the user's).
            f"TryExec={self.command[0]}\n"
            "Icon=courtyard\n"
            "Terminal=false\n"
            "X-GNOME-Autostart-enabled=true\n"
        ).encode()


class LaunchAgentAutoStart(_FileEntry):
    """A per-user LaunchAgent that runs the app once at sign-in."""

    def __init__(self, *, home: Path, command: Sequence[str]) -> None:
        path = home / "Library" / "LaunchAgents" / f"{BUNDLE_ID}.plist"
        super().__init__(path=path, command=command)

    def content(self) -> bytes:
        return plistlib.dumps(
            {"Label": BUNDLE_ID, "ProgramArguments": self.command, "RunAtLoad": True}
        )


class RunKeyAutoStart:
    """The ``Courtyard`` value in the user's Run key, set through reg.exe (no winreg import here,
    so the module imports and type-checks on every OS)."""

    def __init__(self, *, command: Sequence[str]) -> None:
        self._command = subprocess.list2cmdline(list(command))

    def is_enabled(self) -> bool:
        return self._reg("query", f"HKCU\\{RUN_KEY}", "/v", ENTRY_NAME, check=False) == 0

    def set_enabled(self, enabled: bool) -> None:
        key = f"HKCU\\{RUN_KEY}"
        if enabled:
            self._reg("add", key, "/v", ENTRY_NAME, "/t", "REG_SZ", "/d", self._command, "/f")
        elif self.is_enabled():
            self._reg("delete", key, "/v", ENTRY_NAME, "/f")

    @staticmethod
    def _reg(*args: str, check: bool = True) -> int:
        result = subprocess.run(["reg", *args], capture_output=True, check=False)
        if check and result.returncode != 0:
            raise OSError(f"reg {args[0]} failed with exit code {result.returncode}")
        return result.returncode


def default_autostart(platform: str = sys.platform) -> AutoStart:
    """The entry for `platform` (a sys.platform value), starting this app as it runs now."""
    command = launch_command()
    if platform == "win32":
        return RunKeyAutoStart(command=command)
    if platform == "darwin":
        return LaunchAgentAutoStart(home=Path.home(), command=command)
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return XdgAutoStart(config_home=Path(config_home), command=command)
