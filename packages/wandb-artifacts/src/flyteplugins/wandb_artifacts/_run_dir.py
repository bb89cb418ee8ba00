"""Public entry points for one run: download (online) or export (offline) into a directory."""

from __future__ import annotations

import logging
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ._context import ContextSettings, context_run_id, local_only_run
from ._errors import PartialExportWarning
from ._offline import export_offline
from ._online import RunDownloader
from ._paths import check_id, default_run_path
from ._report import ProgressListener, RunReport
from ._wandb_api import make_api, resolve_target

logger = logging.getLogger(__name__)

DEFAULT_FILE_WORKERS = 32


def download_wandb_run_dir(
    run_id: str | None = None,
    path: str | None = None,
    include_history: bool = True,
) -> str:
    """Download a W&B run's files, ``summary.json`` and (by default) its full history.

    Args:
        run_id: The run id; defaults to the active run of the Flyte context (``@wandb_init``).
        path: Target directory; defaults to ``{tempfile.gettempdir()}/wandb_runs/{run_id}``,
            i.e. ``/tmp/wandb_runs/{run_id}`` unless ``TMPDIR`` says otherwise.
        include_history: Write every history row to ``metrics_history.json``.

    Entity, project and host come from ``wandb_config(...)`` in the Flyte context. An offline
    run (``mode="offline"``/``WANDB_MODE=offline``, or one that exists here only as an
    ``offline-run-*`` directory) is exported from its local run directory, without network.

    Files are fetched concurrently, each written atomically, refused if its name would land
    outside ``path``, retried on transient failures, and skipped when an identical copy
    (same size and MD5) is already there, so running it again resumes an interrupted download.

    Returns:
        The directory, as a string.

    An offline run whose record log is damaged or still being written is exported as far as
    it can be read, with a :class:`PartialExportWarning` naming the run and what was skipped
    (make it an error with ``warnings.simplefilter("error", PartialExportWarning)``).

    Raises:
        RuntimeError: run id, entity or project missing, authentication failed, the run does
            not exist, or some files could not be downloaded (the rest are in place).
    """
    report = download_run(run_id, path, include_history)
    raise_for_report(report)
    return report.path


def export_offline_run(
    run_dir_or_id: str | os.PathLike[str],
    path: str | os.PathLike[str] | None = None,
    include_history: bool = True,
) -> str:
    """Export a local (offline) W&B run: files, ``summary.json``, ``metrics_history.json``.

    ``run_dir_or_id`` is a run directory (``wandb/offline-run-<time>-<id>``; its other
    segments next to it are merged in) or a run id looked up under ``WANDB_DIR``. ``path``
    defaults to ``{tempfile.gettempdir()}/wandb_runs/{run_id}``. No network is used.

    A damaged record log (corrupt blocks, a truncated tail, undecodable records) or one still
    being written after a bounded wait is exported as far as it can be read, and a
    :class:`PartialExportWarning` names the run and counts what was skipped. It warns rather
    than raises so that ``download_logs=True`` keeps what could be saved of a crashed run; to
    make it an error: ``warnings.simplefilter("error", PartialExportWarning)``.

    Raises:
        LocalRunNotFoundError: the run or its record log is not found (a ``RuntimeError``).
        records.RecordLogError: nothing in the log is readable (a ``ValueError``).
        RuntimeError: files could not be copied (the rest are in place).
    """
    report = export_offline(run_dir_or_id, path, include_history)
    raise_for_report(report)
    return report.path


def download_run(
    run_id: str | None = None,
    path: str | os.PathLike[str] | None = None,
    include_history: bool = True,
    *,
    entity: str | None = None,
    project: str | None = None,
    host: str | None = None,
    listener: ProgressListener | None = None,
    file_workers: int = DEFAULT_FILE_WORKERS,
) -> RunReport:
    """Like :func:`download_wandb_run_dir` but returns the :class:`RunReport` without raising
    for per-file failures (it still raises for run-level errors)."""
    context = ContextSettings.from_context(entity, project, host)
    run_id = check_id("run_id", run_id if run_id is not None else context_run_id())
    dest = Path(path).expanduser() if path is not None else default_run_path(run_id)
    if context.offline_requested or local_only_run(run_id, context.wandb_dir):
        return export_offline(run_id, dest, include_history, context.wandb_dir, listener)
    api = make_api(context.api_url)
    target = resolve_target(api, context.entity, context.project, f"run {run_id!r}")
    with (
        ThreadPoolExecutor(file_workers, thread_name_prefix="wandb-download") as pool,
        RunDownloader(api, target, pool, listener) as downloader,
    ):
        return downloader.download(run_id, dest, include_history)


def raise_for_report(report: RunReport, stacklevel: int = 3) -> None:
    """Warn about refused file names and partial exports; raise RuntimeError if files failed."""
    if report.rejected:
        message = (
            f"W&B run {report.run_id}: refused {len(report.rejected)} file name(s) unsafe or unusable "
            f"in {report.path}: {report.problems()}"
        )
        logger.warning(message)
        warnings.warn(message, UserWarning, stacklevel=stacklevel)
    if report.partial:
        message = partial_message(report)
        logger.warning(message)
        warnings.warn(message, PartialExportWarning, stacklevel=stacklevel)
    if not report.ok:
        raise RuntimeError(
            f"W&B run {report.run_id}: download into {report.path} is incomplete: {report.problems()}. "
            "Files already there are complete; run the download again to fetch the rest."
        )


def partial_message(report: RunReport) -> str:
    rows = "" if report.history_rows is None else f" ({report.history_rows:,} history rows could be read)"
    return (
        f"W&B run {report.run_id}: the export into {report.path} is partial{rows}: {report.partial}. "
        "What was written is correct, but it is not the whole run."
    )
