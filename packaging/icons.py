"""The app icon for Windows (.ico) and macOS (.icns), rendered from resources/icons/courtyard.svg.

The SVG is the one source of the icon (the .deb ships it as is). Both container formats may hold
plain PNG images, so Qt renders the sizes each OS wants and this module only writes the headers:
no image library beyond the Qt the app already bundles, and no binary icon files in the repository.

    python packaging/icons.py SVG OUTDIR      writes OUTDIR/courtyard.ico and OUTDIR/courtyard.icns
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# icns element types that hold PNG data, by pixel size (ic10 is the 512 pt @2x image).
ICNS_TYPES = (
    (32, b"icp5"),
    (64, b"icp6"),
    (128, b"ic07"),
    (256, b"ic08"),
    (512, b"ic09"),
    (1024, b"ic10"),
)


def ico(pngs: dict[int, bytes]) -> bytes:
    """An ICONDIR with one PNG-compressed entry per size (Windows Vista and later read these)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, images = b"", b""
    for size in sizes:
        data = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256 in the one-byte fields
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        images += data
        offset += len(data)
    return header + entries + images


def icns(pngs: dict[int, bytes]) -> bytes:
    """An icns file: the magic and total length, then (type, length, PNG) elements, big-endian."""
    body = b""
    for size, kind in ICNS_TYPES:
        if size in pngs:
            body += kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def render(svg: Path, sizes: set[int]) -> dict[int, bytes]:
    """PNG bytes of the SVG at each size, drawn by QtSvg with antialiasing on a clear background."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG")
    pngs: dict[int, bytes] = {}
    for size in sorted(sizes):
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        pngs[size] = bytes(data.data())
    return pngs


def write_icons(svg: Path, outdir: Path) -> tuple[Path, Path]:
    pngs = render(svg, set(ICO_SIZES) | {size for size, _ in ICNS_TYPES})
    outdir.mkdir(parents=True, exist_ok=True)
    ico_path, icns_path = outdir / "courtyard.ico", outdir / "courtyard.icns"
    ico_path.write_bytes(ico({s: pngs[s] for s in ICO_SIZES}))
    icns_path.write_bytes(icns(pngs))
    return ico_path, icns_path


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    for path in write_icons(Path(sys.argv[1]), Path(sys.argv[2])):
        print(path)
