"""Runs use the plugin's one host rule and one mode rule (audit items 3 and 9)."""

from __future__ import annotations

from pathlib import Path

import flyte
import pytest
import wandb
from runs_support import recorded_ids, run_local

from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_context.internal import WandbConfig
from flyteplugins.wandb_runs import get_wandb_run, wandb_init
from flyteplugins.wandb_runs.internal import DecoratorOptions, effective_mode, resolve, shared_mode_kwargs

env = flyte.TaskEnvironment("runs_host_rule")

BAD_HOSTS = [
    "ftp://files.example.com",
    "https://wandb.ai\n.evil.com",
    "https://wandb.example.com\t",
    "https://u:hunter2@wandb.example.com",
    "wandb.example.com",
    "https://wandb.example.com:99999",
    "https://wandb.example.com/?next=x",
    "https://wandb.example.com/%2e%2e",
]


@wandb_init
@env.task
async def base_url_seen() -> str:
    run = get_wandb_run()
    assert run is not None
    return run.settings.base_url


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_the_decorator_refuses_a_bad_host_where_it_is_given(host: str) -> None:
    with pytest.raises(ValueError, match=r"^@wandb_init\(host=") as raised:
        wandb_init(host=host)
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_a_bad_host_in_the_context_is_refused_never_replaced(host: str) -> None:
    with pytest.raises(ValueError, match="is not a valid W&B host") as raised:
        resolve(DecoratorOptions(), WandbConfig(host=host))
    assert "hunter2" not in str(raised.value)


def test_a_task_with_a_bad_context_host_fails_before_any_run(offline: Path) -> None:
    # written into the context by someone else (wandb_config itself refuses it)
    context = {**wandb_config(project="p"), "wandb_host": "https://u:hunter2@wandb.ai\n.evil.com"}
    with pytest.raises(Exception, match="is not a valid W&B host") as raised:
        run_local(base_url_seen, custom_context=context)
    assert "hunter2" not in str(raised.value)
    assert recorded_ids(offline) == []


def test_the_api_url_is_the_normal_form_of_the_host(offline: Path) -> None:
    context = wandb_config(host="HTTPS://WandB.Example.COM:8443/w%26b/")
    assert run_local(base_url_seen, custom_context=context) == "https://wandb.example.com:8443/w%26b"
    idna = wandb_config(host="https://münchen.example")
    assert run_local(base_url_seen, custom_context=idna) == "https://xn--mnchen-3ya.example"


def test_settings_without_a_mode_leave_the_mode_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    kwargs = {"settings": wandb.Settings(console="off")}
    assert effective_mode(kwargs) == "offline"
    # an offline writer of a shared run stays offline (shared mode needs a server)
    assert shared_mode_kwargs(kwargs, primary=True, label="a0")["settings"].mode != "shared"
    assert effective_mode({"mode": "dryrun", "settings": {"mode": "online"}}) == "offline"


@wandb_init(download_logs=True)
@env.task
async def disabled_with_download() -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"loss": 1.0})
    return "done"


def test_a_disabled_run_skips_its_download(offline: Path) -> None:
    """mode="disabled" records nothing and talks to no server: there is nothing to download."""
    assert run_local(disabled_with_download, custom_context=wandb_config(mode="disabled")) == "done"
    assert (
        resolve(DecoratorOptions(download_logs=True, kwargs={"mode": "disabled"}), None).download_logs
        is False
    )
    assert resolve(DecoratorOptions(download_logs=True), WandbConfig(mode="offline")).download_logs is True
