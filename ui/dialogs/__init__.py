"""Dialogs of the main window (quick switcher, ...)."""
