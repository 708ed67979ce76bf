"""Test/demo entry point: `courtyard-server` on a clock the test controls.

    COURTYARD_TEST_CLOCK_FILE=/tmp/now python -m tests.helpers.clocked_server --data D run --port 0

The server reads "now" from the file on every transaction and read (app.core.clock.FileClock);
the test moves the time with app.core.clock.SharedFakeClock, which also drives the clients, so
server and clients agree on whether someone is off. The variable is read here only: the real
command line (app.server.cli) has no way to change its clock.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app.core.clock import FileClock
from app.server import cli

CLOCK_FILE = "COURTYARD_TEST_CLOCK_FILE"


def main() -> int:
    path = os.environ.get(CLOCK_FILE)
    if not path:
        print(f"error: {CLOCK_FILE} must name the file holding the fake time", file=sys.stderr)
        return 2
    return cli.main(clock=FileClock(Path(path)))


if __name__ == "__main__":
    sys.exit(main())
