"""Weights & Biases for Flyte 2: the documented names of every plugin package in one place.

This module only re-exports; each name is the same object as in the package that owns it.
"""

from flyteplugins.wandb_artifacts import (
    download_wandb_artifact,
    download_wandb_artifact_dir,
    download_wandb_run_dir,
    download_wandb_run_logs,
    download_wandb_sweep_dirs,
    download_wandb_sweep_logs,
    export_offline_run,
)
from flyteplugins.wandb_context import (
    RankScope,
    RunMode,
    get_wandb_context,
    get_wandb_sweep_context,
    wandb_config,
    wandb_sweep_config,
)
from flyteplugins.wandb_links import Wandb, WandbSweep
from flyteplugins.wandb_runs import get_distributed_info, get_wandb_run, get_wandb_run_dir, wandb_init
from flyteplugins.wandb_sweeps import get_sweep_results, get_wandb_sweep_id, run_sweep_agent, wandb_sweep

from ._version import __version__

__all__ = [
    "RankScope",
    "RunMode",
    "Wandb",
    "WandbSweep",
    "__version__",
    "download_wandb_artifact",
    "download_wandb_artifact_dir",
    "download_wandb_run_dir",
    "download_wandb_run_logs",
    "download_wandb_sweep_dirs",
    "download_wandb_sweep_logs",
    "export_offline_run",
    "get_distributed_info",
    "get_sweep_results",
    "get_wandb_context",
    "get_wandb_run",
    "get_wandb_run_dir",
    "get_wandb_sweep_context",
    "get_wandb_sweep_id",
    "run_sweep_agent",
    "wandb_config",
    "wandb_init",
    "wandb_sweep",
    "wandb_sweep_config",
]
