"""W&B configuration for Flyte tasks, carried in Flyte's ``custom_context``.

``wandb_config()`` and ``wandb_sweep_config()`` build the settings; pass them to
``flyte.with_runcontext(custom_context=...)`` or use them as context managers inside a task.
``get_wandb_context()`` / ``get_wandb_sweep_context()`` read them back as typed objects.
"""

from __future__ import annotations

from typing import Any

from . import _keys as keys
from . import _validate as validation
from ._config import WandbConfig, WandbSweepConfig
from ._flyte_context import current_custom_context, in_task_context, scoped_task_context, task_data
from ._scope import ConfigScope
from ._types import RankScope, RunMode, WandbMode
from ._version import __version__

__all__ = [
    "ConfigScope",
    "RankScope",
    "RunMode",
    "WandbConfig",
    "WandbMode",
    "WandbSweepConfig",
    "__version__",
    "current_custom_context",
    "get_wandb_context",
    "get_wandb_sweep_context",
    "in_task_context",
    "keys",
    "scoped_task_context",
    "task_data",
    "validation",
    "wandb_config",
    "wandb_sweep_config",
]


def wandb_config(
    project: str | None = None,
    entity: str | None = None,
    host: str | None = None,
    id: str | None = None,
    name: str | None = None,
    tags: list[str] | None = None,
    config: dict[str, Any] | None = None,
    mode: str | None = None,
    group: str | None = None,
    run_mode: RunMode | None = None,
    rank_scope: RankScope | None = None,
    download_logs: bool | None = None,
    **kwargs: Any,
) -> ConfigScope[WandbConfig]:
    """W&B run settings for ``custom_context``, or a context manager overriding them.

    Only the arguments you pass are written, so an override inherits everything else from the
    enclosing context. Extra keyword arguments are passed on to ``wandb.init()`` (``notes``,
    ``job_type``, ``save_code``, ...). Secrets are refused: use a Flyte secret as
    ``WANDB_API_KEY``.

    Raises:
        ValueError: naming the bad field, for an unknown ``run_mode``/``rank_scope``/``mode``,
            values that are not JSON-serializable, or a secret-looking keyword argument.
    """
    cfg = WandbConfig(
        project=project,
        entity=entity,
        host=host,
        id=id,
        name=name,
        tags=list(tags) if isinstance(tags, tuple) else tags,
        config=config,
        mode=mode,
        group=group,
        run_mode=run_mode,
        rank_scope=rank_scope,
        download_logs=download_logs,
        kwargs=kwargs or None,
    )
    cfg.validate()
    return ConfigScope(cfg, "wandb_config")


def wandb_sweep_config(
    method: str | None = None,
    metric: dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
    project: str | None = None,
    entity: str | None = None,
    prior_runs: list[str] | None = None,
    name: str | None = None,
    download_logs: bool | None = None,
    **kwargs: Any,
) -> ConfigScope[WandbSweepConfig]:
    """W&B sweep settings for ``custom_context``, or a context manager overriding them.

    ``method``, ``metric`` and ``parameters`` are W&B's sweep configuration; extra keyword
    arguments (``early_terminate``, ``run_cap``, ...) are added to it. ``name`` defaults to
    ``{run_name}-{action_name}`` when the sweep is created.
    """
    cfg = WandbSweepConfig(
        method=method,
        metric=metric,
        parameters=parameters,
        project=project,
        entity=entity,
        prior_runs=prior_runs,
        name=name,
        download_logs=download_logs,
        kwargs=kwargs or None,
    )
    cfg.validate()
    return ConfigScope(cfg, "wandb_sweep_config")


def get_wandb_context() -> WandbConfig | None:
    """The W&B run settings in the current Flyte context; ``None`` outside a task or when unset."""
    return WandbConfig.from_custom_context(current_custom_context())


def get_wandb_sweep_context() -> WandbSweepConfig | None:
    """The W&B sweep settings in the current Flyte context; ``None`` outside a task or when unset."""
    return WandbSweepConfig.from_custom_context(current_custom_context())
