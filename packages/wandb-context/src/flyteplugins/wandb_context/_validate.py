"""Checks on user input, each raising ``ValueError`` that names the field and the fix.

Messages echo a value only through :func:`shown`, which never renders a value holding a
secret-named field, a credential-shaped string or an arbitrary object (whose ``repr`` may
hold anything, e.g. ``wandb.Settings(api_key=...)``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ._secrets import find_secret, is_secret_name, looks_like_secret_value, spell_path
from ._types import ACCEPTED_WANDB_MODES, ON_OUTAGE, RANK_SCOPES, RUN_MODES

__all__ = [
    "ACCEPTED_WANDB_MODES",
    "ON_OUTAGE",
    "RANK_SCOPES",
    "RUN_MODES",
    "check_choice",
    "check_config",
    "check_dict",
    "check_json",
    "check_no_secrets",
    "check_optional_bool",
    "check_optional_str",
    "check_plain_values",
    "check_seconds",
    "check_str_list",
    "check_tags",
    "is_secret_name",
    "shown",
]

CUSTOM_CONTEXT = "Flyte's custom_context (shown in the UI and copied to every child task)"
_SECRET_FIX = (
    "Give the task a Flyte secret exposed as an environment variable instead, e.g. "
    "TaskEnvironment(secrets=[flyte.Secret(key='wandb_api_key', as_env_var='WANDB_API_KEY')]), "
    "and read it from os.environ inside the task."
)
_MAX_SHOWN = 120
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_JSON_SCALARS = (str, int, float, bool, type(None))


def _segment(key: Any) -> str:
    if isinstance(key, str) and looks_like_secret_value(key):
        return "[<redacted>]"
    if isinstance(key, str) and _IDENTIFIER.fullmatch(key) and len(key) <= 60:
        return f".{key}"
    text = repr(key) if isinstance(key, (str, int)) else f"<{type(key).__name__}>"
    return f"[{text[:60]}]"


def path_text(path: tuple[Any, ...]) -> str:
    """``('config', 'llm', 'openai_api_key')`` -> ``config.llm.openai_api_key``."""
    if not path:
        return "value"
    head, *rest = path
    return _segment(head).lstrip(".") + "".join(_segment(k) for k in rest)


def _json_nodes(value: Any) -> Iterator[tuple[Any, Any]]:
    """Every node of a JSON-shaped value (dicts, lists and tuples are walked), depth first,
    with its path as a link for :func:`spell_path`."""
    stack: list[tuple[Any, Any]] = [(None, value)]
    seen: dict[int, Any] = {}
    while stack:
        link, item = stack.pop()
        yield link, item
        if not isinstance(item, (dict, list, tuple)) or id(item) in seen:
            continue
        seen[id(item)] = item
        children = item.items() if isinstance(item, dict) else enumerate(item)
        stack.extend(((link, k), v) for k, v in reversed(list(children)))


def _first_non_json(value: Any) -> tuple[tuple[Any, ...], Any, str] | None:
    """Where ``value`` stops being plain JSON: (path, the offending object, "key" or "value")."""
    for link, item in _json_nodes(value):
        if isinstance(item, dict):
            for key in item:
                if not isinstance(key, _JSON_SCALARS):
                    return spell_path(link), key, "key"
        elif not isinstance(item, (list, tuple, *_JSON_SCALARS)):
            return spell_path(link), item, "value"
    return None


def shown(value: Any) -> str:
    """``value`` as an error message may show it: its ``repr`` (shortened) when it is plain JSON
    without secrets, else only its type."""
    if find_secret(value) is not None or any(
        isinstance(item, str) and looks_like_secret_value(item) for _, item in _json_nodes(value)
    ):
        return "<value not shown: it holds a secret>"
    bad = _first_non_json(value)
    if bad is not None:
        inner = f" holding a {type(bad[1]).__name__}" if bad[0] or bad[2] == "key" else ""
        return f"<a {type(value).__name__} object{inner}>"
    try:
        text = repr(value)
    except RecursionError:
        return f"<a deeply nested {type(value).__name__}>"
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _where(field_name: str, value: Any, caller: str) -> str:
    """``field=value`` or, for a decorator, ``@caller(field=value)``."""
    named = f"{field_name}={shown(value)}"
    return f"{caller}({named})" if caller else named


def check_choice(field_name: str, value: Any, choices: Iterable[str], caller: str = "") -> None:
    if value is None:
        return
    allowed = tuple(choices)
    if not isinstance(value, str) or value not in allowed:
        options = ", ".join(repr(c) for c in allowed)
        raise ValueError(f"{_where(field_name, value, caller)} is not valid; use one of {options}.")


def check_no_secrets(values: Mapping[str, Any], caller: str = "", stored_in: str = CUSTOM_CONTEXT) -> None:
    """No secret-named field, at any depth of ``values`` (field name -> value), holds anything:
    it would be stored in ``stored_in``. The message names the path, never the value."""
    found = find_secret(values)
    if found is None:
        return
    path, reason = found
    where = f"{caller}({path_text(path)}=...)" if caller else repr(path_text(path))
    raise ValueError(
        f"{where} looks like a secret (its name contains {reason}) and would be stored in "
        f"{stored_in}. Remove it. {_SECRET_FIX}"
    )


def check_json(field_name: str, value: Any, caller: str = "", stored_in: str = CUSTOM_CONTEXT) -> None:
    """A value stored as JSON must survive ``json.dumps``; the message says where it does not."""
    if value is None:
        return
    try:
        json.dumps(value, allow_nan=True)
        return
    except (TypeError, ValueError, RecursionError):
        pass
    bad = _first_non_json(value)
    if bad is None:
        problem = "it contains itself or is nested too deeply"
    else:
        path, item, role = bad
        place = path_text((field_name, *path))
        kind = type(item).__name__
        problem = f"{place} has a {kind} key" if role == "key" else f"{place} is a {kind} object"
    where = f"{caller}({field_name}=...)" if caller else field_name
    raise ValueError(
        f"{where} must be JSON-serializable to be stored in {stored_in}, but {problem}. "
        "Pass plain str/int/float/bool/list/dict values (a dict of its fields rather than an "
        "object such as wandb.Settings), or log richer objects with run.config.update(...) "
        "inside the task."
    )


def check_plain_values(values: Mapping[str, Any], caller: str = "", stored_in: str = CUSTOM_CONTEXT) -> None:
    """Extra keyword arguments: no secrets at any depth, and every value JSON."""
    check_no_secrets(values, caller, stored_in)
    for name, value in values.items():
        check_json(name, value, caller, stored_in)


def check_tags(value: Any, caller: str = "") -> None:
    if value is None:
        return
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        where = _where("tags", value, caller)
        raise ValueError(f"{where}: tags must be a list of strings, e.g. tags=['baseline', 'v1'].")
    bad = [t for t in value if not isinstance(t, str)]
    if bad:
        where = _where("tags", value, caller)
        raise ValueError(
            f"{where}: tags must all be strings, not {shown(bad)}; e.g. tags=['baseline', 'v1']."
        )


def check_config(value: Any, caller: str = "") -> None:
    if value is not None and not isinstance(value, Mapping):
        raise ValueError(f"{_where('config', value, caller)}: config must be a dict of hyperparameters.")


def check_dict(field_name: str, value: Any, caller: str = "") -> None:
    if value is not None and not isinstance(value, dict):
        raise ValueError(f"{_where(field_name, value, caller)}: {field_name} must be a dict.")


def check_str_list(field_name: str, value: Any, what: str, caller: str = "") -> None:
    if value is not None and (
        isinstance(value, str)
        or not isinstance(value, (list, tuple))
        or not all(isinstance(v, str) for v in value)
    ):
        raise ValueError(f"{_where(field_name, value, caller)}: {field_name} must be a list of {what}.")


def check_optional_str(field_name: str, value: Any, caller: str = "") -> None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{_where(field_name, value, caller)}: {field_name} must be a string.")


def check_optional_bool(field_name: str, value: Any, caller: str = "") -> None:
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"{_where(field_name, value, caller)}: {field_name} must be True or False.")


_MAX_SECONDS = 24 * 3600.0


def check_seconds(field_name: str, value: Any, caller: str = "") -> None:
    """A duration in seconds: a finite number above 0 (and at most a day)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= _MAX_SECONDS:
        raise ValueError(
            f"{_where(field_name, value, caller)}: {field_name} must be a number of seconds above 0 "
            f"and at most {_MAX_SECONDS:.0f}, e.g. {field_name}=30."
        )
