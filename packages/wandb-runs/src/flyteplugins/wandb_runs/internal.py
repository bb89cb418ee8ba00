"""Plumbing of the runs package for sibling packages and tests only.

Not part of the public API: no stability promise, names may change in any release. Users import
from ``flyteplugins.wandb_runs`` (or ``flyteplugins.wandb``) only.
"""

from . import _compat as compat
from ._access import RUN_DATA_KEY
from ._distributed import DistributedInfo, detect_distributed, plan_rank, task_topology
from ._registry import init_lock, live_run
from ._settings import DecoratorOptions, effective_mode, resolve, shared_mode_kwargs

__all__ = [
    "RUN_DATA_KEY",
    "DecoratorOptions",
    "DistributedInfo",
    "compat",
    "detect_distributed",
    "effective_mode",
    "init_lock",
    "live_run",
    "plan_rank",
    "resolve",
    "shared_mode_kwargs",
    "task_topology",
]
