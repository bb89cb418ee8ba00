"""``flyte wandb ...``: download runs, sweeps and artifacts, export offline runs, sync local runs.

Registered through Flyte's CLI plugin entry points (group ``flyte.plugins.cli.commands``,
name ``wandb``), so installing this package adds the commands to the ``flyte`` CLI.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import rich_click as click
from click.exceptions import Abort, ClickException, Exit
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ._errors import LocalRunNotFoundError, RecordLogError, SdkChangedError, UnsafeTargetError
from ._report import ProgressListener, RunReport

if TYPE_CHECKING:
    from ._artifact_download import ArtifactReport
    from ._sync import SyncResult

_console = Console(stderr=True)
_stdout = Console()

F = TypeVar("F", bound=Callable[..., Any])

_ALLOW_PARTIAL = click.option(
    "--allow-partial",
    is_flag=True,
    help="Exit 0 even if a run could be exported only in part (damaged or still-written log).",
)


def _user_errors(command: F) -> F:
    """Every failure of a command becomes one error line and a hint, exit code 1: never a
    traceback. Click's own usage errors (exit code 2) pass through."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ClickException, Exit, Abort, SystemExit):
            raise
        except Exception as exc:
            _fail(exc)

    return wrapper  # type: ignore[return-value]


def _fail(exc: BaseException) -> NoReturn:
    message = " ".join(str(exc).split()) or type(exc).__name__
    # Messages quote remote names and paths: escaped, a "[/x]" in them is text, not markup.
    _console.print(f"[bold red]Error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    _console.print(f"[dim]Hint:[/] {_hint(exc)}", highlight=False, soft_wrap=True)
    raise SystemExit(1) from None


def _hint(exc: BaseException) -> str:
    from flyteplugins.wandb_context.internal import hosts

    from ._artifact_download import UnsafeManifestError
    from ._sync import NothingToSyncError

    if isinstance(exc, NothingToSyncError):
        return (
            "pass a run directory (wandb/offline-run-20250101_120000-abc123 or wandb/run-...), the wandb/ "
            "directory holding runs, or the URI of a Dir holding one (s3://..., file://...)."
        )
    if isinstance(exc, hosts.HostError):
        return "give the W&B server as an http(s) URL such as https://wandb.example.com."
    if isinstance(exc, LocalRunNotFoundError):
        return (
            "pass one run directory, such as wandb/offline-run-20250101_120000-abc123 (see `ls wandb/`), "
            "or set WANDB_DIR to where the run was logged."
        )
    if isinstance(exc, RecordLogError):
        return "the run's .wandb record log is not usable; check that the run directory is the right one."
    if isinstance(exc, SdkChangedError):
        return "this wandb release is outside the range the plugin supports; install one inside it."
    if isinstance(exc, UnsafeManifestError):
        return "the artifact's manifest holds unsafe file names, so nothing was written; re-log it."
    if isinstance(exc, UnsafeTargetError):
        return "something planted in the target directory is in the way; remove it or choose another --out."
    if isinstance(exc, (PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError)):
        return "check the --out directory: it must be a directory you can write to."
    if isinstance(exc, (RuntimeError, ValueError, OSError)):
        return (
            "check the arguments, W&B credentials (WANDB_API_KEY) and the server (--base-url, or "
            "--host for sync); see --help."
        )
    return f"this looks like a bug ({type(exc).__name__}); please report it with the command you ran."


@click.group(name="wandb")
def wandb_group() -> None:
    """Download W&B runs, sweeps and artifacts, export offline runs, or sync local runs to W&B."""


@wandb_group.command("download-run")
@click.argument("run_path", metavar="ENTITY/PROJECT/RUN_ID")
@click.option("--out", "out", type=click.Path(file_okay=False), help="Target directory [default: ./RUN_ID].")
@click.option("--no-history", is_flag=True, help="Skip metrics_history.json.")
@click.option(
    "--base-url", envvar="WANDB_BASE_URL", help="W&B API URL [default: $WANDB_BASE_URL or W&B cloud]."
)
@_ALLOW_PARTIAL
@_user_errors
def download_run_cmd(
    run_path: str, out: str | None, no_history: bool, base_url: str | None, allow_partial: bool
) -> None:
    """Download one run: every file, summary.json and the full metrics_history.json."""
    from ._run_dir import download_run

    entity, project, run_id = _split_path(run_path, "ENTITY/PROJECT/RUN_ID")
    dest = out or os.path.join(".", run_id)
    _run_and_report(
        lambda listener: [
            download_run(
                run_id, dest, not no_history, entity=entity, project=project, host=base_url, listener=listener
            )
        ],
        allow_partial,
    )


@wandb_group.command("download-sweep")
@click.argument("sweep_path", metavar="ENTITY/PROJECT/SWEEP_ID")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False),
    help="Parent directory; each run goes to OUT/RUN_ID [default: ./SWEEP_ID].",
)
@click.option("--no-history", is_flag=True, help="Skip metrics_history.json.")
@click.option(
    "--base-url", envvar="WANDB_BASE_URL", help="W&B API URL [default: $WANDB_BASE_URL or W&B cloud]."
)
@_ALLOW_PARTIAL
@_user_errors
def download_sweep_cmd(
    sweep_path: str, out: str | None, no_history: bool, base_url: str | None, allow_partial: bool
) -> None:
    """Download every run of a sweep, several at a time."""
    from ._sweep_dirs import download_sweep

    entity, project, sweep_id = _split_path(sweep_path, "ENTITY/PROJECT/SWEEP_ID")
    dest = out or os.path.join(".", sweep_id)
    _run_and_report(
        lambda listener: download_sweep(
            sweep_id, dest, not no_history, entity=entity, project=project, host=base_url, listener=listener
        ),
        allow_partial,
    )


