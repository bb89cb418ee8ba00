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
  from a run's record log read live: :class:`RecordTail` polls the records a run appends,
  :class:`LiveRun` accumulates them, each metric downsampled in a :class:`Series`;
  :func:`run_tab_html` / :func:`sweep_tab_html` render the tab (charts by :func:`line_chart`).
"""

from ._offline import export_offline
from ._process import pid_alive
from ._report import ProgressListener, RunReport
from ._run_dir import download_run
from ._sweep_dirs import download_sweep
from ._tab import (
    LiveRun,
    RecordTail,
    RunView,
    RunViewProcess,
    Series,
    TrialRow,
    line_chart,
    run_tab_html,
    sweep_tab_html,
)
from ._tab.refresh import TAB_NAME, TabRefresher

__all__ = [
    "TAB_NAME",
    "LiveRun",
    "ProgressListener",
    "RecordTail",
    "RunReport",
    "RunView",
    "RunViewProcess",
    "Series",
    "TabRefresher",
    "TrialRow",
    "download_run",
    "download_sweep",
    "export_offline",
    "line_chart",
    "pid_alive",
    "run_tab_html",
    "sweep_tab_html",
]
