"""Starting a run when W&B may be down: wait a bounded time, then apply ``on_outage``.

What "down" means is the context package's rule (``reach``). The SDK cannot tell an outage
from a misconfiguration for us: with the server down or with a wrong API key, ``wandb.init``
raises the same ``CommError``/``AuthenticationError`` classes, and it waits up to
``init_timeout`` + 10 s (its login check retries on its own) before it gives up. So before
``wandb.init`` we wait for the API to answer, and after a failed ``wandb.init`` we ask again to
classify the failure: W&B answering means the failure is a misconfiguration, which raises.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flyteplugins.wandb_context.internal import modes, reach

from ._settings import OutagePolicy, effective_mode, settings_value, with_settings

if TYPE_CHECKING:
    from wandb import Run

logger = logging.getLogger(__name__)

DEFAULT_FINISH_TIMEOUT_S = 120.0
"""How long ``finish`` waits for uploads before the run is kept locally (``wandb.Settings(
finish_timeout=...)`` overrides it)."""

_DEFAULT_API = "https://api.wandb.ai"


class WandbUnavailableError(RuntimeError):
    """W&B could not be reached at ``wandb.init`` and ``on_outage="raise"`` was asked for."""


@dataclass(frozen=True)
class Started:
    """A started run and, when W&B was down, the mode it continues in instead."""

    run: Run
    fallback: str | None = None


def api_url(init_kwargs: Mapping[str, Any]) -> str:
    """The W&B API these ``wandb.init`` arguments talk to, by the SDK's precedence."""
    explicit = settings_value(init_kwargs.get("settings"), "base_url")
    if explicit:
        return str(explicit)
    import wandb

    return str(getattr(wandb.setup().settings, "base_url", None) or _DEFAULT_API)


def start_run(
    init: Callable[[dict[str, Any]], Run], init_kwargs: dict[str, Any], policy: OutagePolicy
) -> Started:
    """``init(kwargs)`` when W&B answers within ``policy.timeout_s``; else ``policy.on_outage``."""
    if effective_mode(init_kwargs) in modes.NO_SERVER_MODES:
        return Started(init(init_kwargs))
    url = api_url(init_kwargs)
    deadline = time.monotonic() + policy.timeout_s
    failure = reach.wait_until_reachable(url, deadline)
    if failure is None:
        try:
            return Started(init(_bounded(init_kwargs, deadline)))
        except Exception:
            failure = reach.probe(url, reach.PROBE_TIMEOUT_S)
            if failure is None:
                raise  # W&B answers: the failure is ours to report (key, entity, settings)
    return _on_outage(init, init_kwargs, policy, url, failure)


def _bounded(init_kwargs: dict[str, Any], deadline: float) -> dict[str, Any]:
    """Waits of an online run bounded unless the user chose them: ``init_timeout`` (what is left
    of the outage budget) and ``finish_timeout``, raising so that ``finish`` knows."""
    settings = init_kwargs.get("settings")
    updates: dict[str, Any] = {}
    if not _chosen(settings, "init_timeout", "WANDB_INIT_TIMEOUT"):
        updates["init_timeout"] = max(1.0, deadline - time.monotonic())
    if not _chosen(settings, "finish_timeout", "WANDB_FINISH_TIMEOUT"):
        updates["finish_timeout"] = DEFAULT_FINISH_TIMEOUT_S
    if not _chosen(settings, "finish_timeout_raises", None):
        updates["finish_timeout_raises"] = True
    return {**init_kwargs, "settings": with_settings(settings, **updates)}


def _chosen(settings: Any, name: str, env: str | None) -> bool:
    if env is not None and os.environ.get(env):
        return True
    if isinstance(settings, Mapping):
        return name in settings
    return name in (getattr(settings, "model_fields_set", None) or ())


def _on_outage(
    init: Callable[[dict[str, Any]], Run],
    init_kwargs: dict[str, Any],
    policy: OutagePolicy,
    url: str,
    failure: str,
) -> Started:
    run_id = init_kwargs.get("id")
    what = f"W&B at {url} did not answer within {policy.timeout_s:g} s ({failure})"
    if policy.on_outage == "raise":
        raise WandbUnavailableError(
            f"{what}, so run {run_id!r} was not started. Use on_outage='offline' (the default) in "
            f"@wandb_init or wandb_config to train anyway and sync the run later."
        )
    mode = "offline" if policy.on_outage == "offline" else "disabled"
    kwargs = {k: v for k, v in init_kwargs.items() if k != "mode"}
    kwargs["settings"] = with_settings(kwargs.get("settings"), mode=mode)
    run = init(kwargs)
    later = (
        "It is kept on local disk (and, in a Flyte task, saved as a task output) for `flyte wandb sync`."
        if mode == "offline"
        else "Nothing is recorded (on_outage='disabled')."
    )
    logger.warning("%s: run %s continues %s. %s", what, run.id, mode, later)
    return Started(run, mode)
