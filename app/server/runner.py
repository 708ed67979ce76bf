"""Serve the API with uvicorn, announcing the bound address (tests start it on port 0)."""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import uvicorn

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


def serve(
    service: Service,
    host: str,
    port: int,
    *,
    access_log: bool = False,
    background: list[Callable[[], Coroutine[Any, Any, None]]] | None = None,
) -> None:
    app = create_app(service, background=background or [])
    config = uvicorn.Config(
        # The two requests every delivery is made of skip FastAPI's per-request machinery.
        routes_sync.events_fast_lane(routes_messages.send_fast_lane(app, service), service),
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
