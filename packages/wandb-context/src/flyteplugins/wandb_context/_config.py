"""Typed W&B run and sweep configuration, and its lossless mapping to ``custom_context``."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeVar

from . import _keys
from ._artifacts_option import check_artifacts
from ._host import check_host
from ._types import (
    ACCEPTED_WANDB_MODES,
    DEFAULT_OUTAGE_TIMEOUT_S,
    DEFAULT_REPORT_INTERVAL_S,
    ON_OUTAGE,
    RANK_SCOPES,
    RUN_MODES,
    OnOutage,
    RankScope,
    RunMode,
)
from ._validate import (
    check_choice,
    check_config,
    check_dict,
    check_json,
    check_no_secrets,
    check_optional_bool,
    check_optional_str,
    check_seconds,
    check_str_list,
    check_tags,
)

_C = TypeVar("_C", bound="_ContextConfig")


class _ContextConfig:
    """Shared encode/decode of a config dataclass to ``{prefix}<field>`` keys.

    ``None`` means "not set": it writes no key, so an enclosing value stays in force.
    """

    _prefix: ClassVar[str]
    _json_fields: ClassVar[frozenset[str]]
    documented_defaults: ClassVar[Mapping[str, Any]]
    """What an unset field means (the reference plugin's defaults); every other field: ``None``."""

    def to_custom_context(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None:
                continue
            out[self._prefix + f.name] = _keys.encode_value(value)
        return out

    def to_dict(self) -> dict[str, str]:
        """The ``custom_context`` keys (``dict[str, str]``) of the fields that are set."""
        return self.to_custom_context()

    def _check_no_secrets(self) -> None:
        """Every value that goes into the context, at any depth; extra keyword arguments are
        named on their own (``settings.api_key``, not ``kwargs.settings.api_key``)."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "kwargs"}  # type: ignore[arg-type]
        check_no_secrets(values)
        check_no_secrets(getattr(self, "kwargs", None) or {})

    @classmethod
    def _owns(cls, key: str) -> bool:
        raise NotImplementedError

    @classmethod
    def from_custom_context(cls: type[_C], context: Mapping[str, str]) -> _C | None:
        """Decode the keys this config owns; ``None`` when there are none."""
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        values: dict[str, Any] = {}
        for key, raw in context.items():
            if not cls._owns(key):
                continue
            name = key[len(cls._prefix) :]
            if name not in names:
                continue
            values[name] = _decode_field(name, raw, cls._json_fields)
        if not values:
            return None
        return cls(**values)

    def with_documented_defaults(self: _C) -> _C:
        """A copy where each unset field takes its documented default (``documented_defaults``)."""
        missing = {k: v for k, v in self.documented_defaults.items() if getattr(self, k) is None}
        return dataclasses.replace(self, **missing)  # type: ignore[type-var]


_BOOL_FIELDS = frozenset({"download_logs", "report", "flyte_tags"})


def _decode_field(name: str, raw: str, json_fields: frozenset[str]) -> Any:
    if name not in json_fields:
        return raw
    if name in _BOOL_FIELDS:
        return raw.strip().lower() in ("true", "1", "yes")
    try:
        return json.loads(raw)
    except ValueError:
        return raw


@dataclass(frozen=True)
class WandbConfig(_ContextConfig):
    """W&B run settings as carried in ``custom_context`` (every field optional)."""

    project: str | None = None
    entity: str | None = None
    host: str | None = None
    id: str | None = None
    name: str | None = None
    tags: list[str] | None = None
    config: dict[str, Any] | None = None
    mode: str | None = None
    group: str | None = None
    run_mode: RunMode | None = None
    rank_scope: RankScope | None = None
    download_logs: bool | None = None
    on_outage: OnOutage | None = None
    outage_timeout: float | None = None
    report: bool | None = None
    report_interval: float | None = None
    flyte_tags: bool | None = None
    artifacts: bool | dict[str, Any] | None = None
    kwargs: dict[str, Any] | None = None

    _prefix: ClassVar[str] = _keys.RUN_PREFIX
    _json_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "tags",
            "config",
            "download_logs",
            "outage_timeout",
            "report",
            "report_interval",
            "flyte_tags",
            "artifacts",
            "kwargs",
        }
    )
    documented_defaults: ClassVar[Mapping[str, Any]] = {
        "run_mode": "auto",
        "rank_scope": "global",
        "download_logs": False,
        "on_outage": "offline",
        "outage_timeout": DEFAULT_OUTAGE_TIMEOUT_S,
        "report_interval": DEFAULT_REPORT_INTERVAL_S,
        "flyte_tags": True,
        "artifacts": True,
    }

    @classmethod
    def _owns(cls, key: str) -> bool:
        return _keys.is_run_key(key)

    def validate(self) -> None:
        self._check_no_secrets()
        for name in ("project", "entity", "host", "id", "name", "group"):
            check_optional_str(name, getattr(self, name))
        check_host(self.host, "wandb_config")
        check_choice("run_mode", self.run_mode, RUN_MODES)
        check_choice("rank_scope", self.rank_scope, RANK_SCOPES)
        check_choice("mode", self.mode, ACCEPTED_WANDB_MODES)
        check_tags(self.tags)
        check_config(self.config)
        check_json("config", self.config)
        check_optional_bool("download_logs", self.download_logs)
        check_choice("on_outage", self.on_outage, ON_OUTAGE)
        check_seconds("outage_timeout", self.outage_timeout)
        check_optional_bool("report", self.report)
        check_artifacts(self.artifacts)
        check_seconds("report_interval", self.report_interval)
        check_optional_bool("flyte_tags", self.flyte_tags)
        for key, value in (self.kwargs or {}).items():
            check_json(key, value)


@dataclass(frozen=True)
class WandbSweepConfig(_ContextConfig):
    """W&B sweep settings as carried in ``custom_context`` (every field optional)."""

    method: str | None = None
    metric: dict[str, Any] | None = None
    parameters: dict[str, Any] | None = None
    project: str | None = None
    entity: str | None = None
    prior_runs: list[str] | None = None
    name: str | None = None
    download_logs: bool | None = None
    kwargs: dict[str, Any] | None = None

    _prefix: ClassVar[str] = _keys.SWEEP_PREFIX
    _json_fields: ClassVar[frozenset[str]] = frozenset(
        {"metric", "parameters", "prior_runs", "download_logs", "kwargs"}
    )
    documented_defaults: ClassVar[Mapping[str, Any]] = {"download_logs": False}

    @classmethod
    def _owns(cls, key: str) -> bool:
        return _keys.is_sweep_key(key)

    def validate(self) -> None:
        self._check_no_secrets()
        for name in ("method", "project", "entity", "name"):
            check_optional_str(name, getattr(self, name))
        for name in ("metric", "parameters"):
            check_dict(name, getattr(self, name))
            check_json(name, getattr(self, name))
        check_str_list("prior_runs", self.prior_runs, "run ids")
        check_optional_bool("download_logs", self.download_logs)
        for key, value in (self.kwargs or {}).items():
            check_json(key, value)

    def to_sweep_dict(self) -> dict[str, Any]:
        """The sweep configuration as ``wandb.sweep()`` takes it (unset fields left out)."""
        out: dict[str, Any] = {}
        for name in ("method", "metric", "parameters", "name", "project", "entity"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.kwargs:
            out.update(self.kwargs)
        return out
