"""dmgbuild settings for Courtyard's disk image: the app beside an Applications link, drag to install.

Used as: dmgbuild -s packaging/macos/settings.py -D app=dist/Courtyard.app Courtyard Courtyard.dmg
dmgbuild runs this file with a `defines` dictionary holding the -D values.
"""

from __future__ import annotations

import os

_defines: dict[str, str] = globals().get("defines", {})

application = _defines.get("app", "dist/Courtyard.app")
appname = os.path.basename(application)

# Compressed, read-only (UDZO opens on every supported macOS; ULFO would need 10.11+ anyway).
format = _defines.get("format", "UDZO")
size = _defines.get("size")  # None: dmgbuild sizes the image from its contents

files = [application]
symlinks = {"Applications": "/Applications"}
icon = _defines.get("icon")  # the volume icon; the .icns the spec built, when given

default_view = "icon-view"
show_status_bar = False
show_tab_view = False
show_toolbar = False
show_pathbar = False
show_sidebar = False
window_rect = ((200, 200), (560, 320))
icon_size = 112
text_size = 13
icon_locations = {
    appname: (140, 150),
    "Applications": (420, 150),
}
