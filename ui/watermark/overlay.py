"""A mouse-transparent child widget that tiles the watermark text over its parent.

The text is rendered once into a periodic tile (a QPixmap at the screen's device pixel ratio) and
every paint just tiles that pixmap, so scrolling or typing underneath never lays out text again.
The tile is rebuilt only when what it depends on changes: the spec, the device pixel ratio (the
window moved to another screen), the palette (light/dark theme) or the font.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QChildEvent, QEvent, QObject, QPoint, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPalette, QPixmap
from PySide6.QtWidgets import QWidget

from app.features.watermark import WatermarkSpec

#: Font size of the watermark text, in logical pixels.
TEXT_PIXEL_SIZE = 15
#: Minimum clear space between two copies of the text, in logical pixels.
GAP = 24


def text_colour(widget: QWidget, opacity: float) -> QColor:
    """The palette's text colour (dark on the light theme, light on the dark one) at ``opacity``:
    it always differs from the background it was designed for, so the same opacity reads equally
    faint on both themes, unlike a fixed grey that nearly vanishes on one of them."""
    colour = QColor(widget.palette().color(QPalette.ColorRole.Text))
    colour.setAlphaF(max(0.0, min(1.0, opacity)))
    return colour


def text_font(widget: QWidget) -> QFont:
    font = QFont(widget.font())
    font.setPixelSize(TEXT_PIXEL_SIZE)
    return font


@dataclass(frozen=True)
class _TileKey:
    spec: WatermarkSpec
    dpr: float
    rgba: int
    font: str


def _cell(text_w: float, text_h: float, angle: float, spacing: tuple[int, int]) -> QSize:
    """The lattice step (x, y) for staggered rows: the spec's spacing, widened uniformly until
    no two copies of the rotated text overlap (a long name at a flat angle would otherwise run
    into its neighbour)."""
    rad = math.radians(angle)
    along = (math.cos(rad), math.sin(rad))
    across = (-math.sin(rad), math.cos(rad))
    sx, sy = float(max(spacing[0], 8)), float(max(spacing[1], 8))
    for _ in range(60):
        clear = True
        # Neighbours in a brick lattice: (i*sx + (j odd) * sx/2, j*sy).
        for j in range(0, 4):
            for i in range(-4, 5):
                if i <= 0 and j == 0:
                    continue
                dx = i * sx + (sx / 2 if j % 2 else 0.0)
                dy = j * sy
                a = abs(dx * along[0] + dy * along[1])
                c = abs(dx * across[0] + dy * across[1])
                if a < text_w + GAP and c < text_h + GAP / 2:
                    clear = False
        if clear:
            break
        sx, sy = sx * 1.1, sy * 1.1
    return QSize(math.ceil(sx), math.ceil(sy))


def render_tile(spec: WatermarkSpec, colour: QColor, font: QFont, dpr: float) -> QPixmap:
    """One period of the pattern: two staggered copies of the rotated text per tile, plus the
    parts of their neighbours that reach in, so tiles join without seams."""
    metrics = QFontMetricsF(font)
    text_w = metrics.horizontalAdvance(spec.text)
    text_h = metrics.height()
    cell = _cell(text_w, text_h, spec.angle, spec.spacing)
    size = QSize(cell.width(), cell.height() * 2)
    pixmap = QPixmap(round(size.width() * dpr), round(size.height() * dpr))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setFont(font)
    painter.setPen(colour)
    box = QRectF(-text_w / 2, -text_h / 2, text_w, text_h)
    reach = math.hypot(text_w, text_h) / 2
    rx = math.ceil(reach / size.width()) + 1
    ry = math.ceil(reach / size.height()) + 1
    centres = (
        QPointF(cell.width() / 2, cell.height() / 2),
        QPointF(0.0, cell.height() * 1.5),
    )
    for centre in centres:
        for i in range(-rx, rx + 1):
            for j in range(-ry, ry + 1):
                painter.save()
                painter.translate(centre.x() + i * size.width(), centre.y() + j * size.height())
                painter.rotate(spec.angle)
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, spec.text)
                painter.restore()
    painter.end()
    return pixmap


class WatermarkOverlay(QWidget):
    """Covers its parent, stays above its siblings and lets every mouse event through.

    Staying on top: a sibling created, shown or raised after us (a floating search panel calls
    ``raise_()`` when it opens) would hide the watermark under it, so the overlay watches its
    siblings' Show and ZOrderChange events as well as its parent's ChildAdded."""

    def __init__(self, parent: QWidget, spec: WatermarkSpec | None = None) -> None:
        super().__init__(parent)
        self._host = parent
        self.setObjectName("watermarkOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._spec: WatermarkSpec | None = None
        self._tile: QPixmap | None = None
        self._tile_key: _TileKey | None = None
        #: How many times the tile was rendered (tests check paints reuse it).
        self.tile_renders = 0
        self.setGeometry(parent.rect())
        self.hide()  # until there is a spec to show (a child would otherwise show with its parent)
        parent.installEventFilter(self)
        for sibling in parent.children():
            if sibling is not self and sibling.isWidgetType():
                sibling.installEventFilter(self)
        self.set_spec(spec)

    @property
    def spec(self) -> WatermarkSpec | None:
        return self._spec

    def set_spec(self, spec: WatermarkSpec | None) -> None:
        """Show ``spec`` now; None removes the watermark (the overlay hides, painting nothing)."""
        if spec == self._spec:
            return
        self._spec = spec
        if spec is None:
            self._tile = None
            self._tile_key = None
            self.hide()
            return
        self.setGeometry(self._host.rect())
        self.raise_()
        self.show()
        self.update()

    def tile(self) -> QPixmap | None:
        """The cached tile for the current spec, palette and screen (rendered if stale)."""
        if self._spec is None:
            return None
        # The host's palette, not ours: under an app stylesheet Qt stops propagating a parent's
        # palette to plain children, and the host is what the watermark is drawn over.
        colour = text_colour(self._host, self._spec.opacity)
        font = text_font(self)
        key = _TileKey(self._spec, self.devicePixelRatioF(), colour.rgba(), font.key())
        if self._tile is None or key != self._tile_key:
            self._tile = render_tile(self._spec, colour, font, key.dpr)
            self._tile_key = key
            self.tile_renders += 1
        return self._tile

    # Qt overrides

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if "_spec" not in self.__dict__:
            return False  # still being built, or torn down after Python cleared our attributes
        kind = event.type()
        if watched is self._host:
            if kind == QEvent.Type.Resize:
                self.setGeometry(self._host.rect())
            elif kind in (QEvent.Type.ChildAdded, QEvent.Type.ChildPolished, QEvent.Type.Show):
                # A sibling created (or shown) after us would otherwise stack above us.
                if kind == QEvent.Type.ChildAdded:
                    assert isinstance(event, QChildEvent)
                    child = event.child()
                    if child is not self and child.isWidgetType():
                        child.installEventFilter(self)
                self._stay_on_top()
            elif kind in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
                self.update()  # the tile key sees the new colour on the next paint
        elif kind in (QEvent.Type.Show, QEvent.Type.ZOrderChange):
            self._stay_on_top()  # a sibling was shown or raised above us
        return False

    def _stay_on_top(self) -> None:
        if self._spec is not None:
            self.raise_()

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (
            QEvent.Type.DevicePixelRatioChange,
            QEvent.Type.PaletteChange,
            QEvent.Type.FontChange,
            QEvent.Type.ScreenChangeInternal,
        ):
            # The tile key notices the change on the next paint; make sure there is one.
            self.update()
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        tile = self.tile()
        if tile is None:
            return
        period = tile.deviceIndependentSize()
        rect = event.rect()
        # Anchor the pattern to our own origin, whatever part of us is being repainted.
        offset = QPoint(
            round(math.fmod(rect.x(), period.width())),
            round(math.fmod(rect.y(), period.height())),
        )
        painter = QPainter(self)
        painter.drawTiledPixmap(rect, tile, offset)
        painter.end()
