"""``wandb.agent(...)`` called from the body of a ``@wandb_sweep`` task is served by
:func:`run_sweep_agent`, so the documented pattern

    wandb.agent(sweep_id, function=objective, count=count, project=...)

also works offline (the sweep lives on this machine) and with ``async def`` objectives, and uses
the server of ``wandb_config(host=...)`` online.

Scope: ``wandb.agent`` is replaced only while at least one sweep task body runs in the process
(restored when the last one ends), and the replacement serves only calls with a ``function``
made from the body of such a task (its Flyte action); a child task, a script or another thread
without that task context reaches the previous ``wandb.agent`` unchanged, as it would in its own
pod. ``@wandb_sweep(route_wandb_agent=False)`` opts a task out. Code that bound
``from wandb import agent`` before the task started keeps the SDK's function: call
:func:`run_sweep_agent` directly there.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flyteplugins.wandb_context.internal import task_context

from ._compat import restore_wandb_agent, sdk_agent, swap_wandb_agent

_lock = threading.Lock()
_routing: Counter[Any] = Counter()  # Flyte actions whose sweep task body runs now
_previous: Callable[..., Any] | None = None


@contextmanager
def route_wandb_agent() -> Iterator[None]:
    """For the block (the body of the current ``@wandb_sweep`` task): its ``wandb.agent`` calls
    are served by :func:`run_sweep_agent`."""
    global _previous
    action = _current_action()
    if action is None:  # not in a task: nothing to route
        yield
        return
    with _lock:
        if not _routing:
            _previous = swap_wandb_agent(_routed_agent)
        _routing[action] += 1
    try:
        yield
    finally:
        with _lock:
            _routing[action] -= 1
            if not _routing[action]:
                del _routing[action]
            if not _routing and _previous is not None:
                restore_wandb_agent(_routed_agent, _previous)
                _previous = None


def routes_here() -> bool:
    """Whether a ``wandb.agent`` call made here is served by :func:`run_sweep_agent`."""
    action = _current_action()
    with _lock:
        return action is not None and action in _routing


def _current_action() -> Any:
    tctx = task_context()
    return tctx.action if tctx is not None else None


def _routed_agent(
    sweep_id: str,
    function: Callable[..., Any] | None = None,
    entity: str | None = None,
    project: str | None = None,
    count: int | None = None,
    **kwargs: Any,
) -> Any:
    if function is not None and routes_here():
        from ._agent import run_sweep_agent

        return run_sweep_agent(sweep_id, function, count=count, project=project, entity=entity, **kwargs)
    with _lock:
        previous = _previous or sdk_agent()
    return previous(sweep_id, function=function, entity=entity, project=project, count=count, **kwargs)
