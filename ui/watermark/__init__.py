"""The screenshot watermark overlay and OS capture protection (issue 7)."""

from ui.watermark.capture import CaptureGuard, ProtectionState
from ui.watermark.controller import WatermarkController
from ui.watermark.overlay import WatermarkOverlay

__all__ = ["CaptureGuard", "ProtectionState", "WatermarkController", "WatermarkOverlay"]
