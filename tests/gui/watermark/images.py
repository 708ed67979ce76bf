"""Pixel helpers for the watermark tests (no numpy: bytes of 32-bit QImages, scanned in C
through bytes methods wherever the whole image is involved)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap


def argb(image: QImage | QPixmap) -> QImage:
    img = image.toImage() if isinstance(image, QPixmap) else image
    return img.convertToFormat(QImage.Format.Format_ARGB32)


def reader(img: QImage) -> Callable[[int, int], tuple[int, int, int, int]]:
    """A fast pixel getter for an ARGB32 image (device pixels) returning r, g, b, a."""
    data, bpl = bytes(img.constBits()), img.bytesPerLine()

    def at(x: int, y: int) -> tuple[int, int, int, int]:
        b, g, r, a = data[y * bpl + 4 * x : y * bpl + 4 * x + 4]
        return r, g, b, a

    return at


def where_alpha(img: QImage, value: int) -> list[tuple[int, int]]:
    """Device-pixel coordinates of an ARGB32 image whose alpha equals ``value``."""
    data = bytes(img.constBits())
    bpl, w = img.bytesPerLine(), img.width()
    found = []
    for y in range(img.height()):
        alphas = data[y * bpl + 3 : y * bpl + 4 * w : 4]
        x = alphas.find(value)
        while x != -1:
            found.append((x, y))
            x = alphas.find(value, x + 1)
    return found


def rgb_of(colour: QColor) -> tuple[int, int, int]:
    return colour.red(), colour.green(), colour.blue()


def most_common_colour(img: QImage) -> tuple[int, int, int]:
    """The colour of most pixels of an ARGB32 image (every 3rd pixel sampled)."""
    data = bytes(img.constBits())
    b, g, r, _ = Counter(data[i : i + 4] for i in range(0, len(data) - 3, 12)).most_common(1)[0][0]
    return r, g, b


def max_alpha(img: QImage) -> int:
    data = bytes(img.constBits())
    return max(data[3::4])


def layer(size: QRect, tile: QPixmap, dpr: float) -> QImage:
    """The watermark alone: the tile repeated over a transparent image of ``size``."""
    img = QImage(
        round(size.width() * dpr),
        round(size.height() * dpr),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    img.setDevicePixelRatio(dpr)
    img.fill(0)
    painter = QPainter(img)
    painter.drawTiledPixmap(size, tile, QPoint(0, 0))
    painter.end()
    return argb(img)


def composite(base: QImage, over: QImage) -> QImage:
    """``over`` drawn on ``base`` with source-over, as the screen would show it."""
    out = QImage(base)
    painter = QPainter(out)
    painter.drawImage(0, 0, over)
    painter.end()
    return argb(out)


def _difference_rows(a: QImage, b: QImage, rect: QRect | None = None) -> list[bytes]:
    """Per row, |a - b| of each colour channel (3 bytes a pixel), alpha left out."""
    assert (a.width(), a.height()) == (b.width(), b.height())
    diff = QImage(argb(a))
    diff.setDevicePixelRatio(1.0)
    other = QImage(argb(b))
    other.setDevicePixelRatio(1.0)
    painter = QPainter(diff)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Difference)
    painter.drawImage(0, 0, other)
    painter.end()
    rgb = diff.convertToFormat(QImage.Format.Format_RGB888)
    data, bpl = bytes(rgb.constBits()), rgb.bytesPerLine()
    area = rect or QRect(0, 0, a.width(), a.height())
    return [
        data[y * bpl + 3 * area.left() : y * bpl + 3 * (area.right() + 1)]
        for y in range(area.top(), area.bottom() + 1)
    ]


def max_difference(a: QImage, b: QImage) -> int:
    """The largest difference of any colour channel of any pixel."""
    return max((max(row) for row in _difference_rows(a, b) if row), default=0)


def changed(a: QImage, b: QImage, rect: QRect, threshold: int = 3) -> int:
    """How many pixels in ``rect`` differ by more than ``threshold`` (green channel; the
    watermark is a grey, so every channel moves together)."""
    table = bytes(1 if v > threshold else 0 for v in range(256))
    return sum(sum(row[1::3].translate(table)) for row in _difference_rows(a, b, rect))


def grid(img: QImage, n: int = 3) -> list[QRect]:
    """The image cut into n × n regions (device pixels), to check something is everywhere."""
    w, h = img.width(), img.height()
    return [QRect(i * w // n, j * h // n, w // n, h // n) for i in range(n) for j in range(n)]
