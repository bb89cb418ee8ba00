"""Public entry point for a sweep: every run into ``{base_path}/{run_id}``, concurrently."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ._context import ContextSettings, context_sweep_id, local_sweep_runs
from ._errors import PartialExportWarning
from ._fs import own_dir
from ._offline import export_offline
from ._online import RunDownloader
from ._paths import check_id, default_base_path
from ._report import ProgressListener, RunReport, Source
from ._run_dir import DEFAULT_FILE_WORKERS, partial_message
from ._wandb_api import fetch_sweep_runs, make_api, resolve_target

logger = logging.getLogger(__name__)

DEFAULT_RUN_WORKERS = 16


def download_wandb_sweep_dirs(
    sweep_id: str | None = None,
    base_path: str | None = None,
    include_history: bool = True,
) -> list[str]:
    """Download every run of a W&B sweep into ``{base_path}/{run_id}``.

    Args:
        sweep_id: The sweep id; defaults to the active sweep of the Flyte context
            (``@wandb_sweep``).
        base_path: Parent directory; defaults to ``{tempfile.gettempdir()}/wandb_runs``.
        include_history: Write each run's full history to ``metrics_history.json``.

    Runs are downloaded concurrently, each as :func:`download_wandb_run_dir` does. Offline
    sweeps (offline mode, or runs that exist only locally) are exported from the local run
    directories whose run record carries this sweep id.

    Returns:
        The directories of the runs that downloaded completely.

    Raises:
        RuntimeError: sweep id, entity or project missing, authentication failed, the sweep
            does not exist, or every run failed (with a per-run report). When only some runs
            fail, a warning names them and the directories that did download.
    """
    reports = download_sweep(sweep_id, base_path, include_history)
    return paths_or_raise(sweep_id or "(from context)", reports)


def download_sweep(
    sweep_id: str | None = None,
    base_path: str | os.PathLike[str] | None = None,
    include_history: bool = True,
    *,
    entity: str | None = None,
    project: str | None = None,
    host: str | None = None,
    listener: ProgressListener | None = None,
    run_workers: int = DEFAULT_RUN_WORKERS,
    file_workers: int = DEFAULT_FILE_WORKERS,
) -> list[RunReport]:
    """One :class:`RunReport` per run of the sweep (failed runs carry ``error``)."""
    context = ContextSettings.from_context(entity, project, host)
    sweep_id = check_id("sweep_id", sweep_id if sweep_id is not None else context_sweep_id())
    base = Path(base_path).expanduser() if base_path is not None else default_base_path()
    local = local_sweep_runs(sweep_id, context.wandb_dir)
    only_local = bool(local) and all(
        d.name.startswith("offline-run-") for dirs in local.values() for d in dirs
    )
    if context.offline_requested or only_local:
        if not local:
            raise RuntimeError(
                f"No local W&B run of sweep {sweep_id!r} under "
                f"{context.wandb_dir or os.environ.get('WANDB_DIR') or os.getcwd()!r} (offline mode)."
            )
        jobs = {
            rid: _offline_job(dirs[-1], base / rid, include_history, listener) for rid, dirs in local.items()
        }
        return _run_all(jobs, base, run_workers, "offline")
    api = make_api(context.api_url)
    target = resolve_target(api, context.entity, context.project, f"sweep {sweep_id!r}")
    runs = fetch_sweep_runs(api, target, sweep_id)
    with (
        ThreadPoolExecutor(file_workers, thread_name_prefix="wandb-download") as pool,
        RunDownloader(api, target, pool, listener) as downloader,
    ):
        jobs = {run.id: _online_job(downloader, run, base, include_history) for run in runs}
        return _run_all(jobs, base, run_workers, "online")


def _offline_job(
    run_dir: Path, dest: Path, include_history: bool, listener: ProgressListener | None
) -> Callable[[], RunReport]:
    # the run's directory is ours to make inside the base: a symlink planted there is refused
    return lambda: export_offline(run_dir, own_dir(dest), include_history, listener=listener)


def _online_job(
    downloader: RunDownloader, run: Any, base: Path, include_history: bool
) -> Callable[[], RunReport]:
    # the sweep listing already fetched the run: no second lookup per run
    return lambda: downloader.download(
        check_id("run_id", run.id), own_dir(base / run.id), include_history, run=run
    )


def _run_all(
    jobs: dict[str, Callable[[], RunReport]], base: Path, workers: int, source: Source
) -> list[RunReport]:
    """Run every job; an exception becomes that run's ``error`` instead of stopping the rest.
    ``base`` is created only now, so a sweep that is not found leaves no directory behind."""
    if jobs:
        base.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="wandb-sweep-run") as pool:
        futures = {rid: pool.submit(job) for rid, job in jobs.items()}
    reports = []
    for rid, future in futures.items():
        try:
            reports.append(future.result())
        except Exception as exc:
            reports.append(RunReport(run_id=rid, path=str(base / rid), source=source, error=str(exc)))
    return reports


def paths_or_raise(sweep_id: str, reports: list[RunReport]) -> list[str]:
    """The complete runs' paths; a warning for partial failure, RuntimeError if all failed."""
    good = [r for r in reports if r.ok]
    bad = [r for r in reports if not r.ok]
    for report in good:
        if report.rejected:
            warnings.warn(f"W&B run {report.run_id}: {report.problems()}", UserWarning, stacklevel=3)
        if report.partial:
            message = partial_message(report)
            logger.warning(message)
            warnings.warn(message, PartialExportWarning, stacklevel=3)
    if bad:
        detail = "; ".join(f"{r.run_id}: {r.problems()}" for r in bad)
        if not good:
            raise RuntimeError(f"All {len(bad)} runs of W&B sweep {sweep_id} failed to download: {detail}")
        message = (
            f"W&B sweep {sweep_id}: {len(bad)} of {len(reports)} runs failed to download ({detail}). "
            f"Downloaded: {', '.join(r.path for r in good)}. Run again to resume the failed ones."
        )
        logger.warning(message)
        warnings.warn(message, UserWarning, stacklevel=3)
    return [r.path for r in good]
