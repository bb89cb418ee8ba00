"""Whether sweeps run against a W&B server or on this machine."""

from __future__ import annotations

from flyteplugins.wandb_context import get_wandb_context
from flyteplugins.wandb_context.internal import modes


def is_offline() -> bool:
    """True when sweeps run on this machine (W&B's sweep engine, locally): the mode of
    ``wandb_config()`` in the Flyte context, else ``WANDB_MODE`` (the plugin's one mode rule),
    is ``offline`` or ``disabled``.

    ``disabled`` talks to no server either, so a sweep runs locally as in offline mode; its
    trials are still recorded as local offline runs, since the engine reads their metrics
    from them.

    Raises:
        ValueError: the mode is not one the W&B SDK accepts.
    """
    return modes.context_mode(get_wandb_context()) in modes.NO_SERVER_MODES
