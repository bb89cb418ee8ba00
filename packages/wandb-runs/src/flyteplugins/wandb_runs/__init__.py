"""``@wandb_init``: Weights & Biases runs around Flyte tasks, traces and sweep objectives.

* ``wandb_init`` starts a run before the task body and finishes it after (failed when the
  body raises), shares it with child tasks per ``run_mode``, and handles distributed ranks.
* ``get_wandb_run()`` / ``get_wandb_run_dir()`` read the current run from a task, trace or
  objective; ``get_distributed_info()`` tells a process its torchrun rank.

Sibling packages and tests reach plumbing through :mod:`flyteplugins.wandb_runs.internal`.
"""

from ._access import get_distributed_info, get_wandb_run, get_wandb_run_dir
from ._decorator import wandb_init
from ._version import __version__

__all__ = [
    "__version__",
    "get_distributed_info",
    "get_wandb_run",
    "get_wandb_run_dir",
    "wandb_init",
]
