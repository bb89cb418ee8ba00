"""The public functions: build W&B settings for ``custom_context`` and read them back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._artifacts_option import ArtifactsOption
from ._config import WandbConfig, WandbSweepConfig
from ._flyte_compat import current_custom_context
from ._scope import WandbConfigScope, WandbSweepConfigScope
from ._types import OnOutage, RankScope, RunMode


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
    on_outage: OnOutage | None = None,
    outage_timeout: float | None = None,
    report: bool | None = None,
    report_interval: float | None = None,
    flyte_tags: bool | None = None,
    artifacts: ArtifactsOption | None = None,
    **kwargs: Any,
) -> WandbConfigScope:
    """W&B run settings for ``custom_context``, or a context manager overriding them.

    Returns a ``dict[str, str]`` of the ``wandb_<field>`` keys of the arguments you pass (so an
    override inherits everything else from the enclosing context), with an attribute per field
    (unset ones at their documented defaults) and ``to_dict()``. Extra keyword arguments are
    passed on to ``wandb.init()`` (``notes``, ``job_type``, ``save_code``, ...). Secrets are
    refused at any depth: use a Flyte secret as ``WANDB_API_KEY``.

    ``on_outage`` says what a run does when W&B cannot be reached within ``outage_timeout``
    seconds (default 30) at ``wandb.init``: ``"offline"`` (default: go on as an offline run, kept
    as a Flyte output and synced later with ``flyte wandb sync``), ``"raise"``, or ``"disabled"``.

    ``report=True`` adds a "Weights & Biases" tab to the report of every ``@wandb_init`` and
    ``@wandb_sweep`` task (``False`` opts out even where the task has ``report=True``), re-rendered
    every ``report_interval`` seconds (default 10) while the task runs. ``flyte_tags=False`` stops
    new runs being tagged ``flyte:project=...`` and ``flyte:domain=...``.

    ``artifacts`` says which ``flyte.io.File``/``Dir`` outputs of ``@wandb_init`` tasks are logged
    as W&B reference artifacts (no data is copied): ``True`` (default, type ``dataset``), ``False``
    (none, and inputs are not recorded as used), or a dict from output name to ``False``, a type
    (``"model"``) or ``{"type": ..., "aliases": [...], "max_objects": N}``.

    Raises:
        ValueError: naming the bad field, for an unknown ``run_mode``/``rank_scope``/``mode``,
            values that are not JSON-serializable, or a secret-named field (the message names
            its path, never its value).
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
        on_outage=on_outage,
        outage_timeout=_seconds(outage_timeout),
        report=report,
        report_interval=_seconds(report_interval),
        flyte_tags=flyte_tags,
        artifacts=_plain(artifacts),
        kwargs=kwargs or None,
    )
    cfg.validate()
    return WandbConfigScope(cfg)


def _plain(value: Any) -> Any:
    """A mapping as a plain dict (stored as JSON); anything else is left for validation."""
    return dict(value) if isinstance(value, Mapping) else value


def _seconds(value: Any) -> Any:
    """An int duration as a float (one spelling in the context); anything else is left for
    validation to name."""
    return float(value) if isinstance(value, int) and not isinstance(value, bool) and value > 0 else value


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
) -> WandbSweepConfigScope:
    """W&B sweep settings for ``custom_context``, or a context manager overriding them.

    ``method``, ``metric`` and ``parameters`` are W&B's sweep configuration; extra keyword
    arguments (``early_terminate``, ``run_cap``, ...) are added to it. ``name`` defaults to
    ``{run_name}-{action_name}`` when the sweep is created. Returns a mapping of the
    ``wandb_sweep_<field>`` keys you pass, with an attribute per field and ``to_dict()``.

    Raises:
        ValueError: naming the bad field, as :func:`wandb_config` does.
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
    return WandbSweepConfigScope(cfg)


def get_wandb_context() -> WandbConfig | None:
    """The W&B run settings in the current Flyte context; ``None`` outside a task or when unset."""
    return WandbConfig.from_custom_context(current_custom_context())


def get_wandb_sweep_context() -> WandbSweepConfig | None:
    """The W&B sweep settings in the current Flyte context; ``None`` outside a task or when unset."""
    return WandbSweepConfig.from_custom_context(current_custom_context())
