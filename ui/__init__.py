"""The PySide6 desktop app: a thin adapter over app.client and app.features."""
