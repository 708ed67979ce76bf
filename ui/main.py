"""Composition root of the desktop app (QApplication + qasync loop).

The window arrives with the desktop-app issue; until then `courtyard` says so and exits non-zero,
rather than pretending to be an app.
"""

from __future__ import annotations

import sys


def main() -> int:
    print(
        "The Courtyard desktop window is not built yet. The reference server runs with:\n"
        "  courtyard-server --data ./demo-data demo",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
