"""Downloads use the plugin's one host rule and one mode rule (audit items 3 and 9): a bad host
is refused and the API key goes nowhere; offline and disabled mode never contact a server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flyteplugins.wandb_artifacts import download_wandb_run_dir
from flyteplugins.wandb_artifacts._context import ContextSettings
from flyteplugins.wandb_artifacts.internal import download_run
from flyteplugins.wandb_context.internal import hosts

# what downloads call to turn wandb_config(host=...) into the API URL (ContextSettings.api_url)
api_base_url = hosts.api_base_url

BAD_HOSTS = [
    "ftp://files.example.com",
    "wandb.example.com",
    "https://wandb.ai\n.evil.com",
    "https://u:hunter2@wandb.example.com",
    "https://wandb.example.com:0",
    "https://wandb.example.com/?next=x",
    "https://wandb.example.com/a/%2E%2e",
]


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_a_bad_host_is_refused_never_replaced_by_the_cloud(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="is not a valid W&B host") as raised:
        api_base_url(host)
    assert "hunter2" not in str(raised.value)
    monkeypatch.setenv("WANDB_BASE_URL", "http://127.0.0.1:9")
    with pytest.raises(ValueError, match="is not a valid W&B host"):
        api_base_url(host)


def test_a_valid_host_is_used_in_normal_form(monkeypatch: pytest.MonkeyPatch) -> None:
    assert api_base_url("HTTPS://WandB.Example.COM:8443/prefix//") == "https://wandb.example.com:8443/prefix"
    assert api_base_url("https://münchen.example") == "https://xn--mnchen-3ya.example"
    assert api_base_url("https://wandb.ai/") is None  # the public UI: the SDK's default API
    assert api_base_url(None) is None
    monkeypatch.setenv("WANDB_BASE_URL", "http://127.0.0.1:9")
    # a named host beats the environment, as it does for runs
    assert api_base_url("https://wandb.example.com") == "https://wandb.example.com"


def test_a_download_with_a_bad_host_sends_nothing(server: Any, tmp_path: Path) -> None:
    before = len(server.requests)
    with pytest.raises(ValueError, match="is not a valid W&B host") as raised:
        download_run("r1", tmp_path / "o", project="dl", host="https://u:hunter2@127.0.0.1:1")
    assert "hunter2" not in str(raised.value)
    assert len(server.requests) == before
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("settings", "env_mode", "local"),
    [
        (ContextSettings(), None, False),
        (ContextSettings(), "offline", True),
        (ContextSettings(), "disabled", True),
        (ContextSettings(), "dryrun", True),
        (ContextSettings(mode="disabled"), "online", True),
        (ContextSettings(mode="run"), "offline", False),
        (ContextSettings(wandb_settings={"mode": "offline"}), "online", True),
        (ContextSettings(mode="online", wandb_settings={"mode": "offline"}), None, False),
    ],
)
def test_offline_and_disabled_never_use_a_server(
    settings: ContextSettings, env_mode: str | None, local: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if env_mode is not None:
        monkeypatch.setenv("WANDB_MODE", env_mode)
    assert settings.offline_requested is local


def test_a_mode_the_sdk_would_refuse_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "OFFLINE")
    with pytest.raises(ValueError, match=r"W&B mode 'OFFLINE' \(from the WANDB_MODE"):
        _ = ContextSettings().offline_requested


def test_a_disabled_download_exports_locally_and_contacts_no_server(
    server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disabled run records nothing: with no local run directory there is nothing to export."""
    monkeypatch.setenv("WANDB_MODE", "disabled")
    monkeypatch.setenv("WANDB_PROJECT", "dl")
    before = len(server.requests)
    with pytest.raises(RuntimeError, match="No local W&B run directory for run id 'r2'"):
        download_wandb_run_dir("r2", str(tmp_path / "o"))
    assert len(server.requests) == before
