"""The one rule for the W&B mode a call runs in: online, offline, disabled or shared.

Runs, downloads and sweeps all ask :func:`effective_mode`. In ``offline`` and ``disabled``
mode nothing talks to a W&B server (:data:`NO_SERVER_MODES`): runs write locally (offline) or
not at all (disabled), downloads export local run directories, sweeps run on this machine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from ._types import ACCEPTED_WANDB_MODES, WandbMode

if TYPE_CHECKING:
    from ._config import WandbConfig

_ALIASES: dict[str, WandbMode] = {"dryrun": "offline", "run": "online"}

NO_SERVER_MODES: frozenset[str] = frozenset({"offline", "disabled"})
"""Modes in which the plugin never contacts a W&B server (and never sends the API key)."""


def effective_mode(
    mode: str | None = None, settings: Any = None, env: Mapping[str, str] | None = None
) -> WandbMode:
    """The mode ``wandb.init(mode=mode, settings=settings)`` runs in, by the SDK's precedence:
    ``mode`` > ``settings.mode`` (a ``wandb.Settings`` or a dict) > ``WANDB_MODE`` in ``env``
    (default ``os.environ``) > ``"online"``. ``dryrun`` means ``offline`` and ``run`` means
    ``online``. Values are taken as the SDK takes them: lowercase, no surrounding spaces.

    Raises:
        ValueError: the deciding value is not a W&B mode (the SDK would refuse it too), naming
            it and where it came from.
    """
    environ = os.environ if env is None else env
    for value, source in (
        (mode, "mode"),
        (_settings_mode(settings), "settings.mode"),
        (environ.get("WANDB_MODE"), "the WANDB_MODE environment variable"),
    ):
        if value is not None:
            return _canonical(value, source)
    return "online"


def context_mode(config: WandbConfig | None, env: Mapping[str, str] | None = None) -> WandbMode:
    """The mode of a run made from ``wandb_config(...)`` alone (its ``mode``, then a
    ``settings`` dict passed through to ``wandb.init``)."""
    if config is None:
        return effective_mode(env=env)
    settings = (config.kwargs or {}).get("settings")
    return effective_mode(config.mode, settings, env)


def _settings_mode(settings: Any) -> Any:
    if settings is None:
        return None
    if isinstance(settings, Mapping):
        return cast("Mapping[str, Any]", settings).get("mode")
    # a wandb.Settings always has a mode (default "online"); only one set on it counts
    fields_set = getattr(settings, "model_fields_set", None)
    if fields_set is not None and "mode" not in fields_set:
        return None
    return getattr(settings, "mode", None)


def _canonical(value: Any, source: str) -> WandbMode:
    if isinstance(value, str) and value in ACCEPTED_WANDB_MODES:
        return _ALIASES.get(value, cast("WandbMode", value))
    options = ", ".join(repr(m) for m in ACCEPTED_WANDB_MODES)
    raise ValueError(
        f"W&B mode {value!r} (from {source}) is not valid; use one of {options}, written exactly "
        "so (lowercase, no spaces), as the W&B SDK accepts no other spelling."
    )
