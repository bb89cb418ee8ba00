"""W&B configuration for Flyte tasks, carried in Flyte's ``custom_context``.

``wandb_config()`` and ``wandb_sweep_config()`` build the settings; pass them to
``flyte.with_runcontext(custom_context=...)`` or use them as context managers inside a task.
``get_wandb_context()`` / ``get_wandb_sweep_context()`` read them back as typed objects.
Sibling packages share plumbing through :mod:`flyteplugins.wandb_context.internal`.
"""

from ._api import get_wandb_context, get_wandb_sweep_context, wandb_config, wandb_sweep_config
from ._types import RankScope, RunMode
from ._version import __version__

__all__ = [
    "RankScope",
    "RunMode",
    "__version__",
    "get_wandb_context",
    "get_wandb_sweep_context",
    "wandb_config",
    "wandb_sweep_config",
]
