"""Fixtures shared by every test folder: a local Flyte and an isolated, offline W&B."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flyte
import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent / "packaging"))
pytest_plugins = ["wandb_server.pytest_plugin"]

_WANDB_ENV = (
    "WANDB_MODE",
    "WANDB_DIR",
    "WANDB_API_KEY",
    "WANDB_BASE_URL",
    "WANDB_ENTITY",
    "WANDB_PROJECT",
    "WANDB_RUN_ID",
    "WANDB_RESUME",
    "WANDB_SWEEP_ID",
    "WANDB_CONFIG_DIR",
    "WANDB_CACHE_DIR",
    "WANDB_DATA_DIR",
)


@pytest.fixture(scope="session", autouse=True)
def _flyte_initialised() -> None:
    flyte.init()


@pytest.fixture(autouse=True)
def _isolated_wandb_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test ever reads the developer's W&B login, settings or network."""
    for name in _WANDB_ENV:
        monkeypatch.delenv(name, raising=False)
    config_dir = tmp_path / "wandb-config"
    config_dir.mkdir()
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("WANDB_CACHE_DIR", str(tmp_path / "wandb-cache"))
    monkeypatch.setenv("WANDB_DATA_DIR", str(tmp_path / "wandb-data"))
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DISABLE_GIT", "true")
    monkeypatch.setenv("WANDB__DISABLE_STATS", "true")
    monkeypatch.setenv("WANDB_X_DISABLE_STATS", "true")
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


@pytest.fixture
def wandb_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """W&B in offline mode writing into a per-test directory; yields that directory."""
    wandb_dir = tmp_path / "wandb-runs"
    wandb_dir.mkdir()
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(wandb_dir))
    _fresh_sdk()
    yield wandb_dir
    _fresh_sdk()


def _fresh_sdk() -> None:
    """The SDK reads WANDB_* once per process setup: finish what is left and tear it down so
    the next test's directory and mode take effect."""
    import wandb

    if wandb.run is not None:
        wandb.run.finish()
    wandb.teardown()


def run_local(task: Any, *args: Any, custom_context: dict[str, str] | None = None, **kwargs: Any) -> Any:
    """Run a Flyte task in local mode and return its (single) output."""
    run = flyte.with_runcontext(mode="local", custom_context=custom_context or {}).run(task, *args, **kwargs)
    outputs = run.outputs()
    try:
        return outputs[0]
    except (IndexError, TypeError, KeyError):
        return None


@pytest.fixture
def local_run():
    """``local_run(task, *args, custom_context=..., **kwargs)`` -> the task's output."""
    return run_local
