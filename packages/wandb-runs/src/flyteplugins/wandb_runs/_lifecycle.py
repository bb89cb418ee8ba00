"""Carrying out a run plan: start the run, expose it to the body, finish it.

Exposure is scoped: the run id goes into ``custom_context`` (children, links) and the run
object into task-local data (traces) for the body only; leaving the scope restores the
previous context exactly, also when the body raises and under concurrent children.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from flyteplugins.wandb_context.internal import keys, scoped_task_context

from . import _preempt, _registry
from ._access import RUN_DATA_KEY, objective_run
from ._compat import another_run_active, is_sdk_shut_down
from ._outage import start_run
from ._packages import package_list_read_once
from ._plan import RunPlan
from ._settings import effective_mode

if TYPE_CHECKING:
    from wandb import Run

    from flyteplugins.wandb_artifacts.internal import TabRefresher

logger = logging.getLogger(__name__)

_MISSING = object()


class RunScope:
    """One invocation's run: ``start()``, then ``exposed()`` around the body, then ``finish()``."""

    def __init__(self, plan: RunPlan) -> None:
        self.plan = plan
        self.run: Run | None = None
        self.fallback: str | None = None
        """The mode the run continues in because W&B was down at start (``offline``/``disabled``)."""
        self.unsynced_dir: str | None = None
        """The local directory of a run that did not reach W&B completely, once finished."""
        self._tab: TabRefresher | None = None

    @property
    def needs_wandb_init(self) -> bool:
        return self.plan.kind in ("create", "join")

    def start(self) -> Run | None:
        """Start (or look up) the run. Blocks while ``wandb.init`` runs."""
        kind = self.plan.kind
        if kind == "skip":
            return None
        if kind == "reuse":
            self.run = self._live_run()
            self._merge_config(self.run)
        else:
            _preempt.install()
            started = start_run(_init, self.plan.init_kwargs, self.plan.settings.outage)
            self.run, self.fallback = started.run, started.fallback
            if self.fallback == "offline":
                _registry.mark_offline(self.run.id)
        self._start_tab(self.run)
        return self.run

    def _start_tab(self, run: Run) -> None:
        if not self.plan.report_tab or run.settings.mode == "disabled":
            return
        from ._report_tab import start_run_tab  # the charts' code loads only for tasks with a tab

        self._tab = start_run_tab(
            run,
            owns_run=self.plan.owns_writer,
            shared_with_parent=None if self.plan.kind == "create" else run.id,
            interval_s=self.plan.settings.report_interval,
        )

    def _close_tab(self) -> None:
        tab, self._tab = self._tab, None
        if tab is not None:
            tab.close()

    def _live_run(self) -> Run:
        run_id = self.plan.run_id or ""
        run = _registry.live_run(run_id)
        if run is None:
            raise RuntimeError(
                f"The parent W&B run {run_id!r} finished before this task started; a child that "
                f"shares its parent's run must be awaited inside the parent task."
            )
        return run

    def _merge_config(self, run: Run) -> None:
        """Config given to this call (a ``wandb_config`` override, the decorator) lands in the
        shared run; values it already has are not written again."""
        wanted = self.plan.settings.init_kwargs.get("config") or {}
        changed = {k: v for k, v in wanted.items() if run.config.get(k, _MISSING) != v}
        if changed:
            run.config.update(changed, allow_val_change=True)

    @contextmanager
    def exposed(self) -> Iterator[Run | None]:
        """The body's view: ``get_wandb_run()`` and children see this run."""
        if not self.plan.in_flyte_task:
            token = objective_run.set(self.run)
            try:
                yield self.run
            finally:
                objective_run.reset(token)
            return
        set_keys = None
        if self.run is not None:
            set_keys = {keys.RUN_ID_KEY: self.run.id}
            if _registry.is_offline(self.run.id) or self.plan.parent_offline:
                set_keys[keys.RUN_OFFLINE_KEY] = self.run.id  # children join it offline
        with scoped_task_context(set_keys=set_keys, data={RUN_DATA_KEY: self.run}):
            yield self.run

    def finish(self, failed: bool) -> None:
        """Finish the writer this invocation started: exit code 1 when the body raised.

        Reused runs are left to the task that owns them. A run that fell back to offline, or whose
        uploads did not end within ``finish_timeout``, gets ``unsynced_dir``.
        """
        run = self.run
        if run is None or not self.plan.owns_writer:
            self._close_tab()
            return
        try:
            run.finish(exit_code=1 if failed else 0)
            if self.fallback == "offline":
                self.unsynced_dir = run.settings.sync_dir
        except TimeoutError:
            self.unsynced_dir = run.settings.sync_dir
            logger.warning(
                "W&B did not take all of run %s within finish_timeout; the rest is on local disk.", run.id
            )
        except Exception as exc:
            if not is_sdk_shut_down(exc):
                raise
            raise RuntimeError(
                f"W&B was shut down (wandb.teardown()) while run {run.id!r} was still active, so it "
                f"could not be finished. wandb.agent does this after every trial: do not decorate "
                f"the task that calls wandb.agent with @wandb_init (use @wandb_sweep, and "
                f"@wandb_init on the objective)."
            ) from exc
        finally:
            _registry.unregister(run)
            self._close_tab()

    def finish_after_failure(self) -> None:
        """Finish as failed without masking the body's exception."""
        try:
            self.finish(failed=True)
        except Exception:
            logger.exception("Could not finish W&B run %s after the task failed", self.plan.run_id)


def _init(init_kwargs: dict[str, Any]) -> Run:
    import wandb

    kwargs = dict(init_kwargs)
    with _registry.init_lock:
        if "reinit" not in kwargs and another_run_active():
            # Several runs live side by side in one process (concurrent children, a parent
            # and its "new" child); the first one alone also becomes ``wandb.run``.
            kwargs["reinit"] = "create_new"
        try:
            with package_list_read_once():
                run = wandb.init(**kwargs)
        except Exception as exc:
            raise RuntimeError(_init_failure(kwargs, exc)) from exc
        _registry.register(run)
    return run


def _init_failure(kwargs: dict[str, Any], exc: BaseException) -> str:
    return (
        f"wandb.init failed for project={kwargs.get('project')!r}, entity={kwargs.get('entity')!r}, "
        f"mode={effective_mode(kwargs)!r}, run id={kwargs.get('id')!r}: {type(exc).__name__}: {exc}. "
        f"Check the project/entity names and WANDB_API_KEY, or run without a W&B server using "
        f"wandb_config(mode='offline')."
    )
