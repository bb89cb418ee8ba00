"""Runs say where they come from (the Flyte origin in config, job type, project/domain tags)
and sit together by workflow (a new run under a parent's run is grouped by the parent's id).
Everything is read back from the record logs W&B wrote."""

from __future__ import annotations

import asyncio
from pathlib import Path

import flyte
import pytest
from runs_pod import run_as_pod
from runs_support import own_id, recorded, run_local

from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_runs import get_wandb_run, wandb_init

env = flyte.TaskEnvironment("runs_origin")


@wandb_init(run_mode="new")
@env.task
async def evaluate() -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"acc": 0.9})
    return run.id


@wandb_init(run_mode="new", group="my-group", job_type="eval")
@env.task
async def evaluate_grouped() -> str:
    run = get_wandb_run()
    assert run is not None
    return run.id


@wandb_init
@env.task
async def train_pipeline() -> list[str]:
    return [own_id(), await evaluate(), await evaluate_grouped()]


def test_a_new_run_under_a_parent_run_is_grouped_by_it_and_records_it(offline: Path) -> None:
    context = dict(wandb_config(project="origin"))
    parent_id, child_id, grouped_id = run_local(train_pipeline, custom_context=context)

    parent = recorded(parent_id, offline)
    assert parent.job_type == "train_pipeline"
    assert parent.group is None
    assert "parent_run_id" not in parent.config["flyte"]

    child = recorded(child_id, offline)
    assert child.group == parent_id
    assert child.job_type == "evaluate"
    assert child.config["flyte"]["parent_run_id"] == parent_id
    assert child.config["flyte"]["action_name"] in child_id

    # What the user sets wins; the parent is still recorded.
    grouped = recorded(grouped_id, offline)
    assert (grouped.group, grouped.job_type) == ("my-group", "eval")
    assert grouped.config["flyte"]["parent_run_id"] == parent_id


def test_a_local_run_has_no_console_url_and_no_project_tags(offline: Path) -> None:
    parent_id, *_ = run_local(train_pipeline, custom_context=dict(wandb_config(project="origin")))
    parent = recorded(parent_id, offline)
    assert "url" not in parent.config["flyte"]  # flyte.init() without an endpoint knows no console
    assert not [t for t in parent.tags if t.startswith("flyte:")]  # local actions have no project


@wandb_init
@env.task
async def pod_task() -> None:
    run = get_wandb_run()
    assert run is not None
    run.log({"x": 1})


def _run_pod(tmp_path: Path, context: dict[str, str], project: str = "flyte-project") -> None:
    pod = run_as_pod(
        pod_task, context=context, action="a0", run_name="r0", work_dir=tmp_path / "f", project=project
    )
    asyncio.run(pod)


def test_a_pod_run_is_tagged_with_the_flyte_project_and_domain(offline: Path, tmp_path: Path) -> None:
    _run_pod(tmp_path, dict(wandb_config(project="origin", tags=["baseline"])))
    run = recorded("r0-a0", offline)
    assert run.tags == ["baseline", "flyte:project=flyte-project", "flyte:domain=development"]
    assert run.job_type == "pod_task"
    assert run.config["flyte"]["project"] == "flyte-project"


def test_flyte_tags_false_turns_the_tags_off(offline: Path, tmp_path: Path) -> None:
    _run_pod(tmp_path, dict(wandb_config(project="origin", flyte_tags=False)))
    assert recorded("r0-a0", offline).tags == []


def test_a_tag_w_and_b_would_refuse_is_left_out(offline: Path, tmp_path: Path) -> None:
    _run_pod(tmp_path, dict(wandb_config(project="origin")), project="p" * 60)
    assert recorded("r0-a0", offline).tags == ["flyte:domain=development"]


def test_the_console_url_flyte_knows_is_recorded(offline: Path, tmp_path: Path, monkeypatch) -> None:
    # Flyte's side (its client's console building the URL) is covered by the context package's
    # canary; here: whatever URL Flyte gives for the action lands in the run's origin.
    from flyteplugins.wandb_runs import _settings

    monkeypatch.setattr(
        _settings, "action_console_url", lambda tctx: f"https://flyte.example/{tctx.action.name}"
    )
    _run_pod(tmp_path, dict(wandb_config(project="origin")))
    assert recorded("r0-a0", offline).config["flyte"]["url"] == "https://flyte.example/a0"


@pytest.mark.parametrize("bad", ["yes", 1])
def test_bad_flyte_tags_and_report_values_are_refused_where_given(bad: object) -> None:
    for name in ("flyte_tags", "report"):
        with pytest.raises(ValueError, match=name):
            wandb_init(**{name: bad})
        with pytest.raises(ValueError, match=name):
            wandb_config(**{name: bad})
    with pytest.raises(ValueError, match="report_interval"):
        wandb_init(report_interval=0)
    with pytest.raises(ValueError, match="report_interval"):
        wandb_config(report_interval=-1)
