"""What ``wandb.init`` gets: decorator > ``wandb_config`` context > defaults, overrides inside a
task, and the Flyte origin recorded in the run's config."""

from __future__ import annotations

from pathlib import Path

import flyte
from runs_support import metrics, own_id, recorded, recorded_ids, run_local, visible_run_id

from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_runs import get_wandb_run, wandb_init

env = flyte.TaskEnvironment("runs_settings")


@wandb_init(project="decorator-project", tags=["from-decorator"], config={"b": 2, "c": 3})
@env.task
async def configured() -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"loss": 0.5})
    return run.id


def test_decorator_beats_context_and_config_merges_per_key(offline: Path) -> None:
    context = wandb_config(
        project="context-project",
        entity="context-entity",
        name="context-name",
        group="context-group",
        tags=["from-context"],
        config={"a": 1, "b": 1},
        job_type="train",
        notes="from the context's extra kwargs",
    )
    run_id = run_local(configured, custom_context=context)
    rec = recorded(run_id, offline)
    assert rec.project == "decorator-project"
    assert rec.entity == "context-entity"
    assert (rec.name, rec.group, rec.job_type) == ("context-name", "context-group", "train")
    assert rec.tags == ["from-decorator"]
    assert {k: rec.config[k] for k in ("a", "b", "c")} == {"a": 1, "b": 2, "c": 3}
    assert metrics(rec) == [{"loss": 0.5}]


@wandb_init
@env.task
async def origin() -> dict[str, str]:
    tctx = flyte.ctx()
    assert tctx is not None
    run = get_wandb_run()
    assert run is not None
    return {"run_id": run.id, "run_name": tctx.action.run_name or "", "action": tctx.action.name}


def test_run_records_its_flyte_origin(offline: Path) -> None:
    out = run_local(origin)
    rec = recorded(out["run_id"], offline)
    assert rec.config["flyte"] == {
        "run_name": out["run_name"],
        "action_name": out["action"],
        "project": None,
        "domain": None,
        "attempt": 0,
    }


@wandb_init
@env.task
async def leaf(x: int) -> dict[str, str]:
    run = get_wandb_run()
    assert run is not None
    run.log({"leaf": x})
    return {"run_id": run.id, "own_id": own_id(), "tags": ",".join(run.tags or ())}


@wandb_init(tags=["parent"], config={"lr": 0.1})
@env.task
async def parent_with_overrides() -> dict[str, str]:
    run = get_wandb_run()
    assert run is not None
    run.log({"parent": 1})
    with wandb_config(run_mode="new", tags=["special-run"], config={"lr": 0.01}):
        special = await leaf(1)
    assert visible_run_id() == run.id  # the override ended with the block
    plain = await leaf(2)
    with wandb_config(config={"lr": 0.02, "batch": 8}):
        merged = await leaf(3)
    return {
        "parent": run.id,
        "special": special["run_id"],
        "special_own": special["own_id"],
        "special_tags": special["tags"],
        "plain": plain["run_id"],
        "merged": merged["run_id"],
    }


def test_wandb_config_overrides_inside_a_task(offline: Path) -> None:
    out = run_local(parent_with_overrides)
    assert out["special"] == out["special_own"] != out["parent"]
    assert out["special_tags"] == "special-run"
    assert out["plain"] == out["merged"] == out["parent"]
    assert recorded_ids(offline) == sorted([out["parent"], out["special"]])

    special = recorded(out["special"], offline)
    assert special.tags == ["special-run"]
    assert special.config["lr"] == 0.01
    assert metrics(special) == [{"leaf": 1}]

    parent = recorded(out["parent"], offline)
    assert parent.tags == ["parent"]  # a child sharing the run never re-tags it
    assert {"lr": parent.config["lr"], "batch": parent.config["batch"]} == {"lr": 0.02, "batch": 8}
    assert metrics(parent) == [{"parent": 1}, {"leaf": 2}, {"leaf": 3}]


@wandb_init
@env.task
async def settings_seen() -> dict[str, str]:
    run = get_wandb_run()
    assert run is not None
    return {"base_url": run.settings.base_url, "mode": run.settings.mode}


def test_context_host_is_the_api_of_a_self_hosted_server(offline: Path) -> None:
    out = run_local(settings_seen, custom_context=wandb_config(host="https://wandb.example.com/"))
    assert out == {"base_url": "https://wandb.example.com", "mode": "offline"}


def test_public_host_keeps_the_default_api(offline: Path) -> None:
    import wandb

    out = run_local(settings_seen, custom_context=wandb_config(host="https://wandb.ai"))
    assert out["base_url"] == wandb.Settings().base_url


def test_mode_from_context_reaches_wandb_init(offline: Path, monkeypatch) -> None:
    monkeypatch.delenv("WANDB_MODE")
    out = run_local(settings_seen, custom_context=wandb_config(mode="offline"))
    assert out["mode"] == "offline"


def test_shared_mode_settings_never_touch_the_callers_settings(monkeypatch) -> None:
    import wandb

    from flyteplugins.wandb_runs.internal import shared_mode_kwargs

    mine = wandb.Settings(x_label="mine", console="off")
    monkeypatch.setenv("WANDB_MODE", "online")
    out = shared_mode_kwargs({"settings": mine, "project": "p"}, primary=False, label="child")
    merged = out["settings"]
    assert (merged.mode, merged.x_primary, merged.x_label, merged.x_update_finish_state) == (
        "shared",
        False,
        "child",
        False,
    )
    assert merged.console == "off"
    assert (mine.x_label, mine.x_primary, mine.mode) == ("mine", True, "online")
    offline = shared_mode_kwargs({"mode": "offline", "settings": {"console": "off"}}, primary=True, label="p")
    assert offline["mode"] == "offline" and offline["settings"].mode != "shared"
    assert offline["settings"].x_primary is True
