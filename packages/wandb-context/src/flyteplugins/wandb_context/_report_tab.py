"""The one rule for the "Weights & Biases" report tab's settings, for runs and sweeps alike:
decorator > ``wandb_config`` in context > default (the task's own ``report`` flag; 10 s)."""

from __future__ import annotations

from ._config import WandbConfig
from ._types import DEFAULT_REPORT_INTERVAL_S
from ._validate import check_optional_bool, check_seconds


def tab_wanted(decorator: bool | None, context: WandbConfig | None, task_report: bool) -> bool:
    """Whether a task shows the tab; ``report=False`` opts out even of a task with reports."""
    given = context.report if context is not None else None
    choice = decorator if decorator is not None else given
    check_optional_bool("report", choice, "wandb_config")  # a hand-written context is checked here
    return bool(task_report) if choice is None else choice


def tab_interval(decorator: float | None, context: WandbConfig | None) -> float:
    """Seconds between refreshes of the tab while the task runs."""
    given = context.report_interval if context is not None else None
    interval = next((v for v in (decorator, given) if v is not None), DEFAULT_REPORT_INTERVAL_S)
    check_seconds("report_interval", interval, "wandb_config")
    return float(interval)
