"""Online sweeps: ``wandb.sweep``, ``wandb.agent`` and ``wandb.Api`` against the W&B server of
``wandb_config(host=...)``, the same server the sweep's runs go to.

Both SDK calls keep their state in process globals (environment variables, the SDK session):
one runs at a time per process, and what they change is restored afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from flyteplugins.wandb_context import get_wandb_context
from flyteplugins.wandb_context.internal import hosts

from ._compat import sdk_agent, sdk_base_url
from ._environ import scoped_environ
from ._objective import as_sync_objective

_ONLINE_LOCK = threading.Lock()

# wandb.sweep and wandb.agent export these process-wide and leave them behind.
_EXPORTED = ("WANDB_PROJECT", "WANDB_ENTITY", "WANDB_SWEEP_ID")


def context_base_url() -> str | None:
    """The W&B API of ``wandb_config(host=...)`` in the Flyte context, by the plugin's one host
    rule; ``None`` (no host, or the public wandb.ai) leaves the server to the SDK
    (``WANDB_BASE_URL``, else the W&B cloud).

    Raises:
        ValueError: the host breaks the host rule (never a fallback to another server).
    """
    cfg = get_wandb_context()
    return hosts.api_base_url(cfg.host if cfg else None)


@contextmanager
def online_sdk() -> Iterator[None]:
    """The SDK pointed at the context's server for one ``wandb.sweep``/``wandb.agent`` call, one
    such call at a time in this process; the environment they export is restored afterwards."""
    base_url = context_base_url()  # read in the caller's Flyte context, before taking the lock
    server = sdk_base_url(base_url) if base_url else nullcontext()
    with _ONLINE_LOCK, scoped_environ({}, restore=_EXPORTED), server:
        yield


def create_online_sweep(
    config: dict[str, Any], project: str | None, entity: str | None, prior_runs: list[str]
) -> str:
    import wandb

    if not project:
        raise ValueError(
            "Creating a W&B sweep needs a project, so that agents can find it: set "
            "@wandb_sweep(project=...), wandb_sweep_config(project=...) or wandb_config(project=...)."
        )
    with online_sdk():
        return wandb.sweep(sweep=dict(config), entity=entity, project=project, prior_runs=prior_runs or None)


def run_online_agent(
    sweep_id: str,
    function: Callable[[], Any],
    count: int | None,
    project: str | None,
    entity: str | None,
    max_consecutive_failed_runs: int | None,
    kwargs: dict[str, Any],
) -> None:
    """``wandb.agent`` (the SDK's own, also while ``wandb.agent`` is routed) on the context's
    server; ``async def`` objectives are awaited."""
    with online_sdk():
        sdk_agent()(
            sweep_id,
            function=as_sync_objective(function),
            entity=entity,
            project=project,
            count=count,
            max_consecutive_failed_runs=max_consecutive_failed_runs,
            **kwargs,
        )


def online_api() -> Any:
    """A ``wandb.Api`` for the context's server."""
    import wandb

    base_url = context_base_url()
    return wandb.Api(overrides={"base_url": base_url}) if base_url else wandb.Api()
