"""``wandb.init`` arguments from the decorator and the ``wandb_config`` context.

Precedence for every setting: decorator argument > ``wandb_config()`` in context > default.
``config`` dicts merge key by key (decorator keys win); every other setting is replaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from flyteplugins.wandb_context import RankScope, RunMode
from flyteplugins.wandb_context.internal import (
    DEFAULT_OUTAGE_TIMEOUT_S,
    DEFAULT_REPORT_INTERVAL_S,
    OnOutage,
    WandbConfig,
    action_console_url,
    artifact_options,
    hosts,
    modes,
    tab_interval,
    validation,
)

if TYPE_CHECKING:
    from flyte.models import TaskContext

ArtifactsOption = artifact_options.ArtifactsOption

ORIGIN_KEY = "flyte"
"""Config key under which a run records the Flyte execution that created it."""

_CALLER = "@wandb_init"
"""How validation errors name the call that got the bad value."""

# Settings that describe the run as a whole belong to whoever created it; a task that joins
# or reuses a run does not send them (it would rename or re-tag the parent's run).
_CREATOR_ONLY = ("name", "group", "tags", "job_type", "notes")


@dataclass(frozen=True)
class OutagePolicy:
    """What a run does when W&B cannot be reached at ``wandb.init`` within ``timeout_s``."""

    on_outage: OnOutage = "offline"
    timeout_s: float = DEFAULT_OUTAGE_TIMEOUT_S


@dataclass(frozen=True)
class DecoratorOptions:
    """What ``@wandb_init(...)`` was given; ``None`` means "not set here"."""

    run_mode: RunMode | None = None
    rank_scope: RankScope | None = None
    download_logs: bool | None = None
    project: str | None = None
    entity: str | None = None
    on_outage: OnOutage | None = None
    outage_timeout: float | None = None
    report: bool | None = None
    report_interval: float | None = None
    flyte_tags: bool | None = None
    artifacts: ArtifactsOption | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        """Raise ``ValueError`` naming the bad argument and the fix (the same checks, and
        messages, as ``wandb_config``)."""
        kwargs = self.kwargs
        validation.check_choice("run_mode", self.run_mode, validation.RUN_MODES, _CALLER)
        validation.check_choice("rank_scope", self.rank_scope, validation.RANK_SCOPES, _CALLER)
        validation.check_choice("mode", kwargs.get("mode"), validation.ACCEPTED_WANDB_MODES, _CALLER)
        validation.check_optional_bool("download_logs", self.download_logs, _CALLER)
        validation.check_optional_str("project", self.project, _CALLER)
        validation.check_optional_str("entity", self.entity, _CALLER)
        validation.check_choice("on_outage", self.on_outage, validation.ON_OUTAGE, _CALLER)
        validation.check_seconds("outage_timeout", self.outage_timeout, _CALLER)
        validation.check_optional_bool("report", self.report, _CALLER)
        validation.check_seconds("report_interval", self.report_interval, _CALLER)
        validation.check_optional_bool("flyte_tags", self.flyte_tags, _CALLER)
        artifact_options.check_artifacts(self.artifacts, _CALLER)
        for name in ("id", "name", "group", "host"):
            validation.check_optional_str(name, kwargs.get(name), _CALLER)
        hosts.check_host(kwargs.get("host"), _CALLER)
        validation.check_tags(kwargs.get("tags"), _CALLER)
        validation.check_config(kwargs.get("config"), _CALLER)


@dataclass(frozen=True)
class ResolvedSettings:
    """The merged settings for one task invocation."""

    run_mode: RunMode
    rank_scope: RankScope
    download_logs: bool
    explicit_id: str | None
    init_kwargs: dict[str, Any]
    outage: OutagePolicy = OutagePolicy()
    report_interval: float = DEFAULT_REPORT_INTERVAL_S
    flyte_tags: bool = True
    artifacts: ArtifactsOption = True
    """Which ``File``/``Dir`` outputs become W&B artifacts (``wandb_context``'s ``artifact_options``)."""

    @property
    def project(self) -> str | None:
        return self.init_kwargs.get("project")

    @property
    def entity(self) -> str | None:
        return self.init_kwargs.get("entity")


def resolve(
    options: DecoratorOptions, context: WandbConfig | None, parent_run_id: str | None = None
) -> ResolvedSettings:
    """Merge decorator options over the context config.

    An ``id`` that only came from the context and names the parent's run is not reused: it was
    inherited from the task that created that run, and a second run cannot take it.
    """
    ctx = context or WandbConfig()
    merged: dict[str, Any] = dict(ctx.kwargs or {})
    for name in ("project", "entity", "name", "tags", "mode", "group"):
        value = getattr(ctx, name)
        if value is not None:
            merged[name] = value
    decorator_kwargs = dict(options.kwargs)
    config = {**(ctx.config or {}), **(decorator_kwargs.pop("config", None) or {})}
    merged.update(decorator_kwargs)
    for name in ("project", "entity"):
        value = getattr(options, name)
        if value is not None:
            merged[name] = value
    if config:
        merged["config"] = config

    explicit_id = merged.pop("id", None)
    if explicit_id is None and ctx.id is not None and ctx.id != parent_run_id:
        explicit_id = ctx.id
    host = merged.pop("host", None) or ctx.host
    base_url = hosts.api_base_url(host)  # None: the SDK's default API (also for wandb.ai)
    if base_url:
        merged["settings"] = with_settings(merged.get("settings"), base_url=base_url)

    return ResolvedSettings(
        run_mode=options.run_mode or ctx.run_mode or "auto",
        rank_scope=options.rank_scope or ctx.rank_scope or "global",
        download_logs=bool(options.download_logs if options.download_logs is not None else ctx.download_logs)
        and effective_mode(merged) != "disabled",  # a disabled run records nothing to download
        explicit_id=explicit_id,
        init_kwargs=merged,
        outage=_outage_policy(options, ctx),
        report_interval=tab_interval(options.report_interval, ctx),
        flyte_tags=_first_set(options.flyte_tags, ctx.flyte_tags) is not False,
        artifacts=_artifacts(options, ctx),
    )


def _first_set(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _artifacts(options: DecoratorOptions, ctx: WandbConfig) -> ArtifactsOption:
    """Decorator > context > default (``True``), checked here for a hand-written ``custom_context``."""
    value = _first_set(options.artifacts, ctx.artifacts, True)
    artifact_options.check_artifacts(value, "wandb_config")
    return value


def _outage_policy(options: DecoratorOptions, ctx: WandbConfig) -> OutagePolicy:
    """Decorator > context > default; a context value is checked here, where it is used (a
    ``custom_context`` can be written by hand)."""
    on_outage = options.on_outage or ctx.on_outage or "offline"
    timeout = options.outage_timeout if options.outage_timeout is not None else ctx.outage_timeout
    if timeout is None:
        timeout = DEFAULT_OUTAGE_TIMEOUT_S
    validation.check_choice("on_outage", on_outage, validation.ON_OUTAGE, "wandb_config")
    validation.check_seconds("outage_timeout", timeout, "wandb_config")
    return OutagePolicy(on_outage, float(timeout))


def settings_value(settings: Any, name: str) -> Any:
    """A setting the caller set explicitly on a ``wandb.Settings`` or a settings dict, else ``None``."""
    if settings is None:
        return None
    if isinstance(settings, Mapping):
        return cast("Mapping[str, Any]", settings).get(name)
    if name not in (getattr(settings, "model_fields_set", None) or ()):
        return None
    return getattr(settings, name, None)


def with_settings(existing: Any, **updates: Any) -> Any:
    """A ``wandb.Settings`` with ``updates`` applied over ``existing`` (a ``Settings``, a dict or
    ``None``). The caller's object is never modified: a decorator's settings serve every call."""
    import wandb

    if existing is None:
        return wandb.Settings(**updates)
    if isinstance(existing, Mapping):
        return wandb.Settings(**{**existing, **updates})
    settings = cast("wandb.Settings", existing).model_copy(deep=True)
    for name, value in updates.items():
        setattr(settings, name, value)
    return settings


def effective_mode(init_kwargs: Mapping[str, Any]) -> str:
    """The W&B mode a ``wandb.init`` with these arguments will use (the plugin's one mode
    rule: ``wandb_context.modes.effective_mode``)."""
    return modes.effective_mode(init_kwargs.get("mode"), init_kwargs.get("settings"))


def shared_mode_kwargs(init_kwargs: dict[str, Any], *, primary: bool, label: str) -> dict[str, Any]:
    """Arguments for one writer of a W&B shared-mode run.

    Only the primary writes the run's metadata files and sets its finish state. Shared mode
    needs a W&B server; offline and disabled runs keep their mode (each process writes its own
    local run directory, labelled, and ``wandb sync`` uploads them later).
    """
    out = dict(init_kwargs)
    updates: dict[str, Any] = {"x_primary": primary, "x_label": label, "x_update_finish_state": primary}
    if effective_mode(out) not in modes.NO_SERVER_MODES:
        out.pop("mode", None)
        updates["mode"] = "shared"
    out["settings"] = with_settings(out.get("settings"), **updates)
    return out


def without_creator_settings(init_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in init_kwargs.items() if k not in _CREATOR_ONLY}


def flyte_origin(tctx: TaskContext, parent_run_id: str | None = None) -> dict[str, Any]:
    """Where a run comes from: the Flyte run, action, project, domain and attempt, the action's
    console URL when Flyte knows its endpoint, and the run of the task that started this one."""
    action = tctx.action
    origin: dict[str, Any] = {
        "run_name": action.run_name,
        "action_name": action.name,
        "project": action.project,
        "domain": action.domain,
        "attempt": tctx.attempt_number,
    }
    url = action_console_url(tctx)
    if url:
        origin["url"] = url
    if parent_run_id:
        origin["parent_run_id"] = parent_run_id
    return origin


MAX_TAG_LENGTH = 64
"""W&B refuses longer tags."""


def origin_tags(tctx: TaskContext) -> list[str]:
    """``flyte:project=<project>`` and ``flyte:domain=<domain>`` for the action's project and domain
    (a local run has neither); a tag W&B would refuse as too long is left out."""
    action = tctx.action
    tags = [
        f"flyte:{name}={value}"
        for name, value in (("project", action.project), ("domain", action.domain))
        if value
    ]
    return [tag for tag in tags if len(tag) <= MAX_TAG_LENGTH]


def with_creator_defaults(
    init_kwargs: dict[str, Any],
    tctx: TaskContext,
    settings: ResolvedSettings,
    job_type: str,
    parent_run_id: str | None,
) -> dict[str, Any]:
    """The arguments of a run this task creates, with the plugin's defaults for what the user left
    unset: the Flyte origin in its config, ``job_type`` = the task's short name, the project and
    domain tags (unless ``flyte_tags=False``), and, for a new run started under a parent's run, that
    run's id as ``group``."""
    kwargs = with_origin(init_kwargs, flyte_origin(tctx, parent_run_id))
    if job_type:
        kwargs.setdefault("job_type", job_type)
    if settings.flyte_tags:
        tags = list(kwargs.get("tags") or [])
        kwargs["tags"] = tags + [tag for tag in origin_tags(tctx) if tag not in tags]
        if not kwargs["tags"]:
            del kwargs["tags"]
    if parent_run_id and not kwargs.get("group"):
        kwargs["group"] = parent_run_id
    return kwargs


def with_origin(init_kwargs: dict[str, Any], origin: dict[str, Any]) -> dict[str, Any]:
    """``init_kwargs`` whose config also records ``origin`` (a user's own ``flyte`` key wins)."""
    config = dict(init_kwargs.get("config") or {})
    config.setdefault(ORIGIN_KEY, origin)
    return {**init_kwargs, "config": config}
