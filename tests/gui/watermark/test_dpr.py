"""A real device-pixel-ratio change: the window moves from a 1x screen to a 2x screen.

This needs its own process, because the screens are fixed when QApplication starts: the
offscreen platform is given two screens by a config file and Qt's per-screen scale factors
(QT_SCREEN_SCALE_FACTORS) make the second one 2x. Qt then sends the real
DevicePixelRatioChange when the window moves, as it does when a laptop window is dragged onto
a high-DPI monitor.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = r"""
import json, sys
from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QTextBrowser, QVBoxLayout, QWidget

problems = []
def handler(kind, context, message):
    if kind != QtMsgType.QtDebugMsg and "propagateSizeHints" not in message:
        problems.append(message)
qInstallMessageHandler(handler)

from tests.gui.watermark.conftest import TEXT, spec
from tests.gui.watermark.images import argb, changed, composite, layer, max_difference
from ui.watermark.overlay import WatermarkOverlay

app = QApplication([])
one, two = app.screens()
container = QWidget()
layout = QVBoxLayout(container)
view = QTextBrowser(container)
view.setPlainText(TEXT)
layout.addWidget(view)
container.resize(360, 240)
container.move(one.geometry().topLeft())
overlay = WatermarkOverlay(container, spec())
container.show()
app.processEvents()

def state():
    grab = argb(container.grab())
    overlay.hide()
    base = argb(container.grab())
    overlay.show()
    alone = layer(container.rect(), overlay.tile(), grab.devicePixelRatio())
    return {
        "screen": container.screen().name(),
        "grab_dpr": grab.devicePixelRatio(),
        "grab_width": grab.width(),
        "tile_dpr": overlay.tile().devicePixelRatio(),
        "renders": overlay.tile_renders,
        "changed": changed(base, grab, grab.rect()),
        "max_diff_vs_alone": max_difference(grab, composite(base, alone)),
    }

before = state()
container.windowHandle().setScreen(two)
container.move(two.geometry().topLeft())
app.processEvents()
container.resize(360, 240)  # Qt keeps the native size across screens; compare like with like
app.processEvents()
after = state()
print(json.dumps({"before": before, "after": after, "problems": problems}))
"""


def test_moving_to_a_2x_screen_re_renders_the_tile_at_2x(tmp_path: Path) -> None:
    config = tmp_path / "screens.json"
    screen = {"y": 0, "width": 800, "height": 600, "logicalDpi": 96, "logicalBaseDpi": 96}
    config.write_text(
        json.dumps(
            {"screens": [{"name": "one", "x": 0, **screen}, {"name": "two", "x": 800, **screen}]}
        ),
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "QT_SCREEN_SCALE_FACTORS": "one=1;two=2",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("QT_SCALE_FACTOR", None)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    before, after = result["before"], result["after"]
    assert result["problems"] == []
    assert (before["screen"], before["grab_dpr"], before["tile_dpr"]) == ("one", 1.0, 1.0)
    assert (after["screen"], after["grab_dpr"], after["tile_dpr"]) == ("two", 2.0, 2.0)
    assert after["grab_width"] == 2 * before["grab_width"]
    assert (before["renders"], after["renders"]) == (1, 2)
    # At 2x the watermark covers about four times as many device pixels, and the grab is still
    # exactly the window with the watermark rendered alone on top.
    assert after["changed"] > 3 * before["changed"] > 0
    assert before["max_diff_vs_alone"] <= 1 and after["max_diff_vs_alone"] <= 1
