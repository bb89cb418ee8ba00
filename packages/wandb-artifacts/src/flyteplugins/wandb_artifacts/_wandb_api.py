"""The calls we make to W&B's public API (``wandb.Api``), with retries and error messages
that say what to set. Nothing here speaks HTTP or GraphQL itself."""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
from dataclasses import dataclass
from typing import Any

from ._compat import api_base_url_of
from ._retry import DEFAULT_POLICY, RetryPolicy, call_with_retry


@dataclass(frozen=True)
class Target:
    """Where a run or sweep lives."""

    entity: str
    project: str
    base_url: str | None

    def path(self, object_id: str) -> str:
        return f"{self.entity}/{self.project}/{object_id}"


def make_api(base_url: str | None, policy: RetryPolicy = DEFAULT_POLICY) -> Any:
    """A ``wandb.Api`` for ``base_url`` (SDK default if None), or a RuntimeError on bad auth."""
    import wandb

    overrides = {"base_url": base_url} if base_url else None
    shown = base_url or os.environ.get("WANDB_BASE_URL") or "the default W&B server"
    # wandb.Api() mostly waits (~0.2 s) for the SDK's service process to start, and the first
    # API call after it imports `requests` (~0.1 s of CPU): do the import during the wait.
    threading.Thread(target=_import_quietly, args=("requests",), daemon=True).start()
    try:
        return call_with_retry(lambda: wandb.Api(overrides=overrides), policy)
    except Exception as exc:
        if is_auth_error(exc):
            raise auth_error(shown, exc) from exc
        raise RuntimeError(f"Could not connect to W&B at {shown}: {exc}") from exc


def another_api(api: Any) -> Any:
    """A further ``wandb.Api`` session on the same server as ``api`` (same credentials)."""
    import wandb

    base_url = api_base_url_of(api)
    return wandb.Api(overrides={"base_url": base_url} if base_url else None)


def _import_quietly(module: str) -> None:
    with contextlib.suppress(Exception):
        importlib.import_module(module)


def resolve_target(api: Any, entity: str | None, project: str | None, what: str) -> Target:
    """Entity/project from the arguments, else ``WANDB_ENTITY``/``WANDB_PROJECT``; the entity
    falls back to the API key's default entity. Raises RuntimeError naming what to set."""
    entity = entity or os.environ.get("WANDB_ENTITY")
    project = project or os.environ.get("WANDB_PROJECT")
    if not project:
        raise RuntimeError(
            f"Cannot download {what} without a W&B project: set wandb_config(entity=..., "
            "project=...) in the Flyte context (or WANDB_PROJECT), or pass ENTITY/PROJECT/ID to the CLI."
        )
    if not entity:
        try:
            entity = call_with_retry(lambda: api.default_entity)
        except Exception as exc:
            if is_auth_error(exc):
                raise auth_error(api_base_url_of(api) or "W&B", exc) from exc
            entity = None
    if not entity:
        raise RuntimeError(
            f"Cannot download {what} without a W&B entity: set wandb_config(entity=..., "
            "project=...) in the Flyte context (or WANDB_ENTITY)."
        )
    return Target(entity=entity, project=project, base_url=api_base_url_of(api))


def fetch_run(api: Any, target: Target, run_id: str, policy: RetryPolicy = DEFAULT_POLICY) -> Any:
    """The ``wandb.apis.public.Run``; RuntimeError naming entity/project/id if missing."""
    path = target.path(run_id)
    try:
        return call_with_retry(lambda: api.run(path), policy)
    except Exception as exc:
        raise _lookup_error("run", path, target, exc) from exc


def fetch_sweep_runs(
    api: Any, target: Target, sweep_id: str, policy: RetryPolicy = DEFAULT_POLICY
) -> list[Any]:
    """Every run of the sweep (``wandb.apis.public.Run``); RuntimeError naming
    entity/project/id if the sweep is missing."""
    path = target.path(sweep_id)

    def load() -> list[Any]:
        api.flush()  # a cached listing would hide runs added since
        # One listing with every run's summary (lazy=False), rather than the sweep's own
        # 10-per-page lazy listing plus a summary query per run.
        runs = api.runs(
            f"{target.entity}/{target.project}", filters={"sweep": sweep_id}, per_page=100, lazy=False
        )
        found = list(runs)
        if not found:
            api.sweep(path)  # no runs: raises if the sweep itself does not exist
        return found

    try:
        return call_with_retry(load, policy)
    except Exception as exc:
        raise _lookup_error("sweep", path, target, exc) from exc


def is_auth_error(exc: BaseException) -> bool:
    from wandb.errors import AuthenticationError, UsageError

    text = str(exc).lower()
    if isinstance(exc, AuthenticationError):
        return True
    if isinstance(exc, UsageError) and ("auth" in text or "login" in text or "api key" in text):
        return True
    return any(
        marker in text for marker in ("401", "403", "unauthorized", "invalid api key", "permission denied")
    )


def auth_error(where: str, exc: BaseException) -> RuntimeError:
    return RuntimeError(
        f"W&B refused the credentials for {where} ({exc}). Set WANDB_API_KEY (in a Flyte task: a "
        "Flyte secret exposed as WANDB_API_KEY) or run `wandb login`."
    )


def _lookup_error(kind: str, path: str, target: Target, exc: BaseException) -> RuntimeError:
    if is_auth_error(exc):
        return auth_error(target.base_url or "W&B", exc)
    text = str(exc).lower()
    if "not found" in text or "could not find" in text or isinstance(exc, LookupError):
        return RuntimeError(
            f"W&B {kind} {path!r} was not found (entity {target.entity!r}, project "
            f"{target.project!r}). Check the id, and that wandb_config(entity=..., project=...) "
            "names the project it was logged to."
        )
    return RuntimeError(f"Could not fetch W&B {kind} {path!r}: {exc}")
