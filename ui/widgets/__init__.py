"""Reusable widgets of the main window: composer, conversation header, avatar label."""
