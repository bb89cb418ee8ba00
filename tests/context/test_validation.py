"""Bad input raises ValueError naming the field and the fix, and writes nothing."""

from __future__ import annotations

import flyte
import pytest

from flyteplugins.wandb_context import get_wandb_context, wandb_config, wandb_sweep_config
from flyteplugins.wandb_context.internal import current_custom_context

env = flyte.TaskEnvironment(name="ctx_validation")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"run_mode": "sometimes"}, "run_mode='sometimes'"),
        ({"rank_scope": "node"}, "rank_scope='node'"),
        ({"mode": "onlin"}, "mode='onlin'"),
        ({"config": {"model": object()}}, "config must be JSON-serializable"),
        ({"config": ["not", "a", "dict"]}, "config must be a dict"),
        ({"tags": "single-string"}, "tags must be a list"),
        ({"tags": ["ok", 3]}, "tags must all be strings"),
        ({"job_meta": {1, 2}}, "job_meta must be JSON-serializable"),
        ({"api_key": "abc"}, "'api_key' looks like a secret"),
        ({"auth_token": "abc"}, "WANDB_API_KEY"),
        ({"client_secret": "abc"}, "'client_secret' looks like a secret"),
        ({"db_password": "abc"}, "Flyte secret"),
        ({"download_logs": "yes"}, "download_logs must be True or False"),
        ({"project": 3}, "project must be a string"),
    ],
)
def test_bad_run_config(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        wandb_config(**kwargs)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"parameters": {"lr": {"min": object()}}}, "parameters must be JSON-serializable"),
        ({"metric": "loss"}, "metric must be a dict"),
        ({"prior_runs": "run-1"}, "prior_runs must be a list"),
        ({"api_key": "x"}, "looks like a secret"),
    ],
)
def test_bad_sweep_config(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        wandb_sweep_config(**kwargs)
    assert fragment in str(info.value)


@env.task
async def _context_after_bad_config() -> dict[str, str]:
    before = dict(flyte.ctx().custom_context)
    try:
        with wandb_config(project="changed", api_key="leak"):
            pass
    except ValueError:
        pass
    after = dict(flyte.ctx().custom_context)
    assert before == after
    return after


def test_failed_validation_leaves_context_untouched(local_run) -> None:
    out = local_run(_context_after_bad_config, custom_context=dict(wandb_config(project="orig")))
    assert out == {"wandb_project": "orig"}
    assert "leak" not in str(out)


def test_outside_task_context_manager_warns_and_does_nothing() -> None:
    assert get_wandb_context() is None
    with pytest.warns(UserWarning, match="outside a Flyte task"), wandb_config(project="x") as scope:
        assert get_wandb_context() is None  # nothing to override outside a task
        assert current_custom_context() == {}
        assert scope.project == "x"  # the object itself still carries the value
    assert get_wandb_context() is None
    assert current_custom_context() == {}


def test_sdk_mode_aliases_are_accepted() -> None:
    assert wandb_config(mode="dryrun")["wandb_mode"] == "dryrun"
    assert wandb_config(mode="run")["wandb_mode"] == "run"
