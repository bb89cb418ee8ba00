"""Whether sweeps run against a W&B server or offline on this machine."""

from __future__ import annotations

import os

from flyteplugins.wandb_context import get_wandb_context

_OFFLINE_MODES = ("offline", "dryrun")


def is_offline() -> bool:
    """``mode`` from ``wandb_config()`` in the Flyte context, else ``WANDB_MODE``, is offline."""
    config = get_wandb_context()
    mode = config.mode if config is not None and config.mode else os.environ.get("WANDB_MODE")
    return (mode or "").strip().lower() in _OFFLINE_MODES
