"""``flyte wandb sync``: upload local W&B run directories with W&B's own ``wandb sync``.

For runs that fell back to offline during a W&B outage, or could not upload everything when
they finished. Nothing here uploads: ``wandb sync`` (wandb-core) does, in a subprocess. What
this module adds around it:

* sources: a run directory, a directory holding run directories (up to two levels down, e.g.
  a Flyte ``Dir`` holding ``wandb/offline-run-...``), or a URI downloaded with ``flyte.io.Dir``;
* one host rule: ``host`` (else ``WANDB_BASE_URL``) is checked by the plugin's host rule and
  becomes the subprocess's ``WANDB_BASE_URL``;
* no duplicates: ``wandb sync`` skips a run marked synced (``run-<id>.wandb.synced``), but a
  copy without that marker (a fresh download) would be uploaded again and wandb-core appends
  the whole history after what the server holds. So the server is asked first
  (``Run.lastHistoryStep``): a run whose steps it already holds is skipped, one it holds in
  part is refused;
* the truth about the outcome: ``wandb sync`` exits 0 even when the upload failed (e.g.
  ``ERROR user is not logged in``); a run counts as synced only if wandb-core wrote its
  ``.synced`` marker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flyteplugins.wandb_context.internal import hosts, reach

from . import records
from ._errors import RecordLogError
from ._retry import call_with_retry
from ._sync_lineage import record_inputs_used
from ._sync_sources import NothingToSyncError, find_run_dirs, local_source, shown_path, without_copies
from ._wandb_api import auth_error, is_auth_error, make_api

__all__ = ["NothingToSyncError", "SyncResult", "sync_run_dirs"]

SYNCED = "synced"
ALREADY_SYNCED = "already synced"
ON_SERVER = "already on server"
FAILED = "failed"

Listener = Callable[[str], None]

_PUBLIC_API_URL = "https://api.wandb.ai"
REACH_TIMEOUT_S = 30.0
_SETTLE_TIMEOUT_S = 5.0
# Dropped from the subprocess's environment: its own wandb-core (not a parent's service), its
# messages shown (we forward them), and online whatever mode the caller runs in.
_DROPPED_ENV = ("WANDB_SERVICE", "WANDB_SILENT", "WANDB_QUIET", "WANDB_MODE")


@dataclass(frozen=True)
class SyncResult:
    """What happened to one run directory: ``status`` is ``synced``, ``already synced``
    (wandb's ``.synced`` marker), ``already on server`` or ``failed`` (``message`` says why).
    ``rows`` counts the history rows this sync uploaded (those in the run's record log)."""

    run_id: str
    run_dir: str
    url: str
    status: str
    rows: int = 0
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status != FAILED


@dataclass
class _LocalRun:
    path: Path
    shown: str
    run_id: str
    entity: str | None = None
    project: str | None = None
    rows: int = 0
    first_step: int | None = None
    last_step: int | None = None
    marked_synced: bool = False
    problem: str | None = None


def sync_run_dirs(
    source: str | os.PathLike[str],
    project: str | None = None,
    entity: str | None = None,
    host: str | None = None,
    listener: Listener | None = None,
) -> list[SyncResult]:
    """Upload every W&B run directory found in ``source`` with ``wandb sync``.

    Raises (before anything is uploaded): ``HostError`` (a ``ValueError``) for a host that
    breaks the host rule, :class:`NothingToSyncError` (a ``LocalRunNotFoundError``) when
    there is no run to sync, ``RuntimeError`` for a failed download or rejected credentials. A run
    that fails is a ``failed`` result, not an exception.
    """
    say = listener or (lambda _line: None)
    api_url, ui_url = _server_urls(host)
    server = _Server(api_url, say)
    with local_source(os.fspath(source), say) as (root, shown_root):
        run_dirs = without_copies(find_run_dirs(root, shown_root), say)
        runs = [_read_local(d, shown_path(d, root, shown_root)) for d in run_dirs]
        say(f"Found {len(runs)} run director{'y' if len(runs) == 1 else 'ies'}:")
        for run in runs:
            say(f"  {run.shown}")
        results: dict[Path, SyncResult] = {}
        batches: dict[tuple[str, str], list[_LocalRun]] = {}
        targets: dict[Path, tuple[str, str]] = {}
        for run in runs:
            run_project = project or run.project or _env("WANDB_PROJECT") or "uncategorized"
            target = targets[run.path] = (_entity_of(run, entity, server), run_project)
            url = _run_url(ui_url, target[0], target[1], run.run_id)
            skip = _skip_reason(run, server, target)
            if skip is not None:
                results[run.path] = SyncResult(run.run_id, run.shown, url, skip[0], 0, skip[1])
                say(f"{run.run_id}: {skip[0]}: {skip[1]}")
            else:
                batches.setdefault(target, []).append(run)
        for (ent, proj), batch in batches.items():
            say(f"Running wandb sync for {len(batch)} run(s) to {ui_url}/{ent}/{proj}")
            outcome = _run_wandb_sync(batch, ent, proj, api_url if host else None, say)
            for run in batch:
                url = _run_url(ui_url, ent, proj, run.run_id)
                if _marker(run.path, run.run_id).exists():
                    results[run.path] = SyncResult(run.run_id, run.shown, url, SYNCED, run.rows)
                else:
                    results[run.path] = SyncResult(run.run_id, run.shown, url, FAILED, 0, outcome)
        # Every run is up now, producers too: the inputs offline runs listed become uses.
        on_server = [(*targets[path], result.run_id) for path, result in results.items() if result.ok]
        record_inputs_used(server.api, on_server, say)
    return [results[run.path] for run in runs]


def _server_urls(host: str | None) -> tuple[str | None, str]:
    """``(API URL for wandb, UI URL for links)``. The API URL is ``None`` for the SDK's
    default when no host was named; a named public host is pinned to W&B's own API."""
    given = host or _env("WANDB_BASE_URL")
    try:
        api_url = hosts.api_base_url(given)
    except hosts.HostError as exc:
        raise hosts.HostError(f"{'--host' if host else 'WANDB_BASE_URL'}: {exc}") from None
    return api_url or (_PUBLIC_API_URL if host else None), api_url or hosts.DEFAULT_HOST


def _read_local(run_dir: Path, shown: str) -> _LocalRun:
    """Run id, entity, project, history row count and step range from the run's record log."""
    run = _LocalRun(run_dir, shown, run_id=records.record_log_path(run_dir).stem[len("run-") :])
    ends: list[str] = []  # the first and the last row, as JSON

    def count(row_json: str) -> None:
        run.rows += 1
        ends[min(len(ends), 1) :] = [row_json]

    try:
        recorded = records.read_run_dirs([run_dir], False, _SETTLE_TIMEOUT_S, history_sink=count)
    except (OSError, RecordLogError) as exc:
        run.problem = f"its record log is not readable: {exc}"
        return run
    run.run_id, run.entity, run.project = recorded.run_id or run.run_id, recorded.entity, recorded.project
    if recorded.still_writing:
        run.problem = "its record log is still being written (the run is live): sync it once it has finished"
    if ends:
        run.first_step, run.last_step = _step_of(ends[0]), _step_of(ends[-1])
    run.marked_synced = _marker(run_dir, run.run_id).exists()
    return run


def _step_of(row_json: str) -> int | None:
    step = json.loads(row_json).get("_step")
    return step if isinstance(step, int) else None


def _marker(run_dir: Path, run_id: str) -> Path:
    """What wandb-core writes next to a log it synced, and ``wandb sync`` skips runs by."""
    return run_dir / f"run-{run_id}.wandb.synced"


class _Server:
    """The W&B public API, opened on first use (a run already marked synced needs none)."""

    def __init__(self, api_url: str | None, say: Listener) -> None:
        self.api_url = api_url
        self.where = api_url or _env("WANDB_BASE_URL") or "W&B"
        self._say = say
        self._api: Any = None

    @property
    def api(self) -> Any:
        if self._api is None:
            # wandb's API and wandb sync retry an unreachable server for many minutes, silently
            url = self.api_url or _env("WANDB_BASE_URL") or _PUBLIC_API_URL
            down = reach.wait_until_reachable(url, time.monotonic() + REACH_TIMEOUT_S)
            if down is not None:
                raise RuntimeError(
                    f"W&B at {url} does not answer ({down}); nothing was synced. Run it again later."
                )
            self._say(f"Asking {self.where} which runs it already holds")
            self._api = make_api(self.api_url)
        return self._api

    def default_entity(self) -> str | None:
        return self._call(lambda: self.api.default_entity, "the API key's default entity")

    def last_step(self, path: str) -> int | None:
        """The last history step the server holds for run ``path``; None if it has no such
        run, -1 if the run has no history."""

        def fetch() -> int | None:
            try:
                run = self.api.run(path)
            except Exception as exc:
                text = str(exc).lower()
                if "could not find" in text or "not found" in text:
                    return None
                raise
            return int(run.lastHistoryStep)

        return self._call(fetch, f"run {path!r}")

    def _call(self, fn: Callable[[], Any], what: str) -> Any:
        try:
            return call_with_retry(fn)
        except Exception as exc:
            if is_auth_error(exc):
                raise auth_error(self.where, exc) from exc
            raise RuntimeError(f"Could not look up {what} on {self.where}: {exc}") from exc


def _entity_of(run: _LocalRun, entity: str | None, server: _Server) -> str:
    found = entity or run.entity or _env("WANDB_ENTITY") or server.default_entity()
    if not found:
        raise RuntimeError(
            f"No W&B entity for run {run.run_id!r}: its log names none and the API key has no "
            "default entity; pass --entity."
        )
    return found


def _skip_reason(run: _LocalRun, server: _Server, target: tuple[str, str]) -> tuple[str, str] | None:
    """``(status, why)`` if the run must not go to ``wandb sync``, else None."""
    if run.problem:
        return FAILED, run.problem
    if run.marked_synced:
        return ALREADY_SYNCED, f"wandb marked it synced ({_marker(run.path, run.run_id).name})"
    if run.rows == 0 or run.first_step is None or run.last_step is None:
        return None  # no history, nothing to duplicate
    last = server.last_step(f"{target[0]}/{target[1]}/{run.run_id}")
    if last is None or last < run.first_step:
        return None  # a new run, or the next segment of a resumed one
    if last >= run.last_step:
        return ON_SERVER, f"the server already holds its history up to step {last}"
    return FAILED, (
        f"the server already holds steps up to {last} of this run, its log has steps "
        f"{run.first_step}-{run.last_step}: wandb sync would upload all {run.rows} rows again after "
        f"them, duplicating steps {run.first_step}-{last}. Delete the run on W&B and sync again, or "
        "upload the directory as a new run with `wandb sync --id NEW_ID DIR`."
    )


def _run_wandb_sync(
    batch: list[_LocalRun], entity: str, project: str, base_url: str | None, say: Listener
) -> str:
    """Runs ``wandb sync`` on the batch, forwarding its output; returns its error lines (or a
    generic reason) for the runs it did not mark synced."""
    command = [sys.executable, "-m", "wandb", "sync", "--include-online"]
    command += ["--entity", entity, "--project", project, *(str(run.path) for run in batch)]
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    if base_url:
        env["WANDB_BASE_URL"] = base_url
    secret = env.get("WANDB_API_KEY") or ""
    errors: list[str] = []
    with subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
        errors="replace",
    ) as proc:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.rstrip()
            if secret:
                line = line.replace(secret, "***")
            if not line.strip():
                continue
            say(line)
            text = line.removeprefix("wandb:").strip()
            if text.startswith(("ERROR", "Error:")) and "detailed error logs" not in text:
                errors.append(text.removeprefix("ERROR").removeprefix("Error:").strip())
    reason = "; ".join(errors) or f"wandb sync exited with code {proc.returncode}"
    return f"wandb sync did not mark it synced: {reason}"


def _run_url(ui_url: str, entity: str, project: str, run_id: str) -> str:
    return "/".join((ui_url, quote(entity, safe=""), quote(project, safe=""), "runs", quote(run_id, safe="")))


def _env(name: str) -> str | None:
    return os.environ.get(name) or None
