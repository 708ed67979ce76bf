"""Serve the API with uvicorn, announcing the bound address (tests start it on port 0)."""

from __future__ import annotations

import gc
import logging
import os
import socket
import sys
from collections.abc import Callable, Coroutine
from typing import Any, cast

import uvicorn
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.server.api import routes_messages, routes_sync
from app.server.api.app import create_app
from app.server.service import Service

log = logging.getLogger(__name__)


class _AnnouncingServer(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        for server in self.servers:
            for sock in server.sockets:
                host, port = sock.getsockname()[:2]
                # One machine-readable line on stdout: supervisors and tests wait for it.
                print(f"courtyard-server listening on http://{host}:{port}", flush=True)
        _tune_gc()


GC_YOUNG_SWEEPS = 100
"""Young collections between two of the middle generation (Python's default: 10)."""


def _tune_gc() -> None:
    """Shorten and space out the garbage collector's pauses, once the server has started.

    Every collection stops the event loop. Under 2,000 long-polls the default thresholds ran a
    middle-generation collection several times a second (each scanning the ~10-50k objects of
    the parked polls, 10-60 ms) and a full one every few seconds (180k objects, 80-100 ms), which
    set the p99 of every request. Frozen, the ~110k objects of start-up (modules, the app, the
    engines) are never scanned again; the middle generation runs ten times less often. Cyclic
    garbage is still collected, only later (bench/RESULTS.md has the measured pauses).
    """
    gc.freeze()
    young, _, old = gc.get_threshold()
    gc.set_threshold(young, GC_YOUNG_SWEEPS, old)


def serve(
    service: Service,
    host: str,
    port: int,
    *,
    access_log: bool = False,
    background: list[Callable[[], Coroutine[Any, Any, None]]] | None = None,
) -> None:
    # The client address from a trusted reverse proxy's X-Forwarded-For (nginx on the same host
    # by default), as uvicorn would; only FastAPI's routes use it (the sign-in limiter), so the
    # two fast lanes in front do not pay for it on every long-poll.
    app = cast(
        ASGIApp,
        ProxyHeadersMiddleware(
            create_app(service, background=background or []),  # type: ignore[arg-type]
            trusted_hosts=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        ),
    )
    config = uvicorn.Config(
        # The two requests every delivery is made of skip FastAPI's per-request machinery.
        routes_sync.events_fast_lane(routes_messages.send_fast_lane(app, service), service),
        proxy_headers=False,
        host=host,
        port=port,
        access_log=access_log,
        log_level="info",
        timeout_graceful_shutdown=2,
        # Long-polls hold up to 60 s; keep-alive must outlast the gap between two polls.
        timeout_keep_alive=75,
    )
    _AnnouncingServer(config).run()
    sys.stdout.flush()