@wandb_group.command("download-artifact")
@click.argument("artifact_path", metavar="ENTITY/PROJECT/NAME:ALIAS")
@click.option(
    "--out", "out", type=click.Path(file_okay=False), help="Target directory [default: ./NAME/VERSION]."
)
@click.option(
    "--base-url", envvar="WANDB_BASE_URL", help="W&B API URL [default: $WANDB_BASE_URL or W&B cloud]."
)
@_user_errors
def download_artifact_cmd(artifact_path: str, out: str | None, base_url: str | None) -> None:
    """Download one version of a W&B artifact (ALIAS: latest, any alias, or vN).

    Files are checked against the artifact's manifest and written atomically; files already in
    --out with the right MD5 are skipped, so running it again resumes. Reference entries
    (s3://, file://, ...) are fetched from where they point. Exit code 1 if any file failed.
    """
    from ._artifact_download import download_artifact, parse_artifact_path

    try:
        parse_artifact_path(artifact_path)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    with _progress() as progress:
        try:
            report = download_artifact(
                artifact_path, out, host=base_url, listener=_RichListener(progress), default_base=Path(".")
            )
        except Exception as exc:
            progress.stop()
            _fail(exc)
    _stdout.print(_artifact_table(report))
    if not report.ok:
        _console.print(f"[red]{escape(report.artifact)}:[/] {escape(report.problems())}", highlight=False)
        raise SystemExit(1)


@wandb_group.command("export-offline")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out", type=click.Path(file_okay=False), help="Target directory [default: ./RUN_ID].")
@click.option("--no-history", is_flag=True, help="Skip metrics_history.json.")
@_ALLOW_PARTIAL
@_user_errors
def export_offline_cmd(run_dir: str, out: str | None, no_history: bool, allow_partial: bool) -> None:
    """Export a local offline run directory (wandb/offline-run-TIME-ID), no network.

    A damaged record log (or one still being written) is exported as far as it can be read
    and marked partial; that exits 1 unless --allow-partial is given.
    """
    from ._offline import export_offline, resolve_offline_run

    run_id, _dirs = resolve_offline_run(run_dir)
    dest = out or os.path.join(".", run_id)
    _run_and_report(
        lambda listener: [export_offline(run_dir, dest, not no_history, listener=listener)], allow_partial
    )


@wandb_group.command("sync")
@click.argument("source", metavar="SOURCE")
@click.option("--project", "-p", help="Project to sync to [default: the one in each run's log].")
@click.option("--entity", "-e", help="Entity to sync to [default: the run's, else your default entity].")
@click.option("--host", help="W&B server URL [default: $WANDB_BASE_URL or W&B cloud].")
@_user_errors
def sync_cmd(source: str, project: str | None, entity: str | None, host: str | None) -> None:
    """Upload local W&B runs (offline, or not fully uploaded) with W&B's own `wandb sync`.

    SOURCE is a run directory (wandb/offline-run-TIME-ID or wandb/run-TIME-ID), a directory
    holding run directories (up to two levels down), or the URI of a Flyte Dir holding them
    (s3://, gs://, abfs://, file://, ...), downloaded first. Runs already synced or already on
    the server are skipped, never uploaded twice. Exit code 1 if any run failed.
    """
    from ._sync import sync_run_dirs

    def show(line: str) -> None:
        _console.print(escape(line), style="dim", highlight=False, soft_wrap=True)

    with _console.status("Syncing W&B runs..."):
        results = sync_run_dirs(source, project=project, entity=entity, host=host, listener=show)
    _print_whole(_sync_table(results))
    for r in results:
        if not r.ok:
            _console.print(
                f"[red]{escape(r.run_id)}:[/] {escape(r.message)}", highlight=False, soft_wrap=True
            )
    if not all(r.ok for r in results):
        raise SystemExit(1)


