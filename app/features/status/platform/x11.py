"""X11 (Linux, BSD): the active window from EWMH, idle time from MIT-SCREEN-SAVER, via python-xlib.

The window manager publishes the focused client window in the root property
``_NET_ACTIVE_WINDOW``; its title is ``_NET_WM_NAME`` (UTF8_STRING), else ICCCM ``WM_NAME``; its
app is ``WM_CLASS`` (instance, class), reported as ``app_id`` = instance, ``app_name`` = class
(``("libreoffice", "libreoffice-calc")``, ``("code", "Code")``). Everything fails soft: the
active window may be destroyed between two requests (BadWindow), properties may be missing, the X
server may go away; each read returns None and a lost connection is retried later. Titles are
never logged.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
import warnings
from collections.abc import Callable

from Xlib import X, Xatom, display, error
from Xlib.ext import screensaver
from Xlib.xobject.drawable import Window

from app.features.status.sources import ForegroundWindow

log = logging.getLogger(__name__)

#: At most this many bytes of a title are read (rules look at the first 512 characters anyway).
MAX_TITLE_BYTES = 4096
#: After a failed connection, wait this long (seconds) before trying again.
RETRY_INTERVAL = 30.0

NO_EWMH = "the window manager does not say which window is active (EWMH _NET_ACTIVE_WINDOW)"
NO_SCREENSAVER_EXT = "the X server has no MIT-SCREEN-SAVER extension"


def cannot_connect(display_name: str) -> str:
    return f"cannot connect to the X display {display_name}"


def decode_text(type_name: str | None, value: bytes) -> str:
    """A text property's bytes as text: UTF8_STRING as UTF-8, STRING as Latin-1 (ICCCM); other
    encodings (COMPOUND_TEXT) are read as UTF-8, which is right for their ASCII part."""
    value = value.split(b"\0", 1)[0]
    if type_name == "STRING":
        return value.decode("latin-1")
    return value.decode("utf-8", errors="replace")


def parse_wm_class(value: bytes) -> tuple[str, str] | None:
    """``b"instance\\0class\\0"`` → (instance, class); None when malformed."""
    parts = value.split(b"\0")
    if len(parts) < 2 or not (parts[0] or parts[1]):
        return None
    instance, cls = (p.decode("utf-8", errors="replace") for p in parts[:2])
    return instance, cls


def _open(name: str) -> tuple[display.Display | None, str]:
    with warnings.catch_warnings():
        # python-xlib leaves the socket of a failed connection in a reference cycle for the
        # garbage collector, which then warns; collect it here, where that warning is expected.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return display.Display(name), ""
        except Exception as exc:  # a third-party connect can fail in many ways; none may escape
            problem = f"{type(exc).__name__}: {exc}"
        gc.collect()
    return None, problem


class X11Connection:
    """One lazy, self-healing connection to an X display, shared by the sources over it.

    ``display()`` returns the open :class:`Xlib.display.Display` or None; after a failure it does
    not retry for ``retry_interval`` seconds, so a dead X server costs nothing per tick.
    """

    def __init__(
        self,
        display_name: str,
        *,
        retry_interval: float = RETRY_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.display_name = display_name
        self._retry_interval = retry_interval
        self._monotonic = monotonic
        self._display: display.Display | None = None
        self._failed_at: float | None = None
        self._atoms: dict[str, int] = {}

    def display(self) -> display.Display | None:
        if self._display is not None:
            return self._display
        now = self._monotonic()
        if self._failed_at is not None and now - self._failed_at < self._retry_interval:
            return None
        self._display, problem = _open(self.display_name)
        if self._display is None:
            if self._failed_at is None:
                log.info("cannot connect to X display %s: %s", self.display_name, problem)
            self._failed_at = now
            return None
        self._failed_at = None
        self._atoms.clear()
        return self._display

    def connected(self) -> bool:
        return self.display() is not None

    def atom(self, name: str) -> int:
        """The atom for ``name`` (cached per connection); raises like any X request."""
        if name not in self._atoms:
            d = self.display()
            if d is None:
                raise error.ConnectionClosedError(self.display_name)
            self._atoms[name] = d.intern_atom(name)
        return self._atoms[name]

    def lost(self, exc: BaseException | None = None) -> None:
        """Forget a broken connection; the next ``display()`` reconnects (after the interval)."""
        if exc is not None:  # the type only: an X error's text may quote a property value
            log.info("lost X display %s (%s)", self.display_name, type(exc).__name__)
        if self._display is not None:
            with contextlib.suppress(Exception):
                self._display.close()
        self._display = None
        self._failed_at = self._monotonic()
        self._atoms.clear()

    def close(self) -> None:
        """Close the connection for good (until ``display()`` is called again)."""
        self.lost()
        self._failed_at = None


class X11Foreground:
    """The :class:`ForegroundSource` for X11 sessions."""

    def __init__(self, connection: X11Connection) -> None:
        self._conn = connection

    @property
    def unsupported_reason(self) -> str | None:
        d = self._conn.display()
        if d is None:
            return cannot_connect(self._conn.display_name)
        try:
            supported = d.screen().root.get_full_property(
                self._conn.atom("_NET_SUPPORTED"), X.AnyPropertyType, sizehint=256
            )
            active = self._conn.atom("_NET_ACTIVE_WINDOW")
        except error.XError:
            return NO_EWMH
        except Exception as exc:  # the connection broke (or python-xlib did): reconnect later
            self._conn.lost(exc)
            return cannot_connect(self._conn.display_name)
        if supported is None or supported.format != 32 or active not in supported.value:
            return NO_EWMH
        return None

    def current(self) -> ForegroundWindow | None:
        d = self._conn.display()
        if d is None:
            return None
        try:
            window = self._active_window(d)
            return self._describe(window) if window is not None else None
        except error.XError:
            return None  # e.g. BadWindow: it closed between our requests; ask again next tick
        except Exception as exc:  # the connection broke (or python-xlib did): reconnect later
            self._conn.lost(exc)
            return None

    def _active_window(self, d: display.Display) -> Window | None:
        root = d.screen().root
        prop = root.get_property(self._conn.atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType, 0, 1)
        if prop is None or prop.format != 32 or not prop.value:
            return None
        wid = int(prop.value[0])
        return d.create_resource_object("window", wid) if wid else None

    def _describe(self, window: Window) -> ForegroundWindow | None:
        title = self._text(window, "_NET_WM_NAME")
        if title is None:
            title = self._text(window, "WM_NAME")
        cls_prop = window.get_property(self._conn.atom("WM_CLASS"), X.AnyPropertyType, 0, 256)
        wm_class = parse_wm_class(bytes(cls_prop.value)) if cls_prop is not None else None
        if title is None and wm_class is None:
            return None
        instance, cls = wm_class or ("", "")
        return ForegroundWindow(app_id=instance or cls, title=title or "", app_name=cls)

    def _text(self, window: Window, name: str) -> str | None:
        prop = window.get_property(
            self._conn.atom(name), X.AnyPropertyType, 0, MAX_TITLE_BYTES // 4
        )
        if prop is None or prop.format != 8:
            return None
        latin1 = prop.property_type == Xatom.STRING
        return decode_text("STRING" if latin1 else None, bytes(prop.value)) or None


class X11Idle:
    """The :class:`IdleSource` for X11: milliseconds since the last input, from the X server."""

    def __init__(self, connection: X11Connection) -> None:
        self._conn = connection

    @property
    def unsupported_reason(self) -> str | None:
        d = self._conn.display()
        if d is None:
            return cannot_connect(self._conn.display_name)
        return None if d.has_extension(screensaver.extname) else NO_SCREENSAVER_EXT

    def idle_seconds(self) -> float | None:
        d = self._conn.display()
        if d is None or not d.has_extension(screensaver.extname):
            return None
        try:
            info = screensaver.query_info(d.screen().root)
            return int(info.idle) / 1000.0
        except error.XError:
            return None
        except Exception as exc:  # the connection broke (or python-xlib did): reconnect later
            self._conn.lost(exc)
            return None
