"""``flyte wandb ...``: download runs and sweeps, export offline runs.

Registered through Flyte's CLI plugin entry points (group ``flyte.plugins.cli.commands``,
name ``wandb``), so installing this package adds the commands to the ``flyte`` CLI.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import rich_click as click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ._report import ProgressListener, RunReport

_console = Console(stderr=True)
_stdout = Console()


@click.group(name="wandb")
def wandb_group() -> None:
    """Download W&B runs and sweeps, or export offline runs, into local directories."""


@wandb_group.command("download-run")
@click.argument("run_path", metavar="ENTITY/PROJECT/RUN_ID")
@click.option("--out", "out", type=click.Path(file_okay=False), help="Target directory [default: ./RUN_ID].")
@click.option("--no-history", is_flag=True, help="Skip metrics_history.json.")
@click.option(
    "--base-url", envvar="WANDB_BASE_URL", help="W&B API URL [default: $WANDB_BASE_URL or W&B cloud]."
)
def download_run_cmd(run_path: str, out: str | None, no_history: bool, base_url: str | None) -> None:
    """Download one run: every file, summary.json and the full metrics_history.json."""
    from ._run_dir import download_run

    entity, project, run_id = _split_path(run_path, "ENTITY/PROJECT/RUN_ID")
    dest = out or os.path.join(".", run_id)
    _run_and_report(
        lambda listener: [
            download_run(
                run_id, dest, not no_history, entity=entity, project=project, host=base_url, listener=listener
            )
        ]
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
def download_sweep_cmd(sweep_path: str, out: str | None, no_history: bool, base_url: str | None) -> None:
    """Download every run of a sweep, several at a time."""
    from ._sweep_dirs import download_sweep

    entity, project, sweep_id = _split_path(sweep_path, "ENTITY/PROJECT/SWEEP_ID")
    dest = out or os.path.join(".", sweep_id)
    _run_and_report(
        lambda listener: download_sweep(
            sweep_id, dest, not no_history, entity=entity, project=project, host=base_url, listener=listener
        )
    )


@wandb_group.command("export-offline")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out", type=click.Path(file_okay=False), help="Target directory [default: ./RUN_ID].")
@click.option("--no-history", is_flag=True, help="Skip metrics_history.json.")
def export_offline_cmd(run_dir: str, out: str | None, no_history: bool) -> None:
    """Export a local offline run directory (wandb/offline-run-TIME-ID), no network."""
    from ._offline import export_offline, resolve_offline_run

    run_id, _dirs = resolve_offline_run(run_dir)
    dest = out or os.path.join(".", run_id)
    _run_and_report(lambda listener: [export_offline(run_dir, dest, not no_history, listener=listener)])


def _split_path(value: str, shape: str) -> tuple[str, str, str]:
    parts = value.strip("/").split("/")
    if len(parts) == 4 and parts[2] in ("runs", "sweeps"):
        parts = [parts[0], parts[1], parts[3]]
    if len(parts) != 3 or not all(parts):
        raise click.BadParameter(f"expected {shape}, got {value!r}")
    return parts[0], parts[1], parts[2]


def _run_and_report(work: Callable[[ProgressListener], list[RunReport]]) -> None:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=_console,
        transient=False,
    ) as progress:
        try:
            reports = work(_RichListener(progress))
        except (RuntimeError, ValueError, OSError) as exc:
            progress.stop()
            _console.print(f"[bold red]Error:[/] {exc}")
            raise SystemExit(1) from exc
    if not reports:
        _stdout.print("Nothing to download: no runs found.")
        return
    _stdout.print(_summary_table(reports))
    if not all(r.ok and not r.rejected for r in reports):
        for report in reports:
            if not report.ok or report.rejected:
                _console.print(f"[red]{report.run_id}:[/] {report.problems()}")
        raise SystemExit(1)


class _RichListener(ProgressListener):
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}
        self.lock = threading.Lock()

    def _task(self, run_id: str) -> TaskID:
        with self.lock:
            if run_id not in self.tasks:
                self.tasks[run_id] = self.progress.add_task(run_id, total=None, note="")
            return self.tasks[run_id]

    def run_started(self, run_id: str, total_files: int) -> None:
        self.progress.update(self._task(run_id), total=total_files, note="files")

    def file_done(self, run_id: str, name: str, status: str, size: int) -> None:
        self.progress.advance(self._task(run_id))

    def history_progress(self, run_id: str, rows: int) -> None:
        self.progress.update(self._task(run_id), note=f"history: {rows:,} rows")

    def run_finished(self, report: RunReport) -> None:
        note = "done" if report.ok and not report.rejected else "[red]incomplete[/]"
        self.progress.update(self._task(report.run_id), note=note)


def _summary_table(reports: list[RunReport]) -> Table:
    table = Table(
        title="W&B download summary", caption="new/skipped/refused/failed: files; rows: history rows"
    )
    table.add_column("run", overflow="fold")
    table.add_column("source")
    for column in ("new", "skipped", "refused", "failed", "rows"):
        table.add_column(column, justify="right")
    table.add_column("path", overflow="fold", min_width=20)
    for r in reports:
        status = "[green]" if r.ok and not r.rejected else "[red]"
        table.add_row(
            f"{status}{r.run_id}[/]",
            r.source,
            str(len(r.downloaded)),
            str(len(r.skipped)),
            str(len(r.rejected)),
            str(len(r.failed)) if not r.error else "error",
            "-" if r.history_rows is None else f"{r.history_rows:,}",
            str(Path(r.path)),
        )
    return table
