"""Starting a run when W&B may be down: wait a bounded time, then apply ``on_outage``.

The one rule for "W&B is down": its API does not answer an HTTP request (refused, reset,
timed out, no DNS) or answers 5xx or 429. Anything else, a 401 or 403 included, means the
server is there, so a ``wandb.init`` that fails is a misconfiguration and raises as before.

The SDK cannot tell the two apart for us: with the server down or with a wrong API key,
``wandb.init`` raises the same ``CommError``/``AuthenticationError`` classes, and it waits up to
``init_timeout`` + 10 s (its login check retries on its own) before it gives up. So before
``wandb.init`` we ask the API once, with no credentials and no query, whether it answers;
and after a failed ``wandb.init`` we ask again to classify the failure.
"""

from __future__ import annotations

import http.client
import logging
import os
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flyteplugins.wandb_context.internal import modes

from ._settings import OutagePolicy, effective_mode, settings_value, with_settings

if TYPE_CHECKING:
    from wandb import Run

logger = logging.getLogger(__name__)

DEFAULT_FINISH_TIMEOUT_S = 120.0
"""How long ``finish`` waits for uploads before the run is kept locally (``wandb.Settings(
finish_timeout=...)`` overrides it)."""

_PROBE_TIMEOUT_S = 5.0
_FIRST_RETRY_S, _MAX_RETRY_S = 0.5, 8.0
_DEFAULT_API = "https://api.wandb.ai"


class WandbUnavailableError(RuntimeError):
    """W&B could not be reached at ``wandb.init`` and ``on_outage="raise"`` was asked for."""


@dataclass(frozen=True)
class Started:
    """A started run and, when W&B was down, the mode it continues in instead."""

    run: Run
    fallback: str | None = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect answer already says the server is up


_opener = urllib.request.build_opener(_NoRedirect)


def probe(api_url: str, timeout: float) -> str | None:
    """``None`` when W&B's API at ``api_url`` answers; else what failed, for a message.

    An empty, unauthenticated POST to ``/graphql``: a healthy server refuses it (4xx). No
    credentials are sent, so a probe never leaks the API key to anyone.
    """
    request = urllib.request.Request(
        api_url.rstrip("/") + "/graphql",
        data=b"{}",
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "flyteplugins-wandb-probe"},
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ssl.SSLError):
            return None  # something answers TLS; a certificate problem is for the SDK to report
        return f"{type(exc.reason).__name__}: {exc.reason}"
    except (OSError, http.client.HTTPException) as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if status >= 500 or status == 429:
        return f"HTTP {status}"
    return None


def wait_until_reachable(api_url: str, deadline: float) -> str | None:
    """Probe with backoff until W&B answers (``None``) or ``deadline`` (monotonic) passes
    (the last failure)."""
    delay = _FIRST_RETRY_S
    while True:
        remaining = deadline - time.monotonic()
        failure = probe(api_url, max(0.1, min(_PROBE_TIMEOUT_S, remaining)))
        remaining = deadline - time.monotonic()
        if failure is None or remaining <= 0:
            return failure
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, _MAX_RETRY_S)


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
    failure = wait_until_reachable(url, deadline)
    if failure is None:
        try:
            return Started(init(_bounded(init_kwargs, deadline)))
        except Exception:
            failure = probe(url, _PROBE_TIMEOUT_S)
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
