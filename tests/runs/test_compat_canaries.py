"""Canaries for the private parts of wandb and Flyte the runs package touches (``_compat``).

One per touch; each fails with a message saying what changed in the SDK, so an upgrade that
moves these parts shows up here first rather than as a slower or wrongly shared run. That the
package-list override is actually consulted by ``wandb.init`` is proven by
``tests/runs/test_package_list.py``; the Flyte task context and trace state the runs package
reads come from the context package (``tests/context/test_compat_canaries.py``).
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flyte
import pytest
import wandb
import wandb.util
from runs_support import run_local

from flyteplugins.wandb_runs.internal import compat


def test_wandb_lists_installed_packages_with_util_working_set() -> None:
    scan = getattr(wandb.util, "working_set", None)
    assert callable(scan), (
        "wandb.util.working_set is gone: wandb changed how it lists packages for requirements.txt; "
        "update wandb_runs._compat.package_scan (runs now start without the package-list saving)"
    )
    required = [
        p
        for p in inspect.signature(scan).parameters.values()
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    assert not required, (
        f"wandb.util.working_set now needs arguments {required}: update wandb_runs._compat.package_scan"
    )
    first = next(iter(scan()))
    assert isinstance(first.key, str) and isinstance(first.version, str), (
        f"wandb.util.working_set items changed shape ({first!r}, no str .key/.version): "
        "update wandb_runs._compat.package_scan"
    )
    with compat.package_scan(lambda original: original) as replaced:
        assert replaced, "wandb_runs._compat.package_scan no longer replaces wandb.util.working_set"
    assert wandb.util.working_set is scan, "wandb_runs._compat.package_scan did not restore the SDK function"


def test_wandb_setup_tracks_runs_that_are_not_wandb_run(offline: Path) -> None:
    assert isinstance(getattr(type(wandb.setup()), "most_recent_active_run", None), property), (
        "wandb.setup().most_recent_active_run is gone: wandb changed how it tracks active runs; "
        "update wandb_runs._compat.another_run_active (it now falls back to wandb.run)"
    )
    assert not compat.another_run_active()
    run = wandb.init(project="canary", reinit="create_new")
    try:
        assert wandb.run is None and compat.another_run_active(), (
            "wandb.setup().most_recent_active_run does not report a reinit='create_new' run: "
            "update wandb_runs._compat.another_run_active"
        )
    finally:
        run.finish()
    assert not compat.another_run_active(), "a finished run still counts as active"


def test_finish_after_teardown_raises_the_error_compat_recognises(offline: Path) -> None:
    try:
        from wandb.sdk.lib.asyncio_manager import AlreadyJoinedError
    except ImportError as exc:
        pytest.fail(
            f"wandb.sdk.lib.asyncio_manager.AlreadyJoinedError is gone ({exc}): update "
            "wandb_runs._compat.is_sdk_shut_down (the error after wandb.teardown() is no longer explained)"
        )
    assert issubclass(AlreadyJoinedError, Exception)
    run = wandb.init(project="canary", reinit="create_new")
    wandb.teardown()  # what wandb.agent does after every trial
    with pytest.raises(Exception) as raised:
        run.finish()
    assert compat.is_sdk_shut_down(raised.value), (
        f"Run.finish() after wandb.teardown() now raises {type(raised.value).__module__}."
        f"{type(raised.value).__qualname__}: {raised.value}; update wandb_runs._compat.is_sdk_shut_down"
    )


def test_wandb_run_is_the_public_run_class() -> None:
    run_class = getattr(wandb, "Run", None)
    assert isinstance(run_class, type), "wandb.Run is gone: update the runs package's type imports"
    missing = [name for name in ("id", "dir", "config", "log", "finish") if not hasattr(run_class, name)]
    assert not missing, f"wandb.Run lost {missing}, which @wandb_init and get_wandb_run_dir() use"


def test_env_task_returns_the_public_async_function_task_template() -> None:
    template = getattr(flyte, "AsyncFunctionTaskTemplate", None)
    assert isinstance(template, type), (
        "flyte.AsyncFunctionTaskTemplate is gone: @wandb_init can no longer recognise a task; "
        "update wandb_runs._decorator and _links"
    )
    env = flyte.TaskEnvironment("runs_canary_template")

    @env.task
    async def a_task() -> None:
        return None

    assert isinstance(a_task, template), (
        f"@env.task now returns {type(a_task).__qualname__}, not flyte.AsyncFunctionTaskTemplate: "
        "update wandb_runs._decorator"
    )
    assert callable(a_task.func) and isinstance(a_task.links, tuple), (
        "flyte.AsyncFunctionTaskTemplate lost .func or its .links tuple, which @wandb_init replaces"
    )


def test_flyte_trace_wrappers_live_next_to_flyte_trace() -> None:
    @flyte.trace
    async def async_traced() -> None:
        return None

    @flyte.trace
    def sync_traced() -> None:
        return None

    def plain() -> None:
        return None

    assert compat.is_flyte_trace(async_traced) and compat.is_flyte_trace(sync_traced), (
        "flyte.trace's wrappers are no longer defined in the source file of flyte.trace: "
        "update wandb_runs._compat.is_flyte_trace (@wandb_init on a trace is no longer refused)"
    )
    assert not compat.is_flyte_trace(plain)


_seen_by_caller: list[bool] = []


def _records_whether_flyte_called(func: Callable[..., Any]) -> Callable[..., Any]:
    """What ``@wandb_init`` does under ``@env.task``: look at who called the body."""
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_body(*args: Any, **kwargs: Any) -> Any:
            _seen_by_caller.append(compat.called_by_flyte(sys._getframe(1)))
            return await func(*args, **kwargs)

        return async_body

    @functools.wraps(func)
    def sync_body(*args: Any, **kwargs: Any) -> Any:
        _seen_by_caller.append(compat.called_by_flyte(sys._getframe(1)))
        return func(*args, **kwargs)

    return sync_body


_env = flyte.TaskEnvironment("runs_canary_caller")


@_env.task
@_records_whether_flyte_called
async def _async_body() -> None:
    _records_whether_flyte_called(lambda: None)()  # a helper called by user code


@_env.task
@_records_whether_flyte_called
def _sync_body() -> None:
    _records_whether_flyte_called(lambda: None)()


def test_flyte_calls_task_bodies_from_its_own_package() -> None:
    _seen_by_caller.clear()
    run_local(_async_body)
    run_local(_sync_body)
    assert _seen_by_caller == [True, False, True, False], (
        f"Flyte no longer calls task bodies from a module inside the flyte package ({_seen_by_caller}: "
        "body, helper per task): update wandb_runs._compat.called_by_flyte (@wandb_init under "
        "@env.task is no longer recognised)"
    )


def test_an_entry_referencing_a_uri_alone_is_what_the_sdk_records(offline: Path, tmp_path: Path) -> None:
    from flyteplugins.wandb_artifacts.records import read_artifacts

    folder = tmp_path / "many"
    folder.mkdir()
    (folder / "a.txt").write_text("a")
    uri = folder.as_uri()
    artifact = wandb.Artifact("canary-uri-only", type="dataset")
    try:
        compat.add_uri_reference(artifact, uri, "many")
    except RuntimeError as exc:
        pytest.fail(f"{exc}: update wandb_runs._compat.add_uri_reference (a Dir over max_objects is skipped)")
    entries = list(artifact.manifest.entries.values())
    assert [(str(e.path), e.ref, e.digest) for e in entries] == [("many", uri, uri)], (
        "wandb's manifest entries changed shape: update wandb_runs._compat.add_uri_reference"
    )
    run = wandb.init(project="canary", reinit="create_new")
    run.log_artifact(artifact)
    run_dir = Path(run.dir).parent
    run.finish()
    (recorded,) = read_artifacts(run_dir)
    assert [(e.path, e.ref, e.digest) for e in recorded.entries] == [("many", uri, uri)], (
        "an offline run no longer records a URI-only reference entry as given: update "
        "wandb_runs._compat.add_uri_reference"
    )


def test_wandb_settings_say_how_often_the_record_log_is_written() -> None:
    import wandb

    from flyteplugins.wandb_runs._compat import LOG_FLUSH_SETTING

    field = wandb.Settings.model_fields.get(LOG_FLUSH_SETTING)
    assert field is not None, (
        f"wandb.Settings lost {LOG_FLUSH_SETTING}: the report tab would trail a run by up to a 32 KiB "
        "block of its record log; find the SDK's new flush setting"
    )
    assert wandb.Settings(**{LOG_FLUSH_SETTING: 0.5}).model_dump()[LOG_FLUSH_SETTING] == 0.5
