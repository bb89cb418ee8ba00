"""Export of a local (offline) W&B run: its files, ``summary.json`` and the full
``metrics_history.json`` decoded from the record log, with no network."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from . import records
from ._atomic import JsonArrayWriter, Staging, publish, write_json
from ._errors import LocalRunNotFoundError
from ._paths import HISTORY_FILE, SUMMARY_FILE, UnsafePathError, default_run_path, safe_destination
from ._report import ProgressListener, RunReport, is_same_file, md5_base64

_HISTORY_PROGRESS_EVERY = 10_000


def resolve_offline_run(
    run_dir_or_id: str | os.PathLike[str], wandb_dir: str | os.PathLike[str] | None = None
) -> tuple[str, list[Path]]:
    """``(run_id, segment directories)`` for a run directory or a run id.

    A directory stands for its whole run: every segment of the same id next to it is included.
    """
    candidate = Path(run_dir_or_id).expanduser()
    if candidate.is_dir():
        log = records.record_log_path(candidate)
        run_id = log.stem[len("run-") :]
        dirs = records.find_offline_run_dirs(run_id, candidate.resolve().parent)
        return run_id, dirs or [candidate.resolve()]
    run_id = os.fspath(run_dir_or_id)
    if os.sep in run_id or "/" in run_id:
        raise LocalRunNotFoundError(f"Run directory {run_id!r} does not exist.")
    dirs = records.find_offline_run_dirs(run_id, wandb_dir)
    if not dirs:
        where = wandb_dir if wandb_dir is not None else records.default_wandb_dir()
        raise LocalRunNotFoundError(
            f"No local W&B run directory for run id {run_id!r} under {str(where)!r}. "
            "Pass the run directory itself (wandb/offline-run-<time>-<id>) or set WANDB_DIR "
            "to the directory the run was logged in."
        )
    return run_id, dirs


def export_offline(
    run_dir_or_id: str | os.PathLike[str],
    path: str | os.PathLike[str] | None = None,
    include_history: bool = True,
    wandb_dir: str | os.PathLike[str] | None = None,
    listener: ProgressListener | None = None,
) -> RunReport:
    """Export a local run; returns what was written. Raises if the run is not found."""
    listener = listener or ProgressListener()
    run_id, run_dirs = resolve_offline_run(run_dir_or_id, wandb_dir)
    target = (Path(path).expanduser() if path is not None else default_run_path(run_id)).resolve()
    target.mkdir(parents=True, exist_ok=True)
    report = RunReport(run_id=run_id, path=str(target), source="offline")
    with Staging(target) as staging:
        # One pass over the record log gives the summary and streams the history to disk.
        if include_history:
            with JsonArrayWriter(staging, target / HISTORY_FILE) as writer:
                sink = _ProgressSink(writer, run_id, listener)
                recorded = records.read_run_dirs(run_dirs, load_history=False, history_sink=sink)
                listener.history_progress(run_id, writer.count)
            report.history_rows = writer.count
        else:
            recorded = records.read_run_dirs(run_dirs, load_history=False)
        write_json(staging, target / SUMMARY_FILE, recorded.summary)
        files = dict(_local_files(run_dirs))
        listener.run_started(run_id, len(files))
        for name, source in files.items():
            status = _copy_one(staging, target, name, source, report)
            listener.file_done(run_id, name, status, source.stat().st_size)
    listener.run_finished(report)
    return report


class _ProgressSink:
    """Writes history rows and reports progress every so often."""

    def __init__(self, writer: JsonArrayWriter, run_id: str, listener: ProgressListener) -> None:
        self.writer, self.run_id, self.listener = writer, run_id, listener

    def __call__(self, row_json: str) -> None:
        self.writer.write(row_json)
        if self.writer.count % _HISTORY_PROGRESS_EVERY == 0:
            self.listener.history_progress(self.run_id, self.writer.count)


def _local_files(run_dirs: list[Path]) -> Iterator[tuple[str, Path]]:
    """``(relative name, path)`` of every regular file under each segment's ``files/``;
    a later segment's file replaces an earlier one of the same name."""
    for run_dir in run_dirs:
        files_dir = run_dir / "files"
        if not files_dir.is_dir():
            continue
        for dirpath, _dirnames, filenames in os.walk(files_dir, followlinks=False):
            for filename in sorted(filenames):
                source = Path(dirpath) / filename
                if source.is_file():
                    yield source.relative_to(files_dir).as_posix(), source


def _copy_one(staging: Staging, target: Path, name: str, source: Path, report: RunReport) -> str:
    try:
        dest = safe_destination(target, name)
    except UnsafePathError as err:
        report.rejected[name] = err.reason
        return "rejected"
    size = source.stat().st_size
    if is_same_file(dest, size, md5_base64(source)):
        report.skipped.append(name)
        return "skipped"
    try:
        tmp = staging.scratch_file(dest.name)
        shutil.copyfile(source, tmp)
        publish(tmp, dest)
    except OSError as err:
        report.failed[name] = str(err)
        return "failed"
    report.downloaded.append(name)
    report.bytes_written += size
    return "downloaded"
