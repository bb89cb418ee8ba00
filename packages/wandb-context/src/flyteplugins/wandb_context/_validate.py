"""Checks on user input, each raising ``ValueError`` that names the field and the fix."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ._types import ACCEPTED_WANDB_MODES, RANK_SCOPES, RUN_MODES

__all__ = [
    "ACCEPTED_WANDB_MODES",
    "RANK_SCOPES",
    "RUN_MODES",
    "check_choice",
    "check_config",
    "check_json",
    "check_no_secrets",
    "check_optional_bool",
    "check_optional_str",
    "check_tags",
]

_SECRET_NAME = re.compile(r"key|token|secret|password", re.IGNORECASE)


def _where(field_name: str, value: Any, caller: str) -> str:
    """``field=value`` or, for a decorator, ``@caller(field=value)``."""
    named = f"{field_name}={value!r}"
    return f"{caller}({named})" if caller else named


def check_choice(field_name: str, value: str | None, choices: Iterable[str], caller: str = "") -> None:
    if value is None:
        return
    allowed = tuple(choices)
    if value not in allowed:
        options = ", ".join(repr(c) for c in allowed)
        raise ValueError(f"{_where(field_name, value, caller)} is not valid; use one of {options}.")


def check_json(field_name: str, value: Any) -> None:
    """A value stored as JSON in ``custom_context`` must survive ``json.dumps``."""
    if value is None:
        return
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{field_name} must be JSON-serializable to travel in Flyte's custom_context, "
            f"but {value!r} is not ({exc}). Pass plain str/int/float/bool/list/dict values, "
            f"or log richer objects with run.config.update(...) inside the task."
        ) from None


def check_tags(value: Any, caller: str = "") -> None:
    if value is None:
        return
    where = _where("tags", value, caller)
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValueError(f"{where}: tags must be a list of strings, e.g. tags=['baseline', 'v1'].")
    bad = [t for t in value if not isinstance(t, str)]
    if bad:
        raise ValueError(f"{where}: tags must all be strings, not {bad!r}; e.g. tags=['baseline', 'v1'].")


def check_config(value: Any, caller: str = "") -> None:
    if value is not None and not isinstance(value, Mapping):
        raise ValueError(f"{_where('config', value, caller)}: config must be a dict of hyperparameters.")


def check_no_secrets(kwargs: dict[str, Any]) -> None:
    """Secrets must never enter custom_context: it is shown in the UI and propagates to children."""
    for name in kwargs:
        if _SECRET_NAME.search(name):
            raise ValueError(
                f"{name!r} looks like a secret and would be stored in Flyte's custom_context, which is "
                f"visible in the UI and copied to every child task. Do not pass it here: give the task "
                f"a Flyte secret exposed as the WANDB_API_KEY environment variable, e.g. "
                f"TaskEnvironment(secrets=[flyte.Secret(key='wandb_api_key', as_env_var='WANDB_API_KEY')])."
            )


def check_optional_str(field_name: str, value: Any, caller: str = "") -> None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{_where(field_name, value, caller)}: {field_name} must be a string.")


def check_optional_bool(field_name: str, value: Any, caller: str = "") -> None:
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"{_where(field_name, value, caller)}: {field_name} must be True or False.")
