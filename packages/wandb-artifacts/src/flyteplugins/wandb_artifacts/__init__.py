"""Download and export of W&B runs and sweeps for Flyte.

* :func:`download_wandb_run_dir` / :func:`download_wandb_sweep_dirs`: a run's (or every sweep
  run's) files, ``summary.json`` and full ``metrics_history.json`` into local directories,
  through the wandb SDK's public API, concurrently, atomically and resumably.
* :func:`download_wandb_run_logs` / :func:`download_wandb_sweep_logs`: the same as Flyte
  traces returning ``flyte.io.Dir`` (what ``download_logs=True`` calls).
* :func:`export_offline_run`: the same from a local offline run directory, no network.
* :func:`download_wandb_artifact_dir` / :func:`download_wandb_artifact`: a W&B artifact version
  into a local directory (or a ``flyte.io.Dir`` trace output), atomically and resumably.
* :mod:`.records`: read back what W&B recorded in a run's ``.wandb`` log.
* ``flyte wandb ...``: CLI commands (see :mod:`.cli`).

Also public: what a caller of these functions meets, :class:`PartialExportWarning` (to filter
or make an error) and the errors :class:`LocalRunNotFoundError` and :class:`UnsafeTargetError`
(both ``RuntimeError``, like every other download failure). The report-returning variants the
CLI uses (``download_run``, ``download_sweep``, ``RunReport``, ``ProgressListener``) are not:
they sit in :mod:`.internal`, with no stability promise.

``wandb`` itself is imported only when a download or record read happens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import records
from ._artifact_download import download_wandb_artifact_dir
from ._errors import LocalRunNotFoundError, PartialExportWarning, UnsafeTargetError
from ._run_dir import download_wandb_run_dir, export_offline_run
from ._sweep_dirs import download_wandb_sweep_dirs
from ._version import __version__

if TYPE_CHECKING:
    from ._traced import download_wandb_artifact, download_wandb_run_logs, download_wandb_sweep_logs

_TRACED = frozenset({"download_wandb_artifact", "download_wandb_run_logs", "download_wandb_sweep_logs"})

__all__ = [
    "LocalRunNotFoundError",
    "PartialExportWarning",
    "UnsafeTargetError",
    "__version__",
    "download_wandb_artifact",
    "download_wandb_artifact_dir",
    "download_wandb_run_dir",
    "download_wandb_run_logs",
    "download_wandb_sweep_dirs",
    "download_wandb_sweep_logs",
    "export_offline_run",
    "records",
]


def __getattr__(name: str) -> Any:
    # The traced functions need flyte.io, which is slow to import; load it on first use.
    if name in _TRACED:
        from . import _traced

        return getattr(_traced, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
