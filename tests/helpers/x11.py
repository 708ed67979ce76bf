"""A real, private X11 desktop for tests: Xvfb, a small window manager, and app windows.

``x11_desktop()`` starts ``Xvfb`` on a display number it picks itself (``-displayfd``), then
``matchbox-window-manager`` (Debian package of the same name), and yields a :class:`Desktop`
whose :meth:`Desktop.open_window` runs a separate process owning one real top-level window with
the given title and WM_CLASS. A real window manager is what sets ``_NET_ACTIVE_WINDOW`` and honours
``xdotool windowactivate``, exactly as on a user's desktop; faking the root property would only
test that we can read what we wrote. matchbox is the smallest EWMH manager in Debian (4 packages).

Everything is torn down on exit, even after a failure. A missing tool fails the test with the
apt package to install (CI installs them), it never skips. Run as
``python -m tests.helpers.x11 window TITLE INSTANCE CLASS`` it is the window process itself.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WM = "matchbox-window-manager"
APT_PACKAGES = {"Xvfb": "xvfb", "xdotool": "xdotool", WM: "matchbox-window-manager"}


def require(tool: str) -> str:
    """The path of ``tool``; fails (never skips) naming the apt package when it is missing."""
    import pytest

    path = shutil.which(tool)
    if path is None:
        pytest.fail(
            f"{tool} is not installed: apt-get install {APT_PACKAGES.get(tool, tool)} "
            "(CI installs it in .ci/run)",
            pytrace=False,
        )
    return path


def _stop(proc: subprocess.Popen[bytes] | subprocess.Popen[str], timeout: float = 5.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)


def _wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


@dataclass
class TestWindow:
    """A top-level window owned by its own process (like any other app's window)."""

    __test__ = False  # not a pytest test class
    desktop: Desktop
    proc: subprocess.Popen[str]
    window_id: int

    def activate(self) -> None:
        """Focus it the way a user's click would: ask the window manager, wait until done."""
        self.desktop.xdotool("windowactivate", "--sync", str(self.window_id))

    def close(self) -> None:
        _stop(self.proc)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


@dataclass
class Desktop:
    display: str
    env: dict[str, str]
    windows: list[TestWindow] = field(default_factory=list)

    def xdotool(self, *args: str) -> str:
        result = subprocess.run(
            [require("xdotool"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"xdotool {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def set_active_window(self, window_id: int) -> None:
        """Write ``_NET_ACTIVE_WINDOW`` on the root as a window manager would (for a desktop
        started without one, to put the reader in states a real manager never leaves it in)."""
        from Xlib import X, Xatom, display

        d = display.Display(self.display)
        try:
            active = d.intern_atom("_NET_ACTIVE_WINDOW")
            d.screen().root.change_property(
                active, Xatom.WINDOW, 32, [window_id], X.PropModeReplace
            )
            d.sync()
        finally:
            d.close()

    def open_window(self, title: str, instance: str, cls: str, timeout: float = 10.0) -> TestWindow:
        """A mapped window titled ``title`` with WM_CLASS (``instance``, ``cls``)."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.x11", "window", title, instance, cls],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        line = proc.stdout.readline() if ready else ""
        if not line.startswith("mapped "):
            _stop(proc)
            err = proc.stderr.read() if proc.stderr else ""
            TestWindow(self, proc, 0).close()
            raise RuntimeError(f"the window process did not map its window: {line!r} {err}")
        window = TestWindow(self, proc, int(line.split()[1], 16))
        self.windows.append(window)
        return window


@contextlib.contextmanager
def x11_desktop(*, wm: bool = True, timeout: float = 10.0) -> Iterator[Desktop]:
    """Xvfb (+ the window manager unless ``wm`` is False), torn down on exit."""
    xvfb_bin = require("Xvfb")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        [xvfb_bin, "-displayfd", str(write_fd), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    procs: list[subprocess.Popen[bytes]] = [xvfb]
    desktop: Desktop | None = None
    try:
        ready, _, _ = select.select([read_fd], [], [], timeout)
        number = os.read(read_fd, 64).decode().strip() if ready else ""
        if not number.isdigit():
            raise RuntimeError(f"Xvfb did not start (exit code {xvfb.poll()})")
        display = f":{number}"
        env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "XAUTHORITY")}
        env.update(DISPLAY=display, XDG_SESSION_TYPE="x11")
        desktop = Desktop(display, env)
        if wm:
            procs.append(
                subprocess.Popen(
                    [require(WM), "-display", display, "-use_titlebar", "no"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            _wait_for(lambda: _wm_ready(display), timeout, f"{WM} to manage {display}")
        yield desktop
    finally:
        os.close(read_fd)
        for window in desktop.windows if desktop else []:
            window.close()
        for proc in reversed(procs):
            _stop(proc)


def _wm_ready(display_name: str) -> bool:
    """True once an EWMH window manager has announced itself on the root window."""
    from Xlib import X, display, error

    try:
        d = display.Display(display_name)
    except (error.DisplayError, OSError):
        return False
    try:
        check = d.intern_atom("_NET_SUPPORTING_WM_CHECK")
        prop = d.screen().root.get_property(check, X.AnyPropertyType, 0, 1)
        return prop is not None and bool(prop.value)
    finally:
        d.close()


def _window_main(title: str, instance: str, cls: str) -> None:
    """The window process: one mapped top-level window, alive until stdin closes or SIGTERM."""
    from Xlib import X, Xatom, display

    d = display.Display()
    screen = d.screen()
    win = screen.root.create_window(
        0, 0, 400, 300, 0, screen.root_depth, X.InputOutput, X.CopyFromParent,
        background_pixel=screen.white_pixel, event_mask=X.StructureNotifyMask,
    )  # fmt: skip
    win.set_wm_class(instance, cls)
    win.change_property(Xatom.WM_NAME, Xatom.STRING, 8, title.encode("latin-1", "replace"))
    utf8 = d.intern_atom("UTF8_STRING")
    win.change_property(d.intern_atom("_NET_WM_NAME"), utf8, 8, title.encode("utf-8"))
    win.map()
    d.flush()
    while True:
        if d.next_event().type == X.MapNotify:
            break
    print(f"mapped {win.id:#x}", flush=True)
    while sys.stdin.read(1):  # stdin closes when the test ends (or is SIGTERMed first)
        pass
    d.close()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "window":
        _window_main(*sys.argv[2:])
    else:
        sys.exit("usage: python -m tests.helpers.x11 window TITLE INSTANCE CLASS")