def _split_path(value: str, shape: str) -> tuple[str, str, str]:
    parts = value.strip("/").split("/")
    if len(parts) == 4 and parts[2] in ("runs", "sweeps"):
        parts = [parts[0], parts[1], parts[3]]
    if len(parts) != 3 or not all(parts):
        raise click.BadParameter(f"expected {shape}, got {value!r}")
    return parts[0], parts[1], parts[2]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=_console,
        transient=False,
    )


def _run_and_report(work: Callable[[ProgressListener], list[RunReport]], allow_partial: bool) -> None:
    with _progress() as progress:
        try:
            reports = work(_RichListener(progress))
        except Exception as exc:
            progress.stop()
            _fail(exc)
    if not reports:
        _stdout.print("Nothing to download: no runs found.")
        return
    _stdout.print(_summary_table(reports))
    failed = [r for r in reports if not r.ok or r.rejected or (r.partial and not allow_partial)]
    for report in reports:
        if not report.ok or report.rejected or report.partial:
            line = f"[red]{escape(report.run_id)}:[/] {escape(report.problems())}"
            _console.print(line, highlight=False, soft_wrap=True)
    if any(r.partial for r in reports) and not allow_partial:
        _console.print(
            "[dim]Hint:[/] a partial run holds every record that could be read; "
            "pass --allow-partial to accept it (exit 0)."
        )
    if failed:
        raise SystemExit(1)


class _RichListener(ProgressListener):
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}
        self.lock = threading.Lock()

    def _task(self, run_id: str) -> TaskID:
        with self.lock:
            if run_id not in self.tasks:
                self.tasks[run_id] = self.progress.add_task(escape(run_id), total=None, note="")
            return self.tasks[run_id]

    def run_started(self, run_id: str, total_files: int) -> None:
        self.progress.update(self._task(run_id), total=total_files, note="files")

    def file_done(self, run_id: str, name: str, status: str, size: int) -> None:
        self.progress.advance(self._task(run_id))

    def history_progress(self, run_id: str, rows: int) -> None:
        self.progress.update(self._task(run_id), note=f"history: {rows:,} rows")

    def run_finished(self, report: RunReport) -> None:
        note = "done" if report.complete else "[yellow]partial[/]" if report.ok else "[red]incomplete[/]"
        self.progress.update(self._task(report.run_id), note=note)


def _summary_table(reports: list[RunReport]) -> Table:
    table = Table(
        title="W&B download summary",
        caption="new/skipped/refused/failed: files; rows: history rows (partial: the record log was damaged "
        "or still being written, some were not readable)",
    )
    table.add_column("run", overflow="fold")
    table.add_column("source")
    for column in ("new", "skipped", "refused", "failed", "rows"):
        table.add_column(column, justify="right")
    table.add_column("path", overflow="fold", min_width=20)
    for r in reports:
        status = "[green]" if r.complete else "[yellow]" if r.ok and not r.rejected else "[red]"
        rows = "-" if r.history_rows is None else f"{r.history_rows:,}"
        table.add_row(
            f"{status}{escape(r.run_id)}[/]",
            r.source,
            str(len(r.downloaded)),
            str(len(r.skipped)),
            str(len(r.rejected)),
            str(len(r.failed)) if not r.error else "error",
            f"{rows} partial" if r.partial else rows,
            escape(str(Path(r.path))),
        )
    return table


def _artifact_table(report: ArtifactReport) -> Table:
    table = Table(
        title="W&B artifact download",
        caption="verified: files whose MD5 matched the manifest; the others (references without an "
        "MD5) were checked by size where the manifest has one",
    )
    table.add_column("artifact", overflow="fold")
    for column in ("new", "skipped", "failed", "verified", "bytes"):
        table.add_column(column, justify="right")
    table.add_column("path", overflow="fold", min_width=20)
    color = "green" if report.ok else "red"
    table.add_row(
        f"[{color}]{escape(report.artifact)}[/]",
        str(len(report.downloaded)),
        str(len(report.skipped)),
        str(len(report.failed) + len(report.refused)),
        str(report.verified),
        f"{report.bytes_written:,}",
        escape(report.path),
    )
    return table


def _sync_table(results: list[SyncResult]) -> Table:
    table = Table(title="W&B sync summary", caption="rows: history rows uploaded by this sync")
    for name in ("run", "status", "rows", "url"):
        table.add_column(name, no_wrap=True, justify="right" if name == "rows" else "left")
    for r in results:
        color = "red" if not r.ok else "green" if r.status == "synced" else "yellow"
        table.add_row(escape(r.run_id), f"[{color}]{r.status}[/]", f"{r.rows:,}", escape(r.url))
    return table


def _print_whole(table: Table) -> None:
    """Print ``table`` at its natural width, wider than the terminal if need be: a URL cut
    or folded in a cell could not be clicked or copied."""
    from rich.measure import Measurement

    natural = Measurement.get(_stdout, _stdout.options.update_width(10_000), table).maximum
    width = _stdout.width
    _stdout.width = max(width, natural)
    try:
        _stdout.print(table)
    finally:
        _stdout.width = width
