"""The custom-context key schema: encoding, lossless round trips, no bleeding between prefixes."""

from __future__ import annotations

import json

from flyteplugins.wandb_context import (
    WandbConfig,
    WandbSweepConfig,
    keys,
    wandb_config,
    wandb_sweep_config,
)

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
    assert back == ctx.config
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
    assert back == ctx.config
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
