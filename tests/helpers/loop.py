"""Letting an asyncio loop run what is ready, for unit tests of loop-driven pieces."""

from __future__ import annotations

import asyncio


async def settle(rounds: int = 50) -> None:
    """Yield to the loop ``rounds`` times, so every chain of ready callbacks runs to its wait."""
    for _ in range(rounds):
        await asyncio.sleep(0)
