"""A ``@wandb_init`` helper or task body that raises leaves its caller exactly as it was:
``custom_context``, the task-local run, ``get_wandb_run()``/``get_wandb_run_dir()`` and
``wandb.run`` are the same after the call as before, whatever was raised (an exception, a
``KeyboardInterrupt`` or ``CancelledError``, a failing ``wandb.init``), sync or async, in a task
with or without a run of its own, and outside Flyte."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import flyte
import pytest
import wandb
from runs_support import recorded, recorded_ids, run_local

from flyteplugins.wandb_context.internal import current_custom_context, task_data
from flyteplugins.wandb_runs import get_wandb_run, get_wandb_run_dir, wandb_init
from flyteplugins.wandb_runs.internal import RUN_DATA_KEY, init_lock, live_run

env = flyte.TaskEnvironment("runs_context_restored")


class Boom(Exception):
    pass


def _log_and_raise(exc: type[BaseException]) -> None:
    run = get_wandb_run()
    assert run is not None
    run.log({"before_raise": 1})
    raise exc("raised by the body")


@wandb_init(run_mode="new")
def sync_new(exc: type[BaseException]) -> None:
    _log_and_raise(exc)


@wandb_init(run_mode="new")
async def async_new(exc: type[BaseException]) -> None:
    await asyncio.sleep(0)
    _log_and_raise(exc)


@wandb_init
def sync_auto(exc: type[BaseException]) -> None:
    _log_and_raise(exc)


@wandb_init
async def async_auto(exc: type[BaseException]) -> None:
    await asyncio.sleep(0)
    _log_and_raise(exc)


@wandb_init(run_mode="new", id="bad/id")  # wandb.init refuses the id: the body never runs
def sync_bad_init() -> None:
    raise AssertionError("the body must not run when wandb.init fails")


@wandb_init(run_mode="new", id="bad/id")
async def async_bad_init() -> None:
    raise AssertionError("the body must not run when wandb.init fails")


@wandb_init(run_mode="new")
@env.task
async def child_task_new() -> None:
    _log_and_raise(Boom)


@wandb_init
@env.task
async def child_task_auto() -> None:
    _log_and_raise(Boom)


Call = Callable[[], Any]

# (what is called, how); an async helper's coroutine is awaited.
IN_TASK: list[tuple[str, Call]] = [
    ("sync new helper raising Boom", lambda: sync_new(Boom)),
    ("async new helper raising Boom", lambda: async_new(Boom)),
    ("sync new helper raising KeyboardInterrupt", lambda: sync_new(KeyboardInterrupt)),
    ("async new helper raising CancelledError", lambda: async_new(asyncio.CancelledError)),
    ("sync auto helper raising KeyboardInterrupt", lambda: sync_auto(KeyboardInterrupt)),
    ("async auto helper raising Boom", lambda: async_auto(Boom)),
    ("sync helper whose wandb.init fails", sync_bad_init),
    ("async helper whose wandb.init fails", async_bad_init),
    ("new child task raising", child_task_new),
    ("auto child task raising", child_task_auto),
]
# Without a run in the task every helper starts one, so a few variants cover it.
IN_PLAIN_TASK = [IN_TASK[i] for i in (0, 3, 6, 9)]


def _view() -> list[Any]:
    """Everything a caller can observe about its run and context."""
    return [
        current_custom_context(),
        id(task_data(RUN_DATA_KEY)),
        id(get_wandb_run()),
        get_wandb_run_dir(),
        id(wandb.run),
    ]


async def _changed_by_raising(
    calls: list[tuple[str, Call]], view: Callable[[], list[Any]] = _view
) -> list[str]:
    """Each call raises; report the ones after which the caller's ``view`` is not what it was."""
    changed = []
    for name, call in calls:
        before = view()
        try:
            result = call()
            if isinstance(result, Awaitable):
                await result
        except BaseException as exc:
            assert not isinstance(exc, AssertionError), f"{name}: {exc}"
        else:
            raise AssertionError(f"{name} did not raise")
        after = view()
        if after != before:
            changed.append(f"{name}: {before} -> {after}")
    return changed


@wandb_init
@env.task
async def decorated_caller() -> str:
    run = get_wandb_run()
    assert run is not None
    changed = await _changed_by_raising(IN_TASK)
    run.log({"still_logging": 1})
    return json.dumps({"changed": changed, "run_id": run.id})


@env.task
async def plain_caller() -> str:
    return json.dumps({"changed": await _changed_by_raising(IN_PLAIN_TASK)})


def test_raising_inside_a_task_leaves_the_caller_as_it_was(offline: Path) -> None:
    out = json.loads(run_local(decorated_caller))
    assert out["changed"] == []
    assert recorded(out["run_id"], offline).exit_code == 0
    assert json.loads(run_local(plain_caller))["changed"] == []
    # Every run a raising body started was finished, as failed.
    failed = [i for i in recorded_ids(offline) if i != out["run_id"]]
    assert len(failed) == 5 + 3  # the new helpers and the new child; the plain caller's runs
    assert {recorded(i, offline).exit_code for i in failed} == {1}
    assert wandb.run is None and [i for i in recorded_ids(offline) if live_run(i) is not None] == []


def _outside_view() -> list[Any]:
    return [id(get_wandb_run()), get_wandb_run_dir(), id(wandb.run)]


@wandb_init(project="outer")
async def outer_objective() -> list[str]:
    assert get_wandb_run() is not None
    calls: list[tuple[str, Call]] = [
        ("async helper raising CancelledError", lambda: async_auto(asyncio.CancelledError))
    ]
    return await _changed_by_raising(calls, _outside_view)


def test_raising_outside_flyte_leaves_the_caller_as_it_was(offline: Path) -> None:
    top_level = [
        ("sync objective raising Boom", lambda: sync_new(Boom)),
        ("async objective raising KeyboardInterrupt", lambda: async_new(KeyboardInterrupt)),
        ("objective whose wandb.init fails", sync_bad_init),
    ]
    assert asyncio.run(_changed_by_raising(top_level, _outside_view)) == []
    assert asyncio.run(outer_objective()) == []
    assert wandb.run is None and get_wandb_run() is None


def test_cancelled_while_wandb_init_runs_still_finishes_the_run(offline: Path) -> None:
    """``wandb.init`` runs in a worker thread that cancellation cannot stop: the wrapper waits
    for it and finishes the run it started, so no run outlives the cancelled call."""
    body_ran: list[bool] = []

    @wandb_init(project="cancelled")
    async def objective() -> None:
        body_ran.append(True)

    async def cancel_during_init() -> None:
        with init_lock:  # wandb.init waits for this lock: it cannot finish yet
            call = asyncio.ensure_future(objective())
            for _ in range(3):  # let the call start and hand wandb.init to its thread
                await asyncio.sleep(0)
            assert not call.done()
            call.cancel()
            await asyncio.sleep(0)
        with pytest.raises(asyncio.CancelledError):
            await call

    asyncio.run(cancel_during_init())
    assert body_ran == []
    [run_id] = recorded_ids(offline)
    assert wandb.run is None and live_run(run_id) is None
    assert recorded(run_id, offline).exit_code == 1
