"""Plumbing shared with the sibling packages of flyteplugins-wandb (runs, sweeps), their tests
and the benchmarks.

Not part of the public API: no stability promise, names may change in any release. Users import
from ``flyteplugins.wandb_artifacts`` (or ``flyteplugins.wandb``) only.

* :func:`pid_alive`: the one rule for "is this process of this host still alive", used to reap
  what a dead process left behind (download scratch here, local sweep trials in wandb-sweeps).
* :func:`download_run` / :func:`download_sweep` / :func:`export_offline`: the downloads and the
  offline export returning a :class:`RunReport` per run instead of raising for per-file failures,
  with a :class:`ProgressListener` (what the ``flyte wandb`` CLI shows).
* The "Weights & Biases" tab of a task's Flyte report: :class:`TabRefresher` keeps it current,
  from a run's record log read live.
"""

from ._offline import export_offline
from ._process import pid_alive
from ._report import ProgressListener, RunReport
from ._run_dir import download_run
from ._sweep_dirs import download_sweep
from ._tab.refresh import TAB_NAME, TabRefresher

__all__ = [
    "ProgressListener",
    "RunReport",
    "TAB_NAME",
    "TabRefresher",
    "download_run",
    "download_sweep",
    "export_offline",
    "pid_alive",
]
