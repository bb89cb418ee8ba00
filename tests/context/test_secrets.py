"""Secrets never reach custom_context, and no error message ever contains one.

The marker below is deliberately not shaped like a credential, so a message that hides it does
so because of the secret rule, not because the value looks like a key.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import flyte
import pytest
import wandb

from flyteplugins.wandb_context import wandb_config, wandb_sweep_config
from flyteplugins.wandb_context.internal import validation
from flyteplugins.wandb_runs import wandb_init
from flyteplugins.wandb_sweeps import wandb_sweep

SECRET = "plain-marker-value-77"
WANDB_SHAPED = "0123456789abcdef0123456789abcdef01234567"

env = flyte.TaskEnvironment(name="ctx_secrets")


@env.task
async def sweep_task() -> None:
    return None


SECRET_NAMES = [
    "api_key",
    "apiKey",
    "APIKey",
    "x-api-key",
    "openai_api_key",
    "OPENAI_API_KEY",
    "WANDB_API_KEY",
    "wandb_api_key",
    "apikey",
    "wandbApiKey2",
    "passwd",
    "PASSWD",
    "password",
    "db_password",
    "dbPassword",
    "pwd",
    "credentials",
    "Credentials",
    "credential",
    "authorization",
    "Authorization",
    "auth_token",
    "authToken",
    "access_token",
    "refresh_token",
    "use_auth_token",
    "hf_token",
    "HF_TOKEN",
    "github_token",
    "token",
    "bearer",
    "client_secret",
    "secret",
    "secrets",
    "aws_secret_access_key",
    "AWS_ACCESS_KEY_ID",
    "private_key",
    "ssh_key",
    "access_tokens",
]
SAFE_NAMES = [
    "monkey",
    "keyboard_layout",
    "tokenizer",
    "tokenizer_name",
    "max_tokens",
    "num_tokens",
    "maxTokens",
    "tokens",
    "key_frames",
    "config_exclude_keys",
    "config_include_keys",
    "key",
    "sort_key",
    "eos_token",
    "pad_token_id",
    "decoder_start_token",
    "max_token",
    "token_count",
    "credentials_file",
    "api_key_env",
    "secret_name",
    "password_file",
    "author",
    "authority",
    "passage",
    "secretary",
]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_names_are_refused_at_any_depth(name: str) -> None:
    assert validation.is_secret_name(name)
    calls = [
        lambda: wandb_config(**{name: SECRET}),
        lambda: wandb_config(settings={name: SECRET}),
        lambda: wandb_config(config={"llm": [{"provider": {name: SECRET}}]}),
        lambda: wandb_sweep_config(parameters={name: {"values": [SECRET]}}),
        lambda: wandb_sweep_config(metric={"name": "loss", "extra": ({name: SECRET},)}),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="looks like a secret") as info:
            call()
        message = str(info.value)
        assert SECRET not in message
        assert name in message and "WANDB_API_KEY" in message and "Flyte secret" in message


@pytest.mark.parametrize("name", SAFE_NAMES)
def test_ordinary_names_are_accepted(name: str) -> None:
    assert not validation.is_secret_name(name)
    run = wandb_config(config={"model": {name: "value"}}, **{name: 1})
    assert name in run["wandb_config"] and name in run["wandb_kwargs"]
    assert wandb_sweep_config(parameters={name: {"values": [1, 2]}})["wandb_sweep_parameters"]


def test_message_names_the_dotted_path() -> None:
    with pytest.raises(ValueError, match=r"'config\.llm\.openai_api_key' looks like a secret"):
        wandb_config(config={"lr": 0.1, "llm": {"openai_api_key": "sk-" + SECRET}})
    with pytest.raises(ValueError, match=r"'config\.stages\[1\]\.auth\.token'"):
        wandb_config(config={"stages": [{"ok": 1}, {"auth": {"token": SECRET}}]})
    with pytest.raises(ValueError, match=r"'parameters\.api_key'"):
        wandb_sweep_config(parameters={"api_key": {"values": [SECRET]}})


def test_flags_and_unset_values_under_secret_names_are_fine() -> None:
    scope = wandb_config(use_auth_token=True, settings={"api_key": None, "password": ""})
    assert scope.kwargs == {"use_auth_token": True, "settings": {"api_key": None, "password": ""}}
    with pytest.raises(ValueError, match=r"'settings\.api_key'"):
        wandb_config(settings={"api_key": 12345})  # a number may be a PIN


@dataclasses.dataclass
class _Credentials:
    user: str
    api_key: str


class _Opaque:
    """An object whose repr would leak; messages must show only its type."""

    def __repr__(self) -> str:
        return f"Opaque(token={SECRET!r})"


def test_wandb_settings_with_api_key_is_refused_without_its_value() -> None:
    with pytest.raises(ValueError, match=r"'settings\.api_key' looks like a secret") as info:
        wandb_config(settings=wandb.Settings(api_key=WANDB_SHAPED))
    assert WANDB_SHAPED not in str(info.value)
    with pytest.raises(ValueError, match=r"'config\.login\.api_key'") as info:
        wandb_config(config={"login": _Credentials(user="u", api_key=SECRET)})
    assert SECRET not in str(info.value)


def test_objects_are_refused_by_type_never_by_repr() -> None:
    with pytest.raises(ValueError, match="settings is a Settings object") as info:
        wandb_config(settings=wandb.Settings(mode="offline", run_notes=SECRET))
    assert SECRET not in str(info.value)
    with pytest.raises(ValueError, match=r"config\.model is a _Opaque object") as info:
        wandb_config(config={"model": _Opaque()})
    assert SECRET not in str(info.value)


# Every validator that echoes a value, given one that is or holds a secret. The context
# factories refuse secret names before anything else; @wandb_init arguments never enter the
# context, so only their echo is redacted.
ECHOING_CALLS: list[tuple[str, Any]] = [
    ("mode", lambda: wandb_config(mode=WANDB_SHAPED)),
    ("run_mode", lambda: wandb_config(run_mode="sk-" + SECRET)),  # type: ignore[arg-type]
    ("config", lambda: wandb_config(config=[WANDB_SHAPED])),
    ("tags", lambda: wandb_config(tags=["ok", 3, "hf_" + SECRET])),
    ("project", lambda: wandb_config(project=_Opaque())),  # type: ignore[arg-type]
    ("download_logs", lambda: wandb_config(download_logs=WANDB_SHAPED)),  # type: ignore[arg-type]
    ("metric", lambda: wandb_sweep_config(metric="ghp_" + SECRET)),  # type: ignore[arg-type]
    ("prior_runs", lambda: wandb_sweep_config(prior_runs=WANDB_SHAPED)),  # type: ignore[arg-type]
    ("config", lambda: wandb_init(config=[{"llm": {"api_key": SECRET}}])),
    ("tags", lambda: wandb_init(tags=["x", {"token": SECRET}])),
    ("mode", lambda: wandb_init(mode={"password": SECRET})),
    ("run_mode", lambda: wandb_init(run_mode=_Opaque())),  # type: ignore[arg-type]
    ("project", lambda: wandb_init(project={"secret": SECRET})),  # type: ignore[arg-type]
    ("name", lambda: wandb_init(name=wandb.Settings(api_key=WANDB_SHAPED))),
    ("early_terminate", lambda: wandb_sweep(early_terminate=_Opaque())(sweep_task)),
    ("parameters", lambda: wandb_sweep(parameters={"lr": {"api_key": SECRET}})(sweep_task)),
    ("config[<redacted>]", lambda: wandb_config(config={WANDB_SHAPED: object()})),
]


@pytest.mark.parametrize(("field", "call"), ECHOING_CALLS)
def test_no_message_ever_contains_a_secret(field: str, call: Any) -> None:
    with pytest.raises(ValueError) as info:
        call()
    assert field in str(info.value)
    chained: BaseException | None = info.value
    while chained is not None:  # tracebacks and logs print the whole chain
        assert SECRET not in str(chained) and WANDB_SHAPED not in str(chained)
        chained = chained.__cause__ or chained.__context__


def test_hostile_shapes_fail_cleanly() -> None:
    looped: dict[str, Any] = {"lr": 0.1}
    looped["self"] = looped
    with pytest.raises(ValueError, match="contains itself"):
        wandb_config(config=looped)
    deep: list[Any] = []
    node = deep
    for _ in range(5_000):
        node.append([])
        node = node[0]
    node.append({"api_key": SECRET})
    with pytest.raises(ValueError, match="looks like a secret") as info:
        wandb_config(config={"deep": deep})
    assert SECRET not in str(info.value)
    node.pop()
    with pytest.raises(ValueError, match="nested too deeply"):
        wandb_config(config={"deep": deep})
