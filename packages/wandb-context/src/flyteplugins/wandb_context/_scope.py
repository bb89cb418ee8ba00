"""``wandb_config()`` / ``wandb_sweep_config()`` results: a ``custom_context`` mapping with an
attribute per field, that is also a context manager scoping the same keys inside a task."""

from __future__ import annotations

import warnings
from contextlib import AbstractContextManager
from contextvars import ContextVar
from typing import Any, ClassVar, Generic, NoReturn, TypeVar, overload

from ._config import WandbConfig, WandbSweepConfig
from ._flyte_compat import scoped_task_context
from ._types import OnOutage, RankScope, RunMode

_T = TypeVar("_T", WandbConfig, WandbSweepConfig)
_V = TypeVar("_V")
_S = TypeVar("_S", bound="ConfigScope[Any]")

# The blocks open in the current asyncio task / thread, innermost last. A ContextVar, not an
# attribute of the scope: one scope object may be entered by concurrent children at once.
_open_blocks: ContextVar[tuple[tuple[ConfigScope[Any], AbstractContextManager[bool]], ...]] = ContextVar(
    "flyteplugins_wandb_open_scopes", default=()
)


class _Field(Generic[_V]):
    """A read-only attribute for one config field: its value, or its documented default when unset."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> _Field[_V]: ...
    @overload
    def __get__(self, obj: ConfigScope[Any], objtype: type | None = None) -> _V: ...
    def __get__(self, obj: ConfigScope[Any] | None, objtype: type | None = None) -> _Field[_V] | _V:
        if obj is None:
            return self
        return getattr(obj.typed().with_documented_defaults(), self._name)

    def __set__(self, obj: ConfigScope[Any], value: object) -> NoReturn:
        raise AttributeError(
            f"{self._name} is read-only; build a new one with {obj.factory_name}({self._name}=...)."
        )


class ConfigScope(dict[str, str], Generic[_T]):
    """The ``custom_context`` keys of one config, only those that were passed.

    Pass it to ``flyte.with_runcontext(custom_context=...)`` (alone or merged with ``**``), or use
    it as ``with wandb_config(...):`` inside a task to override those keys for the child calls in
    the block. Leaving the block restores exactly the keys that were there before. The same object
    may be entered again, nested, and by concurrent children (``asyncio.gather``).
    """

    __slots__ = ()
    factory_name: ClassVar[str]
    _config_type: ClassVar[type[WandbConfig] | type[WandbSweepConfig]]

    def __init__(self, config: _T) -> None:
        super().__init__(config.to_custom_context())

    def typed(self) -> _T:
        """The typed config these keys encode (unset fields ``None``), as ``get_wandb_context()``
        returns it; read from the mapping, so it always matches the keys."""
        decoded = self._config_type.from_custom_context(self)
        return decoded if decoded is not None else self._config_type()  # type: ignore[return-value]

    def to_dict(self) -> dict[str, str]:
        """A plain ``dict[str, str]`` copy of the keys (what ``custom_context`` receives)."""
        return dict(self)

    def __enter__(self: _S) -> _S:
        block = scoped_task_context(set_keys=dict(self))
        inside_task = block.__enter__()
        if not inside_task:
            warnings.warn(
                f"`with {self.factory_name}(...)` outside a Flyte task has no effect; pass it as "
                "flyte.with_runcontext(custom_context=...) instead.",
                stacklevel=2,
            )
        _open_blocks.set((*_open_blocks.get(), (self, block)))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        blocks = _open_blocks.get()
        if not blocks or blocks[-1][0] is not self:
            raise RuntimeError(
                f"{self.factory_name}(...) was left without being entered in this task; "
                f"use it only as `with {self.factory_name}(...):`."
            )
        _open_blocks.set(blocks[:-1])
        blocks[-1][1].__exit__(*exc_info)

    def __repr__(self) -> str:
        return f"{self.factory_name}({dict.__repr__(self)})"


class WandbConfigScope(ConfigScope[WandbConfig]):
    """What ``wandb_config()`` returns: attributes for every field, unset ones at their defaults
    (``run_mode='auto'``, ``rank_scope='global'``, ``download_logs=False``, ``on_outage='offline'``,
    ``outage_timeout=30.0``, others ``None``)."""

    __slots__ = ()
    factory_name = "wandb_config"
    _config_type = WandbConfig

    project: _Field[str | None] = _Field()
    entity: _Field[str | None] = _Field()
    host: _Field[str | None] = _Field()
    id: _Field[str | None] = _Field()
    name: _Field[str | None] = _Field()
    tags: _Field[list[str] | None] = _Field()
    config: _Field[dict[str, Any] | None] = _Field()
    mode: _Field[str | None] = _Field()
    group: _Field[str | None] = _Field()
    run_mode: _Field[RunMode] = _Field()
    rank_scope: _Field[RankScope] = _Field()
    download_logs: _Field[bool] = _Field()
    on_outage: _Field[OnOutage] = _Field()
    outage_timeout: _Field[float] = _Field()
    artifacts: _Field[bool | dict[str, Any]] = _Field()
    kwargs: _Field[dict[str, Any] | None] = _Field()


class WandbSweepConfigScope(ConfigScope[WandbSweepConfig]):
    """What ``wandb_sweep_config()`` returns: attributes for every field, unset ones ``None``
    (``download_logs``: ``False``)."""

    __slots__ = ()
    factory_name = "wandb_sweep_config"
    _config_type = WandbSweepConfig

    method: _Field[str | None] = _Field()
    metric: _Field[dict[str, Any] | None] = _Field()
    parameters: _Field[dict[str, Any] | None] = _Field()
    project: _Field[str | None] = _Field()
    entity: _Field[str | None] = _Field()
    prior_runs: _Field[list[str] | None] = _Field()
    name: _Field[str | None] = _Field()
    download_logs: _Field[bool] = _Field()
    kwargs: _Field[dict[str, Any] | None] = _Field()
