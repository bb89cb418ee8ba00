"""While a ``@wandb_sweep`` task runs, ``wandb.agent(...)`` called inside it is served by
:func:`run_sweep_agent`, so the documented pattern

    wandb.agent(sweep_id, function=objective, count=count, project=...)

also works offline (the sweep lives on this machine) and with ``async def`` objectives.

The replacement is installed while at least one sweep task runs in the process and removed when
the last one ends. It only takes calls made from inside a sweep task (the sweep id is in the
caller's Flyte context) with a ``function``; every other call goes to the original ``wandb.agent``
unchanged. Code that bound ``from wandb import agent`` before the task started keeps the
original; call :func:`run_sweep_agent` directly there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flyteplugins.wandb_context.internal import current_custom_context, keys

_lock = threading.Lock()
_active = 0
_original: Callable[..., Any] | None = None


@contextmanager
def route_wandb_agent() -> Iterator[None]:
    global _active, _original
    import wandb

    with _lock:
        if _active == 0:
            _original = wandb.agent
            wandb.agent = _routed_agent
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                if wandb.agent is _routed_agent:
                    wandb.agent = _original  # type: ignore[assignment]
                _original = None


def _routed_agent(
    sweep_id: str,
    function: Callable[..., Any] | None = None,
    entity: str | None = None,
    project: str | None = None,
    count: int | None = None,
    **kwargs: Any,
) -> Any:
    if function is not None and keys.SWEEP_ID_KEY in current_custom_context():
        from ._agent import run_sweep_agent

        return run_sweep_agent(sweep_id, function, count=count, project=project, entity=entity, **kwargs)
    from wandb.wandb_agent import agent

    return agent(sweep_id, function=function, entity=entity, project=project, count=count, **kwargs)
