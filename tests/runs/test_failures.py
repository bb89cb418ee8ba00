"""A task that raises finishes its run as failed; a retried attempt continues the same run
(offline and on a W&B server);
``wandb.init`` failing leaves the context as it was."""

from __future__ import annotations

import json
from pathlib import Path

import flyte
import pytest
from runs_support import metrics, own_id, recorded, recorded_ids, run_local, wait_written

from flyteplugins.wandb_artifacts.records import find_offline_run_dirs, read_run_dir
from flyteplugins.wandb_context.internal import current_custom_context, task_data
from flyteplugins.wandb_runs import get_wandb_run, wandb_init
from flyteplugins.wandb_runs.internal import RUN_DATA_KEY
from wandb_server import WandbServer

env = flyte.TaskEnvironment("runs_failures")


class Boom(Exception):
    pass


RAISED: list[BaseException] = []


def _boom(message: str) -> Boom:
    exc = Boom(message)
    RAISED.append(exc)
    return exc


@wandb_init
@env.task
async def fails(x: int) -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"before_failure": x})
    raise _boom(f"kaboom {x}")


@wandb_init
@env.task
async def parent_survives_child_failure() -> str:
    run = get_wandb_run()
    assert run is not None
    try:
        await fails(1)  # shares this run, fails, must not finish it
    except Exception as exc:
        run.log({"caught": str(exc)})
    run.log({"after": 2})
    return run.id


def test_task_that_raises_records_a_failed_run(offline: Path) -> None:
    with pytest.raises(Exception, match="kaboom 7") as info:
        run_local(fails, 7)
    assert "Boom" in repr(info.value) or "Boom" in str(getattr(info.value, "code", ""))
    [run_id] = set(recorded_ids(offline))
    rec = recorded(run_id, offline)
    assert rec.exit_code == 1
    assert metrics(rec) == [{"before_failure": 7}]


def test_the_body_exception_propagates_as_the_same_object(offline: Path) -> None:
    """Outside Flyte the wrapper is all there is between the caller and the body."""
    import asyncio

    RAISED.clear()
    with pytest.raises(Boom) as info:
        asyncio.run(fails.func(3))
    assert info.value is RAISED[-1]
    [run_id] = recorded_ids(offline)
    assert recorded(run_id, offline).exit_code == 1


def test_a_failing_child_sharing_the_run_leaves_it_to_the_parent(offline: Path) -> None:
    run_id = run_local(parent_survives_child_failure)
    rec = recorded(run_id, offline)
    assert rec.exit_code == 0 and rec.segments == 1
    logged = metrics(rec)
    assert logged[0] == {"before_failure": 1}
    assert "kaboom 1" in logged[1]["caught"]
    assert logged[2] == {"after": 2}


@wandb_init(run_mode="new")
@env.task
async def new_child() -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"child": 1})
    return run.id


@wandb_init
@env.task
async def parent_fails_after_child() -> str:
    child_id = await new_child()
    get_wandb_run().log({"parent": 1})  # type: ignore[union-attr]
    raise _boom(f"parent failed after child {child_id}")


def test_failed_parent_and_successful_new_child_keep_their_own_exit_codes(offline: Path) -> None:
    with pytest.raises(Exception, match="parent failed after child"):
        run_local(parent_fails_after_child)
    ids = recorded_ids(offline)
    assert len(ids) == 2
    exit_codes = {i: recorded(i, offline).exit_code for i in ids}
    child_id = next(i for i in ids if metrics(recorded(i, offline)) == [{"child": 1}])
    assert exit_codes.pop(child_id) == 0
    assert list(exit_codes.values()) == [1]


ATTEMPTS: list[str] = []


@wandb_init
@env.task(retries=1)
async def flaky() -> str:
    run = get_wandb_run()
    assert run is not None
    ATTEMPTS.append(run.id)
    run.log({"attempt": len(ATTEMPTS)})
    if len(ATTEMPTS) == 1:
        raise _boom("first attempt fails")
    return json.dumps({"run_id": run.id, "own_id": own_id()})


def test_retried_attempt_continues_the_same_run(offline: Path) -> None:
    ATTEMPTS.clear()
    out = json.loads(run_local(flaky))
    assert [out["run_id"], out["run_id"]] == ATTEMPTS and out["run_id"] == out["own_id"]
    assert set(recorded_ids(offline)) == {out["run_id"]}
    segments = find_offline_run_dirs(out["run_id"], offline)
    wait_written(segments)
    assert [read_run_dir(d).exit_code for d in segments] == [1, 0]
    rec = recorded(out["run_id"], offline)
    assert (rec.segments, rec.exit_code) == (2, 0)
    assert [m["attempt"] for m in metrics(rec)] == [1, 2]


ONLINE_ATTEMPTS: list[str] = []


@wandb_init(project="retry-project")
@env.task(retries=1)
async def flaky_online() -> str:
    run = get_wandb_run()
    assert run is not None
    ONLINE_ATTEMPTS.append(run.id)
    run.log({"attempt": len(ONLINE_ATTEMPTS)})
    if len(ONLINE_ATTEMPTS) == 1:
        raise _boom("first attempt fails")
    return run.id


def test_retried_attempt_resumes_the_run_on_the_server(
    wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Offline record logs cannot show a resume; the server sees one run, continued."""
    wandb_server.use(monkeypatch)
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    ONLINE_ATTEMPTS.clear()
    run_id = run_local(flaky_online)  # Flyte local mode retries the failed attempt
    assert [run_id, run_id] == ONLINE_ATTEMPTS
    assert [r.name for r in wandb_server.storage.runs_in(wandb_server.entity, "retry-project")] == [run_id]
    # Both attempts asked whether the run exists (resume="allow"); the second continued its
    # history where the first stopped instead of writing step 0 again.
    assert wandb_server.graphql_operations().count("RunResumeStatus") == 2
    run = wandb_server.get_run("retry-project", run_id)
    assert run is not None
    assert [(row["_step"], row["attempt"]) for row in run.history.rows()] == [(0, 1), (1, 2)]
    assert (run.state, run.exitcode) == ("finished", 0)


@wandb_init(run_mode="new", project="my-project", entity="my-team", id="bad/id")
def helper_with_bad_id() -> None:
    raise AssertionError("the body must not run when wandb.init fails")


@wandb_init
@env.task
async def parent_calls_failing_init() -> str:
    run = get_wandb_run()
    assert run is not None
    before = (current_custom_context(), task_data(RUN_DATA_KEY))
    try:
        helper_with_bad_id()
    except RuntimeError as exc:
        message = str(exc)
    else:
        raise AssertionError("expected wandb.init to fail")
    assert (current_custom_context(), task_data(RUN_DATA_KEY)) == before
    assert get_wandb_run() is run
    run.log({"still_logging": 1})
    return message


def test_wandb_init_failure_names_project_entity_mode_and_changes_nothing(offline: Path) -> None:
    message = run_local(parent_calls_failing_init)
    for part in ("project='my-project'", "entity='my-team'", "mode='offline'", "bad/id"):
        assert part in message
    [run_id] = recorded_ids(offline)
    rec = recorded(run_id, offline)
    assert rec.exit_code == 0 and metrics(rec) == [{"still_logging": 1}]


@wandb_init(id="bad/id", project="p")
@env.task
async def task_with_bad_id() -> None:
    raise AssertionError("the body must not run when wandb.init fails")


def test_task_whose_wandb_init_fails_raises_a_clear_error(offline: Path) -> None:
    with pytest.raises(Exception, match=r"wandb.init failed for project='p'.*mode='offline'"):
        run_local(task_with_bad_id)
    assert recorded_ids(offline) == []
