"""Sweeps use the plugin's one mode rule (audit item 9): offline and disabled sweeps run on this
machine; a mode the W&B SDK would refuse is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import sweep_objectives as obj
from sweep_helpers import create_only

from flyteplugins.wandb_context import wandb_config, wandb_sweep_config
from flyteplugins.wandb_sweeps import get_sweep_results, run_sweep_agent
from flyteplugins.wandb_sweeps._mode import is_offline


@pytest.mark.parametrize(
    ("env_mode", "local"),
    [
        (None, False),
        ("online", False),
        ("run", False),
        ("offline", True),
        ("dryrun", True),
        ("disabled", True),
    ],
)
def test_sweeps_run_locally_when_no_server_may_be_used(
    env_mode: str | None, local: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if env_mode is not None:
        monkeypatch.setenv("WANDB_MODE", env_mode)
    assert is_offline() is local


@pytest.mark.parametrize("env_mode", ["OFFLINE", " offline", "Disabled", ""])
def test_a_mode_the_sdk_would_refuse_is_refused(env_mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_MODE", env_mode)
    with pytest.raises(ValueError, match=f"W&B mode {env_mode!r} \\(from the WANDB_MODE"):
        is_offline()


def test_a_disabled_sweep_runs_on_this_machine(local_run, wandb_offline: Path, monkeypatch) -> None:
    """mode="disabled" talks to no server: the sweep is created and run by the local engine, its
    trials recorded as local offline runs (the engine reads their metrics)."""
    monkeypatch.setenv("WANDB_MODE", "online")  # the context's mode decides
    context = {
        **wandb_config(project="sweep-tests", mode="disabled"),
        **wandb_sweep_config(
            method="grid", metric={"name": "loss", "goal": "minimize"}, parameters={"x": {"values": [1, 2]}}
        ),
    }
    sweep_id = local_run(create_only, custom_context=context)
    monkeypatch.setenv("WANDB_MODE", "disabled")
    run_sweep_agent(sweep_id, obj.quadratic)
    results = get_sweep_results(sweep_id)
    assert [(r.params, r.metric) for r in results] == [({"x": 2}, 0.0), ({"x": 1}, 1.0)]
    assert all(r.run_dirs for r in results)
