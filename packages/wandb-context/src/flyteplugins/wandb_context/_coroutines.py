"""Finishing an awaitable from synchronous code that no event loop runs."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any


def run_coroutine_sync(result: Any) -> Any:
    """``result``, or when it is awaitable, what it returns, run on a new event loop.

    For code on a thread without a running loop: a sync Flyte task body (Flyte runs it on a worker
    thread) or a sweep objective called by ``wandb.agent`` on its own thread.
    """
    if not inspect.isawaitable(result):
        return result
    return asyncio.run(_await(result))


async def _await(awaitable: Any) -> Any:
    return await awaitable
