"""The frozen app's entry point: the desktop app, or the embedded demo server it starts as a child.

PyInstaller freezes this script (see courtyard.spec). A frozen app has no ``python -m``, so the
desktop app starts its embedded demo server by running its own executable with
:data:`ui.demo.EMBEDDED_SERVER_ARG` first; everything after that goes to ``courtyard-server``.
"""

from __future__ import annotations

import sys

# The bundle may live in a folder root owns (/opt/courtyard, C:\Program Files): never write
# __pycache__ next to the Alembic migrations the embedded server loads from source.
sys.dont_write_bytecode = True

from ui.demo import EMBEDDED_SERVER_ARG  # noqa: E402  (after the bytecode switch on purpose)


def run() -> int:
    if sys.argv[1:2] == [EMBEDDED_SERVER_ARG]:
        from app.server.cli import main as server_main

        return server_main(sys.argv[2:])
    from ui.main import main as app_main

    return app_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(run())
