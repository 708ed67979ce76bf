"""The PySide6 desktop app: a thin adapter over app.client and app.features."""

from ui.refcounts import keep_singletons_alive

keep_singletons_alive()
