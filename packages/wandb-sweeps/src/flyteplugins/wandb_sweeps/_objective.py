"""Calling a sweep objective the way ``wandb.agent`` does, also when it is ``async``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flyteplugins.wandb_context.internal import run_coroutine_sync


def call_objective(function: Callable[[], Any]) -> Any:
    """Call ``function()``; an awaitable result (an ``async def`` objective) is run to completion.

    ``wandb.agent`` and the offline agent call the objective on a thread of their own, where no
    event loop runs.
    """
    return run_coroutine_sync(function())


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
