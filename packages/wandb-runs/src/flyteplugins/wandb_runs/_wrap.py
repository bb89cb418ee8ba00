"""Sync and async wrappers that run a function inside a W&B run.

The run is started before the body, exposed to it, and finished after it: exit code 0, or 1
when the body raised (the body's exception then propagates unchanged). In async bodies the
blocking ``wandb.init``/``finish`` calls run in a worker thread so concurrent children keep
running; reusing a live run never leaves the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

from ._download import download_logs_async, download_logs_sync
from ._keep import keep_async, keep_sync
from ._lifecycle import RunScope
from ._lineage import TaskIO, log_outputs_async, log_outputs_sync, record_inputs_async, record_inputs_sync
from ._plan import RunPlan

F = TypeVar("F", bound=Callable[..., Any])
Planner = Callable[[FrameType | None], RunPlan]
"""Decides the run for one call; gets the caller's frame (to recognise Flyte as the caller)."""

WRAPPED_MARKER = "__flyteplugins_wandb_init__"

logger = logging.getLogger(__name__)


def _download_target(scope: RunScope) -> str | None:
    """The run to export after the body, if ``download_logs`` applies to it. A run that did not
    reach W&B is not downloaded: its kept directory (``_keep``) is the export."""
    if scope.plan.download_after and scope.run is not None and scope.unsynced_dir is None:
        return scope.run.id
    return None


def run_around(func: F, planner: Planner, io: TaskIO | None = None) -> F:
    """``func`` wrapped so every call runs inside the run ``planner`` picks; ``io`` (a Flyte
    task's) turns on lineage for its ``File``/``Dir`` inputs and outputs."""
    make = _async_wrapper if inspect.iscoroutinefunction(func) else _sync_wrapper
    wrapper = make(func, planner, io)
    setattr(wrapper, WRAPPED_MARKER, True)
    return wrapper  # type: ignore[return-value]


def _sync_wrapper(func: Callable[..., Any], planner: Planner, io: TaskIO | None) -> Callable[..., Any]:
    @functools.wraps(func)
    def sync_body(*args: Any, **kwargs: Any) -> Any:
        scope = RunScope(planner(sys._getframe(1)))
        try:
            scope.start()
            record_inputs_sync(scope, io, args, kwargs)
            with scope.exposed():
                result = func(*args, **kwargs)
        except BaseException:
            scope.finish_after_failure()
            _keep_sync(scope)
            raise
        try:
            log_outputs_sync(scope, io, result)
        finally:
            scope.finish(failed=False)
        _keep_sync(scope)
        run_id = _download_target(scope)
        if run_id is not None:
            download_logs_sync(run_id)
        return result

    return sync_body


def _async_wrapper(func: Callable[..., Any], planner: Planner, io: TaskIO | None) -> Callable[..., Any]:
    @functools.wraps(func)
    async def async_body(*args: Any, **kwargs: Any) -> Any:
        scope = RunScope(planner(sys._getframe(1)))
        blocking = scope.needs_wandb_init
        try:
            await _start(blocking, scope)
            await record_inputs_async(scope, io, args, kwargs)
            with scope.exposed():
                result = await func(*args, **kwargs)
        except BaseException:
            await _call(blocking, scope.finish_after_failure)
            await _keep_async(scope)
            raise
        try:
            await log_outputs_async(scope, io, result)
        finally:
            await _call(blocking, scope.finish, False)
        await _keep_async(scope)
        run_id = _download_target(scope)
        if run_id is not None:
            await download_logs_async(run_id)
        return result

    return async_body


def _keep_sync(scope: RunScope) -> None:
    if scope.unsynced_dir is not None and scope.run is not None:
        try:
            keep_sync(scope.run.id, scope.unsynced_dir, scope.plan.in_flyte_task)
        except Exception:
            logger.exception("Could not save the local directory of W&B run %s", scope.run.id)


async def _keep_async(scope: RunScope) -> None:
    if scope.unsynced_dir is not None and scope.run is not None:
        try:
            await keep_async(scope.run.id, scope.unsynced_dir, scope.plan.in_flyte_task)
        except Exception:
            logger.exception("Could not save the local directory of W&B run %s", scope.run.id)


async def _start(in_thread: bool, scope: RunScope) -> None:
    if not in_thread:
        scope.start()
        return
    started = asyncio.ensure_future(asyncio.to_thread(scope.start))
    try:
        await asyncio.shield(started)
    except asyncio.CancelledError:
        # The thread cannot be stopped: wait for wandb.init to return so that the run it
        # started is finished (as failed) before the cancellation propagates.
        await asyncio.wait({started})
        if not started.cancelled():
            started.exception()  # retrieved here: the cancellation is what propagates
        raise


async def _call(in_thread: bool, fn: Callable[..., Any], *args: Any) -> Any:
    if in_thread:
        return await asyncio.to_thread(fn, *args)
    return fn(*args)
