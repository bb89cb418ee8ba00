"""Download of runs from a W&B server through ``wandb.Api``: files concurrently and
atomically, ``summary.json``, and the full history streamed to ``metrics_history.json``."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

from ._api_sessions import ApiSessions, download_through
from ._atomic import Staging, write_json, write_json_array
from ._fs import make_dirs, remove_created
from ._paths import HISTORY_FILE, SUMMARY_FILE, UnsafePathError, safe_destination, shown_name
from ._report import ProgressListener, RunReport, is_same_file, md5_base64
from ._retry import DEFAULT_POLICY, RetryPolicy, TransientError, call_with_retry, is_transient
from ._wandb_api import Target, another_api, fetch_run

logger = logging.getLogger(__name__)

HISTORY_PAGE_SIZE = 1_000
_HISTORY_PROGRESS_EVERY = 10_000


class RunDownloader:
    """Downloads runs of one W&B API into local directories; file transfers run on ``pool``
    (shared by every run, which bounds the total concurrency)."""

    def __init__(
        self,
        api: Any,
        target: Target,
        pool: Executor,
        listener: ProgressListener | None = None,
        policy: RetryPolicy = DEFAULT_POLICY,
    ) -> None:
        self.api = api
        self.target = target
        self.pool = pool
        self.sessions = ApiSessions(api, lambda: another_api(api))
        self.listener = listener or ProgressListener()
        self.policy = policy

    def close(self) -> None:
        """Wait for the sessions still opening (call once no download is running)."""
        self.sessions.close()

    def __enter__(self) -> RunDownloader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def download(self, run_id: str, dest: Path, include_history: bool = True, run: Any = None) -> RunReport:
        """Download one run (``run``: its already fetched ``Run``, else it is looked up);
        errors about the run itself raise, per-file ones are reported."""
        if run is None:
            run = fetch_run(self.api, self.target, run_id, self.policy)
        dest = dest.expanduser().resolve()  # wandb-core writes files; it has its own cwd
        created = make_dirs(dest)
        try:
            report = self._download_into(run, run_id, dest, include_history)
        except BaseException:
            remove_created(created)  # no empty target left behind by a failure
            raise
        self.listener.run_finished(report)
        return report

    def _download_into(self, run: Any, run_id: str, dest: Path, include_history: bool) -> RunReport:
        report = RunReport(run_id=run_id, path=str(dest), source="online")
        with Staging(dest) as staging:
            # The file listing and the files go to the pool; summary and history are
            # written here meanwhile, so neither waits for the other's round trips.
            files_done = self.pool.submit(self._fetch_files, run, staging, dest, report)
            try:
                write_json(staging, dest / SUMMARY_FILE, _summary(run))
                if include_history:
                    rows = self._history_rows(run, report)
                    report.history_rows = write_json_array(staging, dest / HISTORY_FILE, rows)
            finally:
                for future in files_done.result():
                    future.result()
        return report

    def _fetch_files(self, run: Any, staging: Staging, dest: Path, report: RunReport) -> list[Future[None]]:
        """List the run's files and queue each download; returns the downloads' futures."""
        files = call_with_retry(lambda: list(run.files()), self.policy, report.note_retry)
        self.listener.run_started(report.run_id, len(files))
        return [self.pool.submit(self._fetch_file, staging, dest, f, report) for f in files]

    def _fetch_file(self, staging: Staging, dest_dir: Path, remote: Any, report: RunReport) -> None:
        name = remote.name
        status = _download_one(staging, dest_dir, remote, report, self.policy, self.sessions)
        if status == "rejected":
            logger.warning(
                "W&B run %s: refused file name %s (%s)",
                report.run_id,
                shown_name(name),
                report.rejected[name],
            )
        self.listener.file_done(report.run_id, name, status, int(remote.size or 0))

    def _history_rows(self, run: Any, report: RunReport) -> Iterator[str]:
        """Every history row as JSON text, in step order. A failed page resumes the scan
        after the last row written instead of starting over."""
        next_step, count, failures = 0, 0, 0
        while True:
            try:
                scan = run.scan_history(page_size=HISTORY_PAGE_SIZE, min_step=next_step)
                for row in scan:
                    yield json.dumps(row)
                    count += 1
                    failures = 0
                    next_step = int(row.get("_step", next_step)) + 1
                    if count % _HISTORY_PROGRESS_EVERY == 0:
                        self.listener.history_progress(report.run_id, count)
                self.listener.history_progress(report.run_id, count)
                return
            except Exception as exc:
                failures += 1
                if failures >= self.policy.attempts or not is_transient(exc):
                    raise
                report.note_retry()
                logger.info(
                    "W&B run %s: history page failed (%s); resuming at step %d", report.run_id, exc, next_step
                )
                time.sleep(self.policy.delay(failures - 1))


def _summary(run: Any) -> dict[str, Any]:
    summary = run.summary_metrics
    return dict(summary) if summary else {}


def _download_one(
    staging: Staging,
    dest_dir: Path,
    remote: Any,
    report: RunReport,
    policy: RetryPolicy,
    sessions: ApiSessions,
) -> str:
    """Fetch one remote file into place; returns its status and records it in ``report``."""
    name: str = remote.name
    try:
        dest = safe_destination(dest_dir, name)
    except UnsafePathError as err:
        report.rejected[name] = err.reason
        return "rejected"
    size, md5 = int(remote.size or 0), remote.md5
    if is_same_file(dest, size, md5):
        report.skipped.append(name)
        return "skipped"
    try:
        staged = call_with_retry(
            lambda: _fetch_verified(staging, remote, size, md5, sessions), policy, report.note_retry
        )
        staging.publish(staged, dest)
    except UnsafePathError as err:  # a symlink planted on the way since the name was checked
        report.rejected[name] = err.reason
        return "rejected"
    except Exception as exc:
        report.failed[name] = f"{type(exc).__name__}: {exc}"
        return "failed"
    report.downloaded.append(name)
    report.bytes_written += size
    return "downloaded"


def _fetch_verified(staging: Staging, remote: Any, size: int, md5: str | None, sessions: ApiSessions) -> Path:
    """Download into the staging area and check size and MD5 against W&B's record."""
    scratch = staging.downloads_dir()
    download_through(sessions.next(), remote, str(scratch))
    staged = scratch.joinpath(*remote.name.split("/"))
    actual = staged.stat().st_size
    if actual != size or (md5 and md5_base64(staged) != md5):
        raise TransientError(
            f"{shown_name(remote.name)}: the download ({actual} bytes) does not match W&B's record of "
            f"the file ({size} bytes, MD5 {md5}): truncated or corrupted in transfer"
        )
    return staged
