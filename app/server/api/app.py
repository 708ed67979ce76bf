"""The FastAPI application factory: routers, problem+json errors and the service's lifetime."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from app.server.api import (
    problems,
    routes_admin,
    routes_auth,
    routes_conversations,
    routes_messages,
    routes_people,
    routes_presence,
    routes_sync,
)
from app.server.service import Service

API_VERSION = "1"


def create_app(
    service: Service, *, background: list[Callable[[], Coroutine[Any, Any, None]]] | None = None
) -> FastAPI:
    """The API over ``service``; ``background`` coroutines (the demo's colleagues) run alongside."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await service.db.start()
        await service.notifier.start()
        tasks = [asyncio.create_task(job()) for job in background or []]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await service.notifier.aclose()
            await service.db.aclose()

    app = FastAPI(
        title="Courtyard reference server",
        version=API_VERSION,
        summary="Conversations, topics, messages, read receipts and a lossless long-poll stream.",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.service = service
    problems.install(app)
    for module in (
        routes_auth,
        routes_people,
        routes_conversations,
        routes_messages,
        routes_sync,
        routes_presence,
        routes_admin,
    ):
        app.include_router(module.router)
    return app
