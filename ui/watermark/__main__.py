"""Demo: the watermark over a text view, on the light or dark theme.

    python -m ui.watermark [--theme light|dark] [--screenshot PATH]

With ``--screenshot`` it renders once (offscreen works: QT_QPA_PLATFORM=offscreen), saves the
image and exits; otherwise it opens a window.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QApplication, QTextBrowser, QVBoxLayout, QWidget

from app.core.clock import FakeClock
from app.core.wire import OrgPolicy
from app.features.watermark import Viewer
from ui import theme
from ui.watermark.controller import WatermarkController

CONVERSATION = """
<p><b>Amira Haddad</b> <span style="color:#8a919c">09:12</span><br>
The Q3 pricing sheet is in the shared folder. Please don't forward it outside the deal team
until legal has signed off.</p>
<p><b>Jonas Berg</b> <span style="color:#8a919c">09:14</span><br>
Thanks. I moved the enterprise tier to 18&nbsp;% off list and added the two-year option.</p>
<p><b>李伟</b> <span style="color:#8a919c">09:15</span><br>
收到，我下午和客户开会前再核对一遍数字。</p>
<p><b>Amira Haddad</b> <span style="color:#8a919c">09:21</span><br>
Great. Keep the discount ladder confidential, the customer only sees the final number.
@Jonas can you prepare the summary for Thursday's board call?</p>
<p><b>Jonas Berg</b> <span style="color:#8a919c">09:23</span><br>
Will do. Draft by tomorrow noon.</p>
"""


def build(controller: WatermarkController) -> QWidget:
    window = QWidget()
    window.setWindowTitle("Courtyard watermark demo")
    layout = QVBoxLayout(window)
    layout.setContentsMargins(0, 0, 0, 0)
    view = QTextBrowser(window)
    view.setHtml(CONVERSATION)
    view.setStyleSheet("QTextBrowser { border: none; padding: 12px; font-size: 14px; }")
    layout.addWidget(view)
    controller.attach(view)
    window.resize(760, 440)
    return window


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.watermark")
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--screenshot", help="save a PNG of the window and exit")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    theme.apply(app, args.theme)
    controller = WatermarkController(
        viewer=Viewer("Li Wei", "liwei", employee_id="E-10442", device_name="LW-T14"),
        clock=FakeClock(dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)),
        zone=ZoneInfo("Europe/Berlin"),
        policy=OrgPolicy(watermark_enabled=True),
    )
    window = build(controller)
    window.show()
    if args.screenshot:
        app.processEvents()
        ok = window.grab().save(args.screenshot)
        return 0 if ok else 1
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
