"""Formatting benchmark rows as a table and as bench/results.md."""

from __future__ import annotations

import datetime
import os
import platform
from importlib.metadata import version

from harness import Row


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        if value < 1e-3:
            return f"{value * 1e6:.2f} µs"
        if value < 1:
            return f"{value * 1e3:.1f} ms"
        return f"{value:.2f} s"
    if unit in ("MiB", "KiB"):
        return f"{value:.0f} {unit}"
    return f"{value:g} {unit}"


def _cell(row: Row, side: int) -> str:
    """A side's ``min / median`` for the table, labelled when the row does not compare with the
    reference."""
    measured = (row.reference, row.ours)[side]
    if measured is None:
        return "—"
    shown = f"{_fmt(measured.best, row.unit)} / {_fmt(measured.median, row.unit)}"
    return shown if row.sides == ("reference", "ours") else f"{row.sides[side]}: {shown}"


def _said(row: Row) -> str:
    """The measured sides in words, for the progress line."""
    said = []
    for label, measured in zip(row.sides, (row.reference, row.ours), strict=True):
        if measured is not None:
            best, median = _fmt(measured.best, row.unit), _fmt(measured.median, row.unit)
            said.append(f"{label} {best} (median {median})")
    return ", ".join(said)


def _ratio(row: Row) -> str:
    if row.reference is None:
        return "—"
    return f"{row.ratio():.2f}x"


def format_row(number: int, row: Row) -> str:
    return (
        f"[{number}] {row.scenario}: {_said(row)}, ratio {_ratio(row)}"
        f"{' on the medians' if row.on_median else ''} — target {row.target}: "
        f"{'met' if row.met else 'MISSED'}{'; ' + row.note if row.note else ''}"
    )


def table(rows: list[Row], numbers: list[int]) -> str:
    lines = [
        "| # | scenario | reference (min / median) | ours (min / median) | ratio ref/ours "
        "| target | met | notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for number, row in zip(numbers, rows, strict=True):
        lines.append(
            f"| {number} | {row.scenario} | {_cell(row, 0)} | {_cell(row, 1)} "
            f"| {_ratio(row)}{' (median)' if row.on_median else ''} | {row.target} "
            f"| {'yes' if row.met else 'NO'} | {row.note} |"
        )
    return "\n".join(lines)


def results_markdown(table_text: str, repeats: int) -> str:
    facts = [
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        f"- python {platform.python_version()}, flyte {version('flyte')}, wandb {version('wandb')}",
        "- reference: flyteplugins-wandb 2.12.1 in bench/.venv-reference (same flyte and wandb)",
        f"- repeats per figure: {repeats}; ratio = reference / ours on the min (> 1: ours is better), on "
        "the median for the overheads (marked): a difference of two timings, whose min is biased low",
    ]
    return (
        "# Benchmark results\n\nProduced by `uv run python bench/run.py`.\n\n"
        + "\n".join(facts)
        + ("\n\n" + table_text + "\n")
    )
