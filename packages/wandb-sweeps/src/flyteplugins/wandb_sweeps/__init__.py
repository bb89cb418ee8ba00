"""W&B hyperparameter sweeps for Flyte 2: ``@wandb_sweep`` tasks and agents as parallel tasks,
against a W&B server or fully offline with W&B's sweep engine run locally."""

from ._agent import run_sweep_agent
from ._decorator import get_wandb_sweep_id, wandb_sweep
from ._results import (
    SweepTrialResult,
    format_sweep_results,
    get_sweep_results,
    sweep_results_table,
)
from ._version import __version__

__all__ = [
    "SweepTrialResult",
    "__version__",
    "format_sweep_results",
    "get_sweep_results",
    "get_wandb_sweep_id",
    "run_sweep_agent",
    "sweep_results_table",
    "wandb_sweep",
]
