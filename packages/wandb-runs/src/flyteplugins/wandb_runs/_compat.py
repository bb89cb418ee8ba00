"""Every touch of a private part of wandb or Flyte in the runs package.

Nothing else in the package imports ``flyte._*``, ``wandb.sdk.*`` or ``wandb.util``. Each touch
degrades to the plain behaviour when the SDK changes shape (a slower run start, a less precise
error message), and ``tests/runs/test_compat_canaries.py`` fails loudly, naming what changed,
so an upgrade shows up there first.

Flyte's task context and trace state come from ``flyteplugins.wandb_context.internal``, which
has its own compat module.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import flyte

PackageScan = Callable[[], Iterable[Any]]
"""The SDK function listing the installed distributions (items with ``key`` and ``version``)."""

# --- wandb ---------------------------------------------------------------------------------

LOG_FLUSH_SETTING = "x_transaction_log_flush_interval"
"""An experimental ``wandb.Settings`` field: seconds between writes of the run's buffered records
to its ``.wandb`` log (W&B's default: 15). The report tab reads that log live, so a run with a
tab writes it as often as the tab refreshes."""


@contextmanager
def package_scan(wrap: Callable[[PackageScan], PackageScan]) -> Iterator[bool]:
    """Within the block, ``wandb.init`` lists the installed packages with ``wrap(original)``.

    ``wandb.init`` looks up ``wandb.util.working_set`` when a run starts (for the run's
    ``requirements.txt``); ``tests/runs/test_package_list.py`` proves the replacement is
    consulted. Yields whether it was replaced: an SDK without the function is left alone.
    """
    import wandb.util

    original: PackageScan | None = getattr(wandb.util, "working_set", None)
    if original is None:
        yield False
        return
    wandb.util.working_set = wrap(original)
    try:
        yield True
    finally:
        wandb.util.working_set = original


def another_run_active() -> bool:
    """Whether this process has an unfinished W&B run (started by anyone, with any ``reinit``).

    ``wandb.run`` alone misses runs started with ``reinit="create_new"``: it names the first
    run only. The SDK's setup singleton tracks them all (undocumented property).
    """
    import wandb

    active = getattr(wandb.setup(), "most_recent_active_run", wandb.run)
    return active is not None


@functools.cache
def _sdk_shut_down_errors() -> tuple[type[BaseException], ...]:
    try:
        from wandb.sdk.lib.asyncio_manager import AlreadyJoinedError
    except ImportError:  # an SDK without this class fails its own way; that error propagates
        return ()
    return (AlreadyJoinedError,)


def is_sdk_shut_down(exc: BaseException) -> bool:
    """Whether ``exc`` is what ``Run.finish()`` raises after ``wandb.teardown()`` ended the
    SDK's service (``wandb.agent`` tears it down after every trial)."""
    return isinstance(exc, _sdk_shut_down_errors())


def add_uri_reference(artifact: Any, uri: str, path: str) -> None:
    """Add to ``artifact`` one entry at ``path`` that references ``uri`` by the URI alone (its
    digest is the URI): what ``add_reference(uri, checksum=False)`` records for an object-store
    prefix, for any scheme and without listing anything (for ``file://`` directories the SDK
    would list every file). The entry class is not exported; ``Artifact.manifest`` is public.
    Raises ``RuntimeError`` when this SDK lacks either (the caller logs and skips the value)."""
    try:
        from wandb.sdk.artifacts.artifact_manifest_entry import ArtifactManifestEntry
        from wandb.sdk.lib.paths import LogicalPath
    except ImportError as exc:
        raise RuntimeError(f"this wandb has no ArtifactManifestEntry to reference {uri} ({exc})") from exc
    artifact.manifest.add_entry(ArtifactManifestEntry(path=LogicalPath(path), ref=uri, digest=uri))


# --- flyte ---------------------------------------------------------------------------------

_FLYTE_DIR = os.path.dirname(os.path.abspath(flyte.__file__)) + os.sep
# flyte.trace returns wrappers defined next to it, in the same source file.
_TRACE_FILE = os.path.abspath(flyte.trace.__code__.co_filename)


def is_flyte_trace(func: Any) -> bool:
    """Whether ``func`` is what ``flyte.trace`` returned (Flyte marks its wrappers no other way)."""
    code = getattr(func, "__code__", None)
    return code is not None and os.path.abspath(code.co_filename) == _TRACE_FILE


def called_by_flyte(frame: FrameType | None) -> bool:
    """Whether ``frame``, a decorated function's caller, is Flyte's own runtime: then the
    function is a task body (``@env.task`` wrapped the decorated function). A helper that user
    code calls from its task body has the user's module as its caller."""
    return frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_FLYTE_DIR)
