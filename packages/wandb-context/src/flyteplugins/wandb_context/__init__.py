"""W&B configuration for Flyte tasks, carried in Flyte's ``custom_context``.

``wandb_config()`` and ``wandb_sweep_config()`` build the settings; pass them to
``flyte.with_runcontext(custom_context=...)`` or use them as context managers inside a task.
``get_wandb_context()`` / ``get_wandb_sweep_context()`` read them back as typed objects.
"""

from __future__ import annotations

from . import _host as hosts
from . import _keys as keys
from . import _mode as modes
from . import _validate as validation
from ._api import get_wandb_context, get_wandb_sweep_context, wandb_config, wandb_sweep_config
from ._config import WandbConfig, WandbSweepConfig
from ._flyte_context import current_custom_context, in_task_context, scoped_task_context, task_data
from ._scope import ConfigScope, WandbConfigScope, WandbSweepConfigScope
from ._types import RankScope, RunMode, WandbMode
from ._version import __version__

__all__ = [
    "ConfigScope",
    "RankScope",
    "RunMode",
    "WandbConfig",
    "WandbConfigScope",
    "WandbMode",
    "WandbSweepConfig",
    "WandbSweepConfigScope",
    "__version__",
    "current_custom_context",
    "get_wandb_context",
    "get_wandb_sweep_context",
    "hosts",
    "in_task_context",
    "keys",
    "modes",
    "scoped_task_context",
    "task_data",
    "validation",
    "wandb_config",
    "wandb_sweep_config",
]
