"""The run id a task's W&B run gets when none is given; links and runs must agree on it."""

from __future__ import annotations


def default_run_id(run_name: str, action_name: str) -> str:
    """``{run_name}-{action_name}``: unique per action, and the same for every retry of it."""
    return f"{run_name}-{action_name}"
