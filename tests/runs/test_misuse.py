"""Bad input fails loudly, naming the value and the fix, never as a silent no-op."""

from __future__ import annotations

from pathlib import Path

import flyte
import pytest
from runs_support import recorded_ids, run_local

from flyteplugins.wandb_runs import get_wandb_run, wandb_init

env = flyte.TaskEnvironment("runs_misuse")


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"run_mode": "always"}, "run_mode='always'"),
        ({"rank_scope": "node"}, "rank_scope='node'"),
        ({"mode": "online-ish"}, "mode='online-ish'"),
        ({"tags": "not-a-list"}, "tags='not-a-list'"),
        ({"config": [1, 2]}, "config=[1, 2]"),
        ({"download_logs": "yes"}, "download_logs='yes'"),
        ({"project": 3}, "project=3"),
    ],
)
def test_invalid_arguments_fail_at_decoration_time(kwargs: dict, named: str) -> None:
    with pytest.raises(ValueError, match=named.replace("[", r"\[").replace("]", r"\]")):
        wandb_init(**kwargs)


def test_valid_choices_are_listed_in_the_error() -> None:
    with pytest.raises(ValueError, match="'auto', 'new', 'shared'"):
        wandb_init(run_mode="sometimes")
    with pytest.raises(ValueError, match="'global', 'worker'"):
        wandb_init(rank_scope="everywhere")


@wandb_init(run_mode="shared")
@env.task
async def needs_parent() -> str:
    return "unreachable"


def test_shared_without_parent_names_the_task(offline: Path) -> None:
    with pytest.raises(Exception, match=r"runs_misuse\.needs_parent.*run_mode='shared'.*no parent run"):
        run_local(needs_parent)
    assert recorded_ids(offline) == []


@env.task
@wandb_init
async def under_task_async() -> str:
    return "unreachable"


@env.task
@wandb_init(project="p")
def under_task_sync() -> str:
    return "unreachable"


@pytest.mark.parametrize("task", [under_task_async, under_task_sync], ids=["async", "sync"])
def test_decorator_under_env_task_is_a_clear_error(task, offline: Path) -> None:
    with pytest.raises(Exception, match=r"applied under @env\.task.*outermost") as info:
        run_local(task)
    assert "@wandb_init\n    @env.task" in str(info.value)
    assert recorded_ids(offline) == []


def test_decorator_on_a_trace_is_refused_at_decoration() -> None:
    @flyte.trace
    async def traced(x: int) -> int:
        return x

    with pytest.raises(ValueError, match=r"cannot decorate the trace .*traced.*get_wandb_run\(\)"):
        wandb_init(traced)


@flyte.trace
@wandb_init
async def trace_over_decorated() -> str:
    return "unreachable"


@wandb_init
@env.task
async def calls_decorated_inside_trace() -> str:
    return await trace_over_decorated()


def test_decorated_function_inside_a_trace_is_refused(offline: Path) -> None:
    with pytest.raises(Exception, match=r"runs inside a flyte\.trace.*get_wandb_run\(\)"):
        run_local(calls_decorated_inside_trace)


def test_decorating_a_task_twice_is_refused() -> None:
    @env.task
    async def once() -> None:
        return None

    decorated = wandb_init(once)
    with pytest.raises(ValueError, match="already decorated"):
        wandb_init(decorated)


def test_non_callables_are_refused() -> None:
    with pytest.raises(ValueError, match="decorates Flyte tasks and functions"):
        wandb_init(42)  # type: ignore[arg-type]


def test_get_wandb_run_outside_any_run_is_none() -> None:
    assert get_wandb_run() is None
