"""Canaries for the private parts of wandb the sweeps package touches (``wandb_sweeps._compat``),
one per touch, and for the (public) hand-over of offline trials to ``wandb.init()``.

Each fails with a message saying what changed in the SDK, so an upgrade that moves these parts
shows up here first, not as a sweep whose trials lost their parameters.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import pytest
import wandb
import wandb.wandb_agent
from wandb.sdk import wandb_setup
from wandb.sdk.lib import config_util

from flyteplugins.wandb_sweeps._compat import (
    restore_wandb_agent,
    sdk_agent,
    sdk_base_url,
    swap_wandb_agent,
    trial_params_writer,
)
from flyteplugins.wandb_sweeps._local._trial import TrialSpec, _hand_over, end_trial_session

_CHANGED = "wandb changed {what}: update flyteplugins.wandb_sweeps._compat.{where}"


def test_wandb_agent_names_the_sdk_agent_with_the_parameters_we_pass() -> None:
    assert callable(getattr(wandb.wandb_agent, "agent", None)), _CHANGED.format(
        what="where its agent lives (wandb.wandb_agent.agent is gone)", where="sdk_agent"
    )
    assert wandb.agent is sdk_agent(), _CHANGED.format(
        what="what wandb.agent refers to (no longer wandb.wandb_agent.agent)", where="sdk_agent"
    )
    params = list(inspect.signature(sdk_agent()).parameters)
    assert params[:5] == ["sweep_id", "function", "entity", "project", "count"], _CHANGED.format(
        what=f"wandb.agent's positional parameters ({params[:5]}); _router._routed_agent mirrors them",
        where="sdk_agent",
    )
    assert "max_consecutive_failed_runs" in params, _CHANGED.format(
        what="wandb.agent: max_consecutive_failed_runs is gone", where="sdk_agent"
    )


def test_wandb_agent_can_be_replaced_and_restored() -> None:
    def replacement(*args: object, **kwargs: object) -> str:
        return "routed"

    previous = swap_wandb_agent(replacement)
    try:
        assert previous is sdk_agent()
        assert wandb.agent("abc", function=print) == "routed", _CHANGED.format(
            what="how wandb.agent is looked up (assigning the module attribute no longer takes effect)",
            where="swap_wandb_agent",
        )
    finally:
        restore_wandb_agent(replacement, previous)
    assert wandb.agent is sdk_agent()


def test_trial_parameters_file_round_trips_through_the_sdk_reader(tmp_path: Path) -> None:
    for name in ("save_config_file_from_dict", "dict_from_config_file"):
        assert callable(getattr(config_util, name, None)), _CHANGED.format(
            what=f"wandb.sdk.lib.config_util.{name} is gone", where="trial_params_writer"
        )
    params = {"lr": {"value": 0.01}, "layers": {"value": [64, 32]}, "opt": {"value": "adam"}}
    path = tmp_path / "sweep-x" / "config-run1.yaml"
    path.parent.mkdir()
    trial_params_writer()(path, params)
    read = config_util.dict_from_config_file(str(path), must_exist=True)
    assert read == {"lr": 0.01, "layers": [64, 32], "opt": "adam"}, _CHANGED.format(
        what=f"the sweep parameters file format (read back {read!r})", where="trial_params_writer"
    )


def test_session_base_url_is_settable_and_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_BASE_URL", "http://127.0.0.1:1")
    wandb.teardown()
    settings = getattr(wandb_setup.singleton(), "settings", None)
    assert settings is not None and hasattr(settings, "base_url"), _CHANGED.format(
        what="wandb.sdk.wandb_setup.singleton().settings.base_url is gone", where="sdk_base_url"
    )
    assert settings.base_url == "http://127.0.0.1:1"
    with sdk_base_url("http://127.0.0.1:2"):
        assert os.environ["WANDB_BASE_URL"] == "http://127.0.0.1:2"
        assert wandb_setup.singleton().settings.base_url == "http://127.0.0.1:2", _CHANGED.format(
            what="the session's settings (assigning base_url no longer takes effect)", where="sdk_base_url"
        )
        assert wandb.setup().settings.base_url == "http://127.0.0.1:2", _CHANGED.format(
            what="the session: wandb.setup() no longer returns the singleton sdk_base_url changes",
            where="sdk_base_url",
        )
        wandb.teardown()  # as wandb.agent does before each trial: the next session reads the env
        assert wandb_setup.singleton().settings.base_url == "http://127.0.0.1:2"
    assert os.environ["WANDB_BASE_URL"] == "http://127.0.0.1:1"
    assert wandb_setup.singleton().settings.base_url == "http://127.0.0.1:1"


def test_setup_settings_hand_the_trial_to_a_plain_wandb_init(wandb_offline: Path) -> None:
    """Public API, but the whole offline engine rests on it: the settings wandb.agent's variables
    set for a trial, applied with wandb.setup(settings=...), reach a plain wandb.init(); a new
    session after wandb.teardown() has none of them."""
    root = wandb_offline / "wandb"
    root.mkdir()
    spec = TrialSpec(
        run_id="canary01",
        param_path=root / "config-canary01.yaml",
        wandb_dir=root,
        group="sweepgrp",
        project="canary-project",
        entity=None,
        metric_name=None,
    )
    trial_params_writer()(spec.param_path, {"x": {"value": 3}})
    _hand_over(spec)
    try:
        run = wandb.init()
        seen = (run.id, dict(run.config), run.group, run.project, run.settings.mode)
        run_dir = Path(run.dir)
        run.finish()
    finally:
        end_trial_session()
    assert seen == ("canary01", {"x": 3}, "sweepgrp", "canary-project", "offline"), (
        "wandb.init() no longer takes the trial from the run_id / sweep_param_path / run_group / "
        f"project / mode settings given to wandb.setup(settings=...) (got {seen}): update "
        "flyteplugins.wandb_sweeps._local._trial._hand_over"
    )
    assert root in run_dir.parents, f"the trial's run was written to {run_dir}, not under {root} (root_dir)"
    after = wandb.init(project="after")
    try:
        assert (after.id, dict(after.config), after.group) != ("canary01", {"x": 3}, "sweepgrp")
        assert dict(after.config) == {} and not after.group, (
            "a new SDK session after wandb.teardown() still has the trial's settings: update "
            "flyteplugins.wandb_sweeps._local._trial.end_trial_session"
        )
    finally:
        after.finish()
