"""The screenshot watermark overlay and OS capture protection (issue 7)."""

from ui.watermark.capture import CaptureGuard, ProtectionState
from ui.watermark.controller import WatermarkController
from ui.watermark.overlay import WatermarkOverlay
from ui.watermark.protection import ContentProtection, cover

__all__ = [
    "CaptureGuard",
    "ContentProtection",
    "ProtectionState",
    "WatermarkController",
    "WatermarkOverlay",
    "cover",
]
