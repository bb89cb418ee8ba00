"""Every touch of a private part of wandb in the sweeps package, and the one replacement of a
wandb attribute.

Nothing else in the package imports ``wandb.sdk``, ``wandb.wandb_agent`` or ``flyte._*``, or
assigns to the ``wandb`` module. ``tests/sweeps/test_compat_canaries.py`` holds one canary per
touch; each fails naming what changed in the SDK, so an upgrade shows up there first.

1. :func:`sdk_agent`: ``wandb.wandb_agent.agent``, the SDK's own agent, which the public name
   ``wandb.agent`` refers to. Needed while :func:`swap_wandb_agent` has replaced that name.
2. :func:`swap_wandb_agent` / :func:`restore_wandb_agent`: ``wandb.agent`` replaced
   process-wide while a ``@wandb_sweep`` task body runs (see ``_router``).
3. :func:`trial_params_writer`: ``wandb.sdk.lib.config_util``, the writer of the parameters file
   that ``WANDB_SWEEP_PARAM_PATH`` points at (the SDK reads it back with the same module).
4. :func:`sdk_base_url`: the ``base_url`` setting of the SDK's running session
   (``wandb.sdk.wandb_setup.singleton().settings``), which ``wandb.sweep`` and ``wandb.agent``
   log in against; ``WANDB_BASE_URL`` alone is read only when a session starts.

Offline trials use no private part: the run id and parameters file reach ``wandb.init()`` as
the ``run_id``/``sweep_param_path`` settings that ``wandb.agent``'s environment variables set,
applied with the public ``wandb.setup(settings=...)`` and dropped after the agent with
``wandb.teardown()`` (see ``_local/_trial``). Flyte: nothing private; tasks are recognised by
the public ``flyte.AsyncFunctionTaskTemplate`` and the task context comes from
``flyteplugins.wandb_context.internal`` (which has its own compat module).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ._environ import scoped_environ

AgentFunction = Callable[..., Any]


def sdk_agent() -> AgentFunction:
    """The SDK's ``wandb.agent`` function, whatever the name ``wandb.agent`` refers to now."""
    from wandb.wandb_agent import agent

    return agent


def swap_wandb_agent(replacement: AgentFunction) -> AgentFunction:
    """Make ``wandb.agent`` refer to ``replacement``; returns what it referred to before."""
    import wandb

    previous: AgentFunction = wandb.agent
    wandb.agent = replacement  # type: ignore[assignment]
    return previous


def restore_wandb_agent(replacement: AgentFunction, previous: AgentFunction) -> None:
    """Undo :func:`swap_wandb_agent`, unless someone replaced ``wandb.agent`` again since (theirs
    is kept)."""
    import wandb

    if wandb.agent is replacement:
        wandb.agent = previous  # type: ignore[assignment]


def trial_params_writer() -> Callable[[Path, dict[str, Any]], None]:
    """The writer of a trial's parameters file: ``write(path, {"lr": {"value": 0.1}})`` writes it
    in the format the SDK reads from ``WANDB_SWEEP_PARAM_PATH``, with the function
    ``wandb.agent`` writes it with. Imports wandb: take it before holding a lock."""
    from wandb.sdk.lib import config_util

    def write(path: Path, params: dict[str, Any]) -> None:
        config_util.save_config_file_from_dict(str(path), params)

    return write


@contextmanager
def sdk_base_url(base_url: str) -> Iterator[None]:
    """Within the block the SDK talks to the W&B API at ``base_url``: ``WANDB_BASE_URL`` (read by
    ``wandb.Api()`` and by each SDK session ``wandb.agent`` starts for a trial) and the running
    session's ``base_url`` (what ``wandb.sweep``/``wandb.agent`` log in against). Both are
    restored afterwards, the setting also when ``wandb.agent`` replaced the session meanwhile."""
    from wandb.sdk import wandb_setup

    saved = wandb_setup.singleton().settings.base_url
    with scoped_environ({"WANDB_BASE_URL": base_url}):
        wandb_setup.singleton().settings.base_url = base_url
        try:
            yield
        finally:
            wandb_setup.singleton().settings.base_url = saved
