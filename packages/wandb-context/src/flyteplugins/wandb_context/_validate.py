"""Checks on user input, each raising ``ValueError`` that names the field and the fix."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

_SECRET_NAME = re.compile(r"key|token|secret|password", re.IGNORECASE)


def check_choice(field_name: str, value: str | None, choices: Iterable[str]) -> None:
    if value is None:
        return
    allowed = tuple(choices)
    if value not in allowed:
        raise ValueError(
            f"{field_name}={value!r} is not valid; use one of {', '.join(repr(c) for c in allowed)}."
        )


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


def check_tags(value: Any) -> None:
    if value is None:
        return
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValueError(f"tags must be a list of strings, got {value!r}; e.g. tags=['baseline', 'v1'].")
    bad = [t for t in value if not isinstance(t, str)]
    if bad:
        raise ValueError(f"tags must all be strings, got {bad!r}; e.g. tags=['baseline', 'v1'].")


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


def check_optional_str(field_name: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{field_name} must be a string, got {value!r} ({type(value).__name__}).")


def check_optional_bool(field_name: str, value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"{field_name} must be True or False, got {value!r}.")
