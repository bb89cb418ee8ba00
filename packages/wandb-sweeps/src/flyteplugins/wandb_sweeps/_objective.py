"""Calling a sweep objective the way ``wandb.agent`` does, also when it is ``async``."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable
from typing import Any


def call_objective(function: Callable[[], Any]) -> Any:
    """Call ``function()``; an awaitable result (an ``async def`` objective) is run to completion.

    ``wandb.agent`` calls the objective on a thread of its own, with no event loop running, so
    ``asyncio.run`` is safe there.
    """
    result = function()
    if inspect.isawaitable(result):
        return asyncio.run(_await(result))
    return result


async def _await(awaitable: Any) -> Any:
    return await awaitable


def as_sync_objective(function: Callable[[], Any]) -> Callable[[], Any]:
    """``function`` wrapped so that ``wandb.agent`` also runs ``async def`` objectives."""

    @functools.wraps(function)
    def objective() -> Any:
        return call_objective(function)

    return objective


def check_objective(function: Any) -> Callable[[], Any]:
    if not callable(function):
        raise TypeError(
            f"function must be the sweep objective, a callable taking no arguments that reads its "
            f"hyperparameters from wandb.run.config; got {function!r}."
        )
    return function
