"""A sweep's trials with their parameters and metric, best first, and as a printable table."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._decorator import get_wandb_sweep_id
from ._local._trial import as_number
from ._mode import is_offline
from ._online import online_api
from ._project import project_entity


@dataclass(frozen=True)
class SweepTrialResult:
    """One trial (W&B run) of a sweep."""

    run_id: str
    state: str
    params: dict[str, Any]
    metric_name: str | None
    metric: float | None
    error: str | None = None
    run_dirs: list[Path] = field(default_factory=list)  # local run directories (offline sweeps)


def get_sweep_results(
    sweep_id: str | None = None,
    project: str | None = None,
    entity: str | None = None,
) -> list[SweepTrialResult]:
    """Every trial of the sweep with its parameters and metric, best first.

    "Best" follows the sweep's ``metric.goal``; trials without a metric value (failed, still
    running, or a sweep without a metric) come last in the order they started. ``sweep_id``
    defaults to the current ``@wandb_sweep`` task's sweep. An offline sweep is read from this
    machine; an online one through ``wandb.Api()`` from the server of ``wandb_config(host=...)``
    (``project``/``entity`` default to the context's).
    """
    sweep_id = sweep_id or get_wandb_sweep_id()
    if not sweep_id:
        raise ValueError(
            "get_sweep_results() needs a sweep id: pass sweep_id=..., or call it inside a "
            "@wandb_sweep task (where get_wandb_sweep_id() is set)."
        )
    results, goal = trials_in_start_order(sweep_id, project, entity)
    return _best_first(results, goal)


def trials_in_start_order(
    sweep_id: str, project: str | None = None, entity: str | None = None
) -> tuple[list[SweepTrialResult], str]:
    """The sweep's trials in the order they started, and its metric goal."""
    from ._local import default_sweeps_root, find_local_sweep

    store = find_local_sweep(sweep_id)
    if store is not None:
        return _local_results(store)
    if is_offline():
        raise ValueError(f"No offline sweep {sweep_id!r} under {str(default_sweeps_root())!r}.")
    return _online_results(sweep_id, project, entity)


def _best_first(results: list[SweepTrialResult], goal: str) -> list[SweepTrialResult]:
    sign = -1.0 if goal == "maximize" else 1.0
    with_metric = [r for r in results if r.metric is not None and math.isfinite(r.metric)]
    without = [r for r in results if r not in with_metric]
    return sorted(with_metric, key=lambda r: sign * r.metric) + without  # type: ignore[operator]


def _local_results(store: Any) -> tuple[list[SweepTrialResult], str]:
    from flyteplugins.wandb_artifacts.records import find_offline_run_dirs

    sweep = store.read_sweep()
    results = [
        SweepTrialResult(
            run_id=t.run_id,
            state=t.state,
            params=t.values(),
            metric_name=sweep.metric_name,
            metric=_trial_metric(t.summary_metric, t.metric_history),
            error=t.error,
            run_dirs=find_offline_run_dirs(t.run_id, store.root),
        )
        for t in store.read_trials()
    ]
    return results, sweep.goal


def _trial_metric(summary: float | None, history: list[float]) -> float | None:
    """W&B shows the metric's summary value (its last logged value unless the run set it)."""
    if summary is not None:
        return summary
    return history[-1] if history else None


def _online_results(
    sweep_id: str, project: str | None, entity: str | None
) -> tuple[list[SweepTrialResult], str]:
    project, entity = project_entity(project, entity)
    api = online_api()
    path = sweep_id
    if "/" not in sweep_id:
        if not project:
            raise ValueError(
                f"Reading online sweep {sweep_id!r} needs its project: pass project=... (or "
                "set wandb_config(project=...)), or pass the full path 'entity/project/sweep_id'."
            )
        path = f"{entity or api.default_entity}/{project}/{sweep_id}"
    sweep = api.sweep(path)
    config = sweep.config or {}
    metric = config.get("metric") or {}
    name = metric.get("name")
    names = list(config.get("parameters") or {})
    results = []
    for run in reversed(list(sweep.runs)):  # the API lists the newest first
        value = run.summary.get(name) if name else None
        results.append(
            SweepTrialResult(
                run_id=run.id,
                state=run.state,
                params={k: run.config.get(k) for k in names},
                metric_name=name,
                metric=as_number(value),
            )
        )
    return results, metric.get("goal", "minimize")


def sweep_results_table(
    sweep_id: str | None = None,
    project: str | None = None,
    entity: str | None = None,
) -> list[list[str]]:
    """:func:`get_sweep_results` as table rows of text, the header row first:
    ``rank, run, state, <metric>, <parameter>...``; best trial first."""
    return results_to_rows(get_sweep_results(sweep_id, project, entity))


def results_to_rows(results: list[SweepTrialResult]) -> list[list[str]]:
    metric_name = next((r.metric_name for r in results if r.metric_name), None) or "metric"
    params: list[str] = []
    for r in results:
        params.extend(k for k in r.params if k not in params)
    rows = [["rank", "run", "state", metric_name, *params]]
    for rank, r in enumerate(results, start=1):
        cells = [_cell(r.metric), *(_cell(r.params.get(k)) for k in params)]
        rows.append([str(rank) if r.metric is not None else "-", r.run_id, r.state, *cells])
    return rows


def format_sweep_results(
    sweep_id: str | None = None,
    project: str | None = None,
    entity: str | None = None,
) -> str:
    """The results table as aligned text, ready to print."""
    return format_table(sweep_results_table(sweep_id, project, entity))


def format_table(rows: list[list[str]]) -> str:
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
