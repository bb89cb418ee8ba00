"""Lineage: a task's Flyte ``File``/``Dir`` outputs become W&B reference artifacts of its run, and
the ``File``/``Dir`` inputs an upstream task logged are recorded as used, so W&B's lineage graph
reads producer run -> artifact -> consumer run.

The wrapper calls :func:`record_inputs_sync`/``_async`` once the run exists and before the body,
and :func:`log_outputs_sync`/``_async`` after the body returned and before the run finishes. They
act only on a run this call writes to (created, joined or shared with the parent), in a Flyte
task, not in disabled mode, and never fail the task: a failure is a warning naming the value.

Matching: an input is the artifact named after its URI (``_lineage_refs.artifact_name``), version
``latest``. Online the run uses it (``run.use_artifact``); a value no task logged is left alone.
Every ``File``/``Dir`` input is also listed in the run's config under ``flyte_inputs`` (task,
input, URI, artifact name): offline runs cannot use artifacts (the SDK refuses), so that list is
what an offline run keeps of its inputs, and what ``flyte wandb sync`` turns into uses once the
runs are uploaded (``wandb_artifacts._sync_lineage``).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flyteplugins.wandb_context.internal import artifact_options, keys, task_context

from ._lineage_refs import artifact_name, build_reference
from ._lineage_values import MAX_VALUES, FlyteValue, find_values
from ._settings import flyte_origin

if TYPE_CHECKING:
    from flyte import AsyncFunctionTaskTemplate
    from wandb import Run

    from ._lifecycle import RunScope

logger = logging.getLogger(__name__)

_WAIT_FOR_COMMIT_S = 120
_WHERE = (("run_name", "run"), ("action_name", "action"))

_config_lock = threading.Lock()
# The artifact names each live run logged in this process: a run never "uses" its own output.
_logged: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class TaskIO:
    """What lineage needs of a decorated task: its name, output names and parameters."""

    task_name: str
    output_names: tuple[str, ...]
    signature: inspect.Signature | None

    @classmethod
    def of(cls, task: AsyncFunctionTaskTemplate) -> TaskIO:
        outputs = tuple((task.native_interface.outputs or {}).keys())
        try:
            signature = inspect.signature(task.func)
        except (TypeError, ValueError):
            signature = None
        return cls(task.name, outputs, signature)

    def named_inputs(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> list[tuple[str, Any]]:
        if self.signature is not None:
            try:
                return list(self.signature.bind_partial(*args, **kwargs).arguments.items())
            except TypeError:
                pass
        return [*((f"arg{i}", a) for i, a in enumerate(args)), *kwargs.items()]

    def named_outputs(self, result: Any) -> list[tuple[str, Any]]:
        if len(self.output_names) == 1:
            return [(self.output_names[0], result)]
        if isinstance(result, tuple) and len(result) == len(self.output_names):
            return list(zip(self.output_names, result, strict=True))
        return []  # Flyte itself rejects the mismatch


def check_output_names(option: Any, task: AsyncFunctionTaskTemplate) -> None:
    """``@wandb_init(artifacts={...})`` may only name outputs the task has."""
    if not isinstance(option, Mapping):
        return
    outputs = list((task.native_interface.outputs or {}).keys())
    for key in option:
        if artifact_options.output_root(key) not in outputs:
            has = f"has the outputs {outputs}" if outputs else "has no outputs"
            raise ValueError(
                f"@wandb_init(artifacts={{{key!r}: ...}}) names output {key!r}, but task {task.name!r} "
                f"{has}; use those names (o0, o1, ... for a tuple, the field names of a NamedTuple, "
                f"and 'o0.field' for a field of a dataclass output)."
            )


def record_inputs_sync(
    scope: RunScope, io: TaskIO | None, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> None:
    """Record the ``File``/``Dir`` inputs of this call (blocking)."""
    work = _input_work(scope, io, args, kwargs)
    if work is not None:
        work()


async def record_inputs_async(
    scope: RunScope, io: TaskIO | None, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> None:
    """:func:`record_inputs_sync` in a worker thread (it may ask W&B), when there is anything."""
    work = _input_work(scope, io, args, kwargs)
    if work is not None:
        await asyncio.to_thread(work)


def log_outputs_sync(scope: RunScope, io: TaskIO | None, result: Any) -> None:
    """Log the ``File``/``Dir`` outputs of this call as reference artifacts (blocking)."""
    work = _output_work(scope, io, result)
    if work is not None:
        work()


async def log_outputs_async(scope: RunScope, io: TaskIO | None, result: Any) -> None:
    """:func:`log_outputs_sync` in a worker thread (checksums take time), when there is anything."""
    work = _output_work(scope, io, result)
    if work is not None:
        await asyncio.to_thread(work)


def _run_for_lineage(scope: RunScope, io: TaskIO | None) -> Run | None:
    run = scope.run
    if io is None or run is None or not scope.plan.in_flyte_task or run.disabled:
        return None
    return run


def _found(io: TaskIO, named: list[tuple[str, Any]], what: str) -> list[FlyteValue]:
    values, more = find_values(named)
    if more:
        logger.warning(
            "Task %r has more than %d Flyte File/Dir %s; W&B lineage covers the first %d.",
            io.task_name,
            MAX_VALUES,
            what,
            MAX_VALUES,
        )
    return values


def _input_work(
    scope: RunScope, io: TaskIO | None, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> Callable[[], None] | None:
    run = _run_for_lineage(scope, io)
    if run is None or io is None or not artifact_options.inputs_recorded(scope.plan.settings.artifacts):
        return None
    try:
        values = _found(io, io.named_inputs(args, kwargs), "inputs")
    except Exception as exc:
        logger.warning("Could not look for Flyte File/Dir inputs of task %r: %s", io.task_name, exc)
        return None
    if not values:
        return None
    return lambda: _record_inputs(run, io, values)


def _record_inputs(run: Run, io: TaskIO, values: list[FlyteValue]) -> None:
    entries = [
        {"task": io.task_name, "input": v.path, "uri": v.uri, "artifact": artifact_name(v.uri)}
        for v in values
    ]
    try:
        _add_to_config(run, entries)
    except Exception as exc:
        logger.warning(
            "Could not list the Flyte inputs of task %r in W&B run %s: %s", io.task_name, run.id, exc
        )
    if run.offline:
        return  # the SDK refuses use_artifact offline; the config list is what the run keeps
    own = _logged.get(run, set())
    for entry in entries:
        if entry["artifact"] not in own:
            _use(run, entry)


def _add_to_config(run: Run, entries: list[dict[str, str]]) -> None:
    with _config_lock:
        listed = list(run.config.get(keys.INPUTS_CONFIG_KEY) or [])
        new = [e for e in entries if e not in listed]
        if new:
            run.config.update({keys.INPUTS_CONFIG_KEY: listed + new}, allow_val_change=True)


def _use(run: Run, entry: dict[str, str]) -> None:
    from wandb.errors import CommError

    name = f"{entry['artifact']}:latest"
    try:
        run.use_artifact(name)
    except CommError as exc:
        logger.info(
            "Flyte input %r (%s) of task %r is not a W&B artifact of %s/%s (%s); not recorded as used.",
            entry["input"],
            entry["uri"],
            entry["task"],
            run.entity,
            run.project,
            exc,
        )
    except Exception as exc:
        logger.warning(
            "Could not record Flyte input %r (%s) of task %r as used by W&B run %s: %s: %s",
            entry["input"],
            entry["uri"],
            entry["task"],
            run.id,
            type(exc).__name__,
            exc,
        )


def _output_work(scope: RunScope, io: TaskIO | None, result: Any) -> Callable[[], None] | None:
    run = _run_for_lineage(scope, io)
    option = scope.plan.settings.artifacts
    if run is None or io is None or option is False:
        return None
    try:
        values = _found(io, io.named_outputs(result), "outputs")
        wanted = [
            (v, spec) for v in values if (spec := artifact_options.spec_for(option, v.path)) is not None
        ]
        tctx = task_context()
        origin = flyte_origin(tctx) if tctx is not None else {}
    except Exception as exc:
        logger.warning("Could not look for Flyte File/Dir outputs of task %r: %s", io.task_name, exc)
        return None
    if not wanted:
        return None
    wait = scope.plan.kind == "reuse"  # the run outlives this call: let downstream tasks find it
    return lambda: _log_outputs(run, io, wanted, origin, wait)


def _log_outputs(
    run: Run,
    io: TaskIO,
    wanted: list[tuple[FlyteValue, artifact_options.OutputSpec]],
    origin: dict[str, Any],
    wait: bool,
) -> None:
    started, done = time.monotonic(), 0
    for value, spec in wanted:
        try:
            _log_one(run, io, value, spec, origin, wait)
            done += 1
        except Exception as exc:
            logger.warning(
                "Could not log Flyte output %r (%s) of task %r as a W&B artifact: %s: %s. The task "
                "result is unaffected.",
                value.path,
                value.uri,
                io.task_name,
                type(exc).__name__,
                exc,
            )
    logger.info(
        "Logged %d of %d Flyte output(s) of task %r to W&B run %s in %.2f s.",
        done,
        len(wanted),
        io.task_name,
        run.id,
        time.monotonic() - started,
    )


def _log_one(
    run: Run,
    io: TaskIO,
    value: FlyteValue,
    spec: artifact_options.OutputSpec,
    origin: dict[str, Any],
    wait: bool,
) -> None:
    metadata = {"flyte": {**origin, "task": io.task_name, "output": value.path, "uri": value.uri}}
    where = ", ".join(f"{label} {origin[k]}" for k, label in _WHERE if origin.get(k))
    description = f"Flyte {value.kind} output {value.path!r} of task {io.task_name!r}" + (
        f" ({where})" if where else ""
    )
    reference = build_reference(value, spec, description, metadata)
    logged = run.log_artifact(reference.artifact, aliases=["latest", *spec.aliases])
    with _config_lock:
        _logged.setdefault(run, set()).add(artifact_name(value.uri))
    if wait and not run.offline:
        logged.wait(timeout=_WAIT_FOR_COMMIT_S)
