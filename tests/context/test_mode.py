"""The one mode rule (``wandb_context.modes``): precedence, aliases and spelling."""

from __future__ import annotations

from typing import Any

import pytest
import wandb

from flyteplugins.wandb_context.internal import WandbConfig, modes


@pytest.mark.parametrize(
    ("mode", "settings", "env", "expected"),
    [
        (None, None, {}, "online"),
        (None, None, {"WANDB_MODE": "offline"}, "offline"),
        (None, None, {"WANDB_MODE": "dryrun"}, "offline"),
        (None, None, {"WANDB_MODE": "run"}, "online"),
        (None, None, {"WANDB_MODE": "disabled"}, "disabled"),
        (None, None, {"WANDB_MODE": "shared"}, "shared"),
        (None, {"mode": "disabled"}, {"WANDB_MODE": "offline"}, "disabled"),
        (None, {"console": "off"}, {"WANDB_MODE": "offline"}, "offline"),
        ("online", {"mode": "offline"}, {"WANDB_MODE": "offline"}, "online"),
        ("dryrun", {"mode": "online"}, {}, "offline"),
        ("disabled", None, {"WANDB_MODE": "online"}, "disabled"),
        (None, {"mode": None}, {"WANDB_MODE": "disabled"}, "disabled"),
    ],
)
def test_precedence_and_aliases(mode: str | None, settings: Any, env: dict[str, str], expected: str) -> None:
    assert modes.effective_mode(mode, settings, env) == expected


def test_wandb_settings_count_only_a_mode_that_was_set() -> None:
    # a wandb.Settings always reports a mode ("online" by default); only one set on it decides
    env = {"WANDB_MODE": "offline"}
    assert modes.effective_mode(None, wandb.Settings(console="off"), env) == "offline"
    assert modes.effective_mode(None, wandb.Settings(mode="disabled"), env) == "disabled"
    later = wandb.Settings(console="off")
    later.mode = "online"
    assert modes.effective_mode(None, later, env) == "online"


def test_the_process_environment_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "disabled")
    assert modes.effective_mode() == "disabled"
    monkeypatch.delenv("WANDB_MODE")
    assert modes.effective_mode() == "online"


@pytest.mark.parametrize(
    ("mode", "settings", "env", "bad", "source"),
    [
        (None, None, {"WANDB_MODE": "OFFLINE"}, "OFFLINE", "WANDB_MODE"),
        (None, None, {"WANDB_MODE": " offline"}, " offline", "WANDB_MODE"),
        (None, None, {"WANDB_MODE": "offline\n"}, "offline\n", "WANDB_MODE"),
        (None, None, {"WANDB_MODE": ""}, "", "WANDB_MODE"),
        (None, None, {"WANDB_MODE": "foo"}, "foo", "WANDB_MODE"),
        (None, {"mode": "Offline"}, {}, "Offline", "settings.mode"),
        ("Disabled", None, {}, "Disabled", "from mode"),
        (" online", None, {"WANDB_MODE": "offline"}, " online", "from mode"),
        (1, None, {}, 1, "from mode"),
    ],
)
def test_other_spellings_are_refused_like_the_sdk_refuses_them(
    mode: Any, settings: Any, env: dict[str, str], bad: Any, source: str
) -> None:
    """The SDK accepts only these exact spellings (it fails at wandb.init otherwise), so every
    user of the rule refuses the rest too, naming the value and where it came from."""
    with pytest.raises(ValueError, match="is not valid; use one of 'online'") as raised:
        modes.effective_mode(mode, settings, env)
    assert f"W&B mode {bad!r} (from " in str(raised.value) and source in str(raised.value)


def test_the_sdk_accepts_exactly_the_spellings_the_rule_accepts() -> None:
    for value in ("online", "offline", "disabled", "shared", "dryrun", "run"):
        wandb.Settings(mode=value)  # type: ignore[arg-type]
        modes.effective_mode(value, None, {})
    for value in ("OFFLINE", " offline", ""):
        with pytest.raises(ValueError):
            wandb.Settings(mode=value)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            modes.effective_mode(value, None, {})


def test_context_mode_reads_the_config_mode_then_its_settings() -> None:
    env = {"WANDB_MODE": "online"}
    assert modes.context_mode(None, env) == "online"
    assert modes.context_mode(WandbConfig(mode="dryrun"), env) == "offline"
    assert modes.context_mode(WandbConfig(kwargs={"settings": {"mode": "disabled"}}), env) == "disabled"
    both = WandbConfig(mode="offline", kwargs={"settings": {"mode": "disabled"}})
    assert modes.context_mode(both, env) == "offline"
    assert {"offline", "disabled"} == modes.NO_SERVER_MODES
