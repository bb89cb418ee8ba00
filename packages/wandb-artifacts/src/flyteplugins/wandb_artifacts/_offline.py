"""Export of a local (offline) W&B run: its files, ``summary.json`` and the full
``metrics_history.json`` decoded from the record log, with no network."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

from . import records
from ._atomic import JsonArrayWriter, Staging, write_json
from ._errors import LocalRunNotFoundError
from ._fs import make_dirs, remove_created
from ._paths import (
    HISTORY_FILE,
    MAX_DEPTH,
    SUMMARY_FILE,
    UnsafePathError,
    default_run_path,
    safe_destination,
)
from ._report import ProgressListener, RunReport, is_same_file, md5_base64
from ._settle import DEFAULT_SETTLE_TIMEOUT_S

_HISTORY_PROGRESS_EVERY = 10_000


def resolve_offline_run(
    run_dir_or_id: str | os.PathLike[str], wandb_dir: str | os.PathLike[str] | None = None
) -> tuple[str, list[Path]]:
    """``(run_id, segment directories)`` for a run directory or a run id.

    A directory stands for its whole run: every segment of the same id next to it is included.
    """
    candidate = Path(run_dir_or_id).expanduser()
    if candidate.is_dir():
        _check_is_run_dir(candidate)
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


def _check_is_run_dir(candidate: Path) -> None:
    """A clear error for a directory that holds runs (``wandb/``, ``WANDB_DIR``) instead of
    being one; other non-run directories get :func:`records.record_log_path`'s error."""
    if any(candidate.glob("run-*.wandb")):
        return
    runs = sorted(run_dir.name for _run_id, run_dir in records.iter_local_runs(candidate))
    if runs:
        shown = ", ".join(runs[:3]) + (", ..." if len(runs) > 3 else "")
        raise LocalRunNotFoundError(
            f"{str(candidate)!r} is a W&B directory holding {len(runs)} run(s) ({shown}), not a run: "
            f"pass one run directory, e.g. {str(candidate / runs[-1])!r}."
        )


def export_offline(
    run_dir_or_id: str | os.PathLike[str],
    path: str | os.PathLike[str] | None = None,
    include_history: bool = True,
    wandb_dir: str | os.PathLike[str] | None = None,
    listener: ProgressListener | None = None,
    *,
    settle_timeout_s: float = DEFAULT_SETTLE_TIMEOUT_S,
) -> RunReport:
    """Export a local run; returns what was written (``partial`` says why it is not the whole
    run, if so). Raises if the run is not found or its log has nothing readable."""
    listener = listener or ProgressListener()
    run_id, run_dirs = resolve_offline_run(run_dir_or_id, wandb_dir)
    target = (Path(path).expanduser() if path is not None else default_run_path(run_id)).resolve()
    created = make_dirs(target)
    try:
        report = _export_into(run_id, run_dirs, target, include_history, listener, settle_timeout_s)
    except BaseException:
        remove_created(created)  # no empty target left behind by a failure
        raise
    listener.run_finished(report)
    return report


def _export_into(
    run_id: str,
    run_dirs: list[Path],
    target: Path,
    include_history: bool,
    listener: ProgressListener,
    settle_timeout_s: float,
) -> RunReport:
    report = RunReport(run_id=run_id, path=str(target), source="offline")
    with Staging(target) as staging:
        # One pass over the record log gives the summary and streams the history to disk.
        if include_history:
            with JsonArrayWriter(staging, target / HISTORY_FILE) as writer:
                sink = _ProgressSink(writer, run_id, listener)
                recorded = records.read_run_dirs(run_dirs, False, settle_timeout_s, history_sink=sink)
                listener.history_progress(run_id, writer.count)
            report.history_rows = writer.count
        else:
            recorded = records.read_run_dirs(run_dirs, False, settle_timeout_s)
        report.partial = recorded.partial
        write_json(staging, target / SUMMARY_FILE, recorded.summary)
        files: dict[str, Path | str] = dict(_local_files(run_dirs))
        listener.run_started(run_id, len(files))
        for name, source in files.items():
            if isinstance(source, str):
                report.rejected[name] = source
                listener.file_done(run_id, name, "rejected", 0)
                continue
            status, size = _copy_one(staging, target, name, source, report)
            listener.file_done(run_id, name, status, size)
    return report


class _ProgressSink:
    """Writes history rows and reports progress every so often."""

    def __init__(self, writer: JsonArrayWriter, run_id: str, listener: ProgressListener) -> None:
        self.writer, self.run_id, self.listener = writer, run_id, listener

    def __call__(self, row_json: str) -> None:
        self.writer.write(row_json)
        if self.writer.count % _HISTORY_PROGRESS_EVERY == 0:
            self.listener.history_progress(self.run_id, self.writer.count)


def _local_files(run_dirs: list[Path]) -> Iterator[tuple[str, Path | str]]:
    """``(relative name, path)`` of every file under each segment's ``files/``, or
    ``(name, reason)`` for what is not exported (not a regular file, nested too deep); a
    later segment's file replaces an earlier one of the same name. Iterative, so no depth
    breaks it; a directory symlink is not entered (W&B links saved *files* there, which are
    read through their link)."""
    for run_dir in run_dirs:
        files_dir = run_dir / "files"
        if files_dir.is_symlink() or not files_dir.is_dir():
            continue
        stack: list[tuple[Path, str]] = [(files_dir, "")]
        while stack:
            directory, prefix = stack.pop()
            try:
                with os.scandir(directory) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                yield prefix.rstrip("/") or ".", f"could not be listed: {exc.strerror or exc}"
                continue
            for entry in entries:
                name = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if name.count("/") >= MAX_DEPTH:
                        yield name + "/", f"directory nested deeper than {MAX_DEPTH} levels; not exported"
                    else:
                        stack.append((Path(entry.path), name + "/"))
                    continue
                try:
                    regular = stat.S_ISREG(os.stat(entry.path).st_mode)
                except OSError:
                    regular = False
                yield (name, Path(entry.path)) if regular else (name, "not a regular file (or a broken link)")


def _copy_one(staging: Staging, target: Path, name: str, source: Path, report: RunReport) -> tuple[str, int]:
    """Copy one file into place; returns its status and size and records it in ``report``."""
    try:
        dest = safe_destination(target, name)
    except UnsafePathError as err:
        report.rejected[name] = err.reason
        return "rejected", 0
    tmp = staging.scratch_file()
    try:
        size = source.stat().st_size
        if dest.is_file() and dest.stat().st_size == size and is_same_file(dest, size, md5_base64(source)):
            report.skipped.append(name)
            return "skipped", size
        shutil.copyfile(source, tmp)
        staging.publish(tmp, dest)
    except UnsafePathError as err:
        report.rejected[name] = err.reason
        return "rejected", 0
    except OSError as err:
        report.failed[name] = f"{type(err).__name__}: {err}"
        return "failed", 0
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()  # gone already once published
    report.downloaded.append(name)
    report.bytes_written += size
    return "downloaded", size
