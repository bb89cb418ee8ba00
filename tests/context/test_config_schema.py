"""The custom-context key schema: encoding, lossless round trips, no bleeding between prefixes."""

from __future__ import annotations

import json

import pytest

from flyteplugins.wandb_context import wandb_config, wandb_sweep_config
from flyteplugins.wandb_context.internal import WandbConfig, WandbSweepConfig, keys

FULL_RUN = dict(
    project="proj",
    entity="team",
    host="https://wandb.example.com",
    id="run-1",
    name="123",  # a numeric-looking string must stay a string
    tags=["a", "b c", "ü"],
    config={"lr": 0.001, "layers": [64, 32], "nested": {"x": None, "flag": False}},
    mode="offline",
    group="grp",
    run_mode="new",
    rank_scope="worker",
    download_logs=True,
)


def test_run_config_writes_documented_keys() -> None:
    ctx = wandb_config(**FULL_RUN, notes="hello", job_type="train")
    assert set(ctx) == {f"wandb_{k}" for k in FULL_RUN} | {"wandb_kwargs"}
    assert ctx["wandb_tags"] == json.dumps(["a", "b c", "ü"])
    assert json.loads(ctx["wandb_config"]) == FULL_RUN["config"]
    assert ctx["wandb_download_logs"] == "true"
    assert ctx["wandb_name"] == "123"
    assert json.loads(ctx["wandb_kwargs"]) == {"notes": "hello", "job_type": "train"}
    assert all(isinstance(v, str) for v in ctx.values())


def test_run_config_round_trip_is_lossless() -> None:
    ctx = wandb_config(**FULL_RUN, notes="n", save_code=False)
    back = WandbConfig.from_custom_context(dict(ctx))
    assert back == ctx.typed()
    assert back is not None
    assert back.name == "123" and isinstance(back.name, str)
    assert back.download_logs is True
    assert back.kwargs == {"notes": "n", "save_code": False}


def test_sweep_config_round_trip_is_lossless() -> None:
    ctx = wandb_sweep_config(
        method="bayes",
        metric={"name": "loss", "goal": "minimize"},
        parameters={"lr": {"min": 0.0001, "max": 0.1}, "bs": {"values": [16, 32]}},
        project="p",
        entity="e",
        prior_runs=["r1", "r2"],
        name="s",
        download_logs=False,
        early_terminate={"type": "hyperband", "min_iter": 3},
    )
    assert all(k.startswith(keys.SWEEP_PREFIX) for k in ctx)
    back = WandbSweepConfig.from_custom_context(dict(ctx))
    assert back == ctx.typed()
    assert back is not None
    assert back.to_sweep_dict()["early_terminate"] == {"type": "hyperband", "min_iter": 3}


def test_unset_fields_write_no_keys() -> None:
    assert dict(wandb_config(project="p")) == {"wandb_project": "p"}
    assert dict(wandb_config()) == {}
    assert WandbConfig.from_custom_context({}) is None


def test_run_and_sweep_keys_never_bleed() -> None:
    merged = {
        **wandb_config(project="run-proj", entity="run-ent"),
        **wandb_sweep_config(project="sweep-proj", method="grid"),
        keys.RUN_ID_KEY: "r",
        keys.SWEEP_ID_KEY: "s",
    }
    run = WandbConfig.from_custom_context(merged)
    sweep = WandbSweepConfig.from_custom_context(merged)
    assert run == WandbConfig(project="run-proj", entity="run-ent")
    assert sweep == WandbSweepConfig(project="sweep-proj", method="grid")
    assert WandbSweepConfig.from_custom_context(dict(wandb_config(project="x"))) is None
    assert WandbConfig.from_custom_context(dict(wandb_sweep_config(project="x"))) is None


def test_reads_reference_plugin_encoding() -> None:
    """The reference writes every default (run_mode, rank_scope, download_logs) as strings/JSON."""
    written_by_reference = {
        "wandb_project": "p",
        "wandb_run_mode": "auto",
        "wandb_rank_scope": "global",
        "wandb_download_logs": "false",
        "wandb_tags": '["x"]',
        "wandb_kwargs": '{"notes": "n"}',
    }
    cfg = WandbConfig.from_custom_context(written_by_reference)
    assert cfg == WandbConfig(
        project="p",
        run_mode="auto",
        rank_scope="global",
        download_logs=False,
        tags=["x"],
        kwargs={"notes": "n"},
    )


def test_tuple_tags_become_a_list() -> None:
    assert WandbConfig.from_custom_context(dict(wandb_config(tags=("a", "b")))) == WandbConfig(
        tags=["a", "b"]
    )


RUN_DEFAULTS = dict(
    project=None,
    entity=None,
    host=None,
    id=None,
    name=None,
    tags=None,
    config=None,
    mode=None,
    group=None,
    run_mode="auto",
    rank_scope="global",
    download_logs=False,
    kwargs=None,
)
SWEEP_DEFAULTS = dict(
    method=None,
    metric=None,
    parameters=None,
    project=None,
    entity=None,
    prior_runs=None,
    name=None,
    download_logs=False,
    kwargs=None,
)


def test_run_config_object_has_an_attribute_per_field() -> None:
    unset = wandb_config()
    assert {f: getattr(unset, f) for f in RUN_DEFAULTS} == RUN_DEFAULTS
    full = wandb_config(**FULL_RUN, notes="n")
    assert {f: getattr(full, f) for f in FULL_RUN} == FULL_RUN
    assert full.kwargs == {"notes": "n"}
    partial = wandb_config(project="p", tags=("a",))
    assert (partial.project, partial.tags, partial.run_mode) == ("p", ["a"], "auto")
    assert partial.download_logs is False
    assert dict(partial) == {"wandb_project": "p", "wandb_tags": '["a"]'}  # defaults are not written


def test_sweep_config_object_has_an_attribute_per_field() -> None:
    unset = wandb_sweep_config()
    assert {f: getattr(unset, f) for f in SWEEP_DEFAULTS} == SWEEP_DEFAULTS
    sweep = wandb_sweep_config(method="grid", metric={"name": "loss"}, prior_runs=["r"], run_cap=3)
    assert (sweep.method, sweep.metric, sweep.prior_runs, sweep.kwargs) == (
        "grid",
        {"name": "loss"},
        ["r"],
        {"run_cap": 3},
    )


def test_config_object_is_a_plain_str_mapping() -> None:
    run = wandb_config(project="p", config={"lr": 0.1}, download_logs=True)
    sweep = wandb_sweep_config(method="bayes")
    for scope in (run, sweep):
        assert isinstance(scope, dict)
        as_dict = scope.to_dict()
        assert type(as_dict) is dict and as_dict == scope
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in as_dict.items())
    merged = {**run, **sweep}
    assert merged == {**run.to_dict(), **sweep.to_dict()}
    # dict methods keep their meaning next to the field attributes
    assert run.get("wandb_project") == "p" and next(iter(run.keys())) == "wandb_project"
    assert run.copy() == run and dict(run.items()) == run
    back = WandbConfig.from_custom_context(run)
    assert back is not None and back.to_dict() == run.to_dict()


def test_field_attributes_are_read_only_and_survive_copies() -> None:
    import copy
    import pickle

    run = wandb_config(project="p", run_mode="new")
    with pytest.raises(AttributeError, match="read-only"):
        run.project = "other"  # type: ignore[misc]
    for clone in (copy.deepcopy(run), pickle.loads(pickle.dumps(run)), copy.copy(run)):
        assert type(clone) is type(run) and clone == run
        assert (clone.project, clone.run_mode, clone.rank_scope) == ("p", "new", "global")
