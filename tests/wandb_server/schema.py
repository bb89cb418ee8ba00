"""GraphQL resolvers: the part of W&B's schema the SDK uses, answered from ``Storage``.

Each class is a GraphQL type; each method or property is a field of it, named as W&B names
it (hence camelCase). Arguments arrive as keyword arguments; ones we ignore go to ``**_``.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from . import graphql, history, mutations, runs_query
from .artifacts import ArtifactError
from .artifacts_schema import ArtifactQueries, ProjectArtifacts, RunArtifacts
from .storage import TERMINAL_STATES, Run, Storage, Sweep

if TYPE_CHECKING:
    from .server import WandbServer

FEATURES = ("LARGE_FILENAMES", "MARK_RUN_FILES_UPLOADED")


def run_state(server: WandbServer, run: Run) -> str:
    """Stored state, except that a live run silent for ``crash_after_s`` reads as crashed, or
    as preempted if it was marked preempting (``run.mark_preempting()``).
    """
    limit = server.crash_after_s
    silent_for = time.monotonic() - run.heartbeat_monotonic
    if run.state not in TERMINAL_STATES and limit is not None and silent_for > limit:
        return "preempted" if run.preempting else "crashed"
    return run.state


def _entity_node(name: str) -> dict[str, Any]:
    return {"__typename": "Entity", "id": name, "name": name, "organization": None}


def _console_line(number: int, raw: str) -> dict[str, Any]:
    """A file-stream console line ``[ERROR ]<iso timestamp> <text>`` as a ``logLines`` node."""
    level, rest = ("error", raw[6:]) if raw.startswith("ERROR ") else ("", raw)
    timestamp, _, text = rest.partition(" ")
    if not timestamp[:1].isdigit():
        timestamp, text = "", rest
    return {"number": number, "timestamp": timestamp, "level": level, "label": "", "line": text}


class RunNode(RunArtifacts):
    typename = "Run"

    def __init__(self, server: WandbServer, run: Run) -> None:
        self._server, self._run = server, run
        r = run
        self.id, self.name, self.displayName = r.id, r.name, r.display_name or r.name
        self.sweepName, self.group, self.jobType, self.tags = r.sweep_name, r.group, r.job_type, r.tags
        self.notes, self.description, self.commit, self.host = r.notes, r.notes, r.commit, r.host
        self.createdAt, self.heartbeatAt, self.updatedAt = r.created_at, r.heartbeat_at, r.heartbeat_at
        self.exitcode, self.program, self.readOnly = r.exitcode, r.program, False
        self.projectId = r.project_internal_id
        self.historyLineCount, self.eventsLineCount = len(r.history.lines), len(r.events.lines)
        self.logLineCount = len(r.log_lines)
        self.user = {"name": r.entity, "username": r.entity, "id": r.entity}
        self.shouldStop, self.stopped = False, False
        self.fileCount = len(r.files)

    def state(self, **_: Any) -> str:
        return run_state(self._server, self._run)

    def running(self, **_: Any) -> bool:
        return self.state() == "running"

    def failed(self, **_: Any) -> bool:
        return self.state() in ("failed", "crashed")

    def config(self, **_: Any) -> str:
        return json.dumps(self._run.config)

    def summaryMetrics(self, **_: Any) -> str:
        return json.dumps(self._run.summary)

    def systemMetrics(self, **_: Any) -> str:
        return self._run.events.lines[-1] if self._run.events.lines else "{}"

    def wandbConfig(self, keys: list[str] | None = None, **_: Any) -> str:
        internal = self._run.config.get("_wandb", {}).get("value", {})
        return json.dumps({k: v for k, v in internal.items() if keys is None or k in keys})

    def historyTail(self, **_: Any) -> str:
        return json.dumps(self._run.history.lines[-10:])

    def eventsTail(self, **_: Any) -> str:
        return json.dumps(self._run.events.lines[-10:])

    def history(self, samples: int = 500, minStep: int | None = None, maxStep: int | None = None, **_: Any):
        return history.full(self._run.history, samples, minStep, maxStep)

    def events(self, samples: int = 500, **_: Any) -> list[str]:
        return history.full(self._run.events, samples, None, None)

    def sampledHistory(self, specs: list[Any], **_: Any) -> list[list[dict[str, Any]]]:
        return [history.sampled(self._run.history, spec) for spec in specs]

    def historyKeys(self, **_: Any) -> dict[str, Any]:
        return history.keys(self._run.history)

    def parquetHistory(self, liveKeys: list[str] | None = None, **_: Any) -> dict[str, Any]:
        return {"parquetUrls": [], "liveData": history.live_data(self._run.history, liveKeys)}

    def project(self, **_: Any) -> ProjectNode:
        return ProjectNode(self._server, self._run.entity, self._run.project)

    def sweep(self, **_: Any) -> SweepNode | None:
        sweep = self._server.storage.sweep(self._run.entity, self._run.project, self._run.sweep_name or "")
        return SweepNode(self._server, sweep) if sweep else None

    def files(
        self,
        names: list[str] | None = None,
        after: str | None = None,
        first: int | None = None,
        pattern: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        chosen = [f for f in self._run.files.values() if not names or f.name in names]
        if pattern and not names:
            chosen = [f for f in chosen if history.like(pattern, f.name)]
        items, start, more = runs_query.page(chosen, first, after)
        base = self._server.base_url
        nodes = [
            {
                "__typename": "File",
                "id": f.id,
                "name": f.name,
                "sizeBytes": f.size,
                "md5": f.md5,
                "mimetype": "application/octet-stream",
                "updatedAt": f.updated_at,
                "url": f"{base}/storage/files/{f.id}",
                "directUrl": f"{base}/storage/files/{f.id}",
            }
            for f in items
        ]
        return runs_query.connection(nodes, start, more) | {"totalCount": len(chosen)}

    def logLines(
        self, first: int | None = None, after: str | None = None, last: int | None = None, **_: Any
    ) -> dict[str, Any]:
        """Console lines (``Run.console_logs()``): paged from the start, or the ``last`` N."""
        lines = self._run.log_lines
        if last is not None:
            start = max(0, len(lines) - last)
            items, more = lines[start:], False
        else:
            items, start, more = runs_query.page(lines, first, after)
        nodes = [_console_line(start + i, raw) for i, raw in enumerate(items)]
        return runs_query.connection(nodes, start, more)


class SweepNode:
    typename = "Sweep"

    def __init__(self, server: WandbServer, sweep: Sweep) -> None:
        self._server, self._sweep = server, sweep
        s = sweep
        self.id, self.name, self.state, self.config = s.id, s.name, s.state, s.config_yaml
        self.displayName, self.description, self.method = (
            s.display_name,
            s.description,
            s.config.get("method"),
        )
        self.createdAt = self.heartbeatAt = self.updatedAt = s.created_at
        self.runCountExpected = s.config.get("run_cap")
        self.bestLoss, self.controller, self.scheduler, self.earlyStopJobRunning = None, None, None, False
        self.controllerRunName = ""
        self.project = ProjectNode(server, s.entity, s.project)

    def runs(self, first: int | None = None, after: str | None = None, **_: Any) -> dict[str, Any]:
        found = self._server.storage.sweep_runs(self._sweep)
        items, start, more = runs_query.page(found, first if first is not None else 10_000, after)
        return runs_query.connection([RunNode(self._server, r) for r in items], start, more)

    def runCount(self, **_: Any) -> int:
        return len(self._server.storage.sweep_runs(self._sweep))


class ProjectNode(ProjectArtifacts):
    typename = "Project"

    def __init__(self, server: WandbServer, entity: str, name: str) -> None:
        self._server, self._storage = server, server.storage
        self.entityName, self.name = entity, name
        self.internalId = str(self._storage.project_id(entity, name))  # an ID: the SDK wants a string
        self.id = self.internalId
        self.entity = _entity_node(entity)
        self.readOnly, self.access = False, "PRIVATE"

    def _run(self, name: str) -> RunNode | None:
        run = self._storage.run(self.entityName, self.name, name)
        return RunNode(self._server, run) if run else None

    def run(self, name: str, **_: Any) -> RunNode | None:
        return self._run(name)

    def bucket(self, name: str, **_: Any) -> RunNode | None:
        return self._run(name)

    def _select(self, filters: Any, order: str | None) -> list[Run]:
        runs = self._storage.runs_in(self.entityName, self.name)
        return runs_query.select(runs, filters, order, lambda r: run_state(self._server, r))

    def runs(
        self,
        filters: Any = None,
        order: str | None = None,
        first: int | None = None,
        after: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        items, start, more = runs_query.page(self._select(filters, order), first, after)
        return runs_query.connection([RunNode(self._server, r) for r in items], start, more)

    def runCount(self, filters: Any = None, **_: Any) -> int:
        return len(self._select(filters, None))

    def sweep(self, sweepName: str, **_: Any) -> SweepNode | None:
        sweep = self._storage.sweep(self.entityName, self.name, sweepName)
        return SweepNode(self._server, sweep) if sweep else None

    def totalSweeps(self, **_: Any) -> int:
        return sum(1 for e, p, _ in self._storage.sweeps if (e, p) == (self.entityName, self.name))


class Query(ArtifactQueries):
    typename = "Query"

    def __init__(self, server: WandbServer) -> None:
        self._server = server

    def viewer(self, **_: Any) -> dict[str, Any]:
        entity = self._server.entity
        return {
            "__typename": "User",
            "id": entity,
            "entity": entity,
            "username": entity,
            "name": entity,
            "email": f"{entity}@example.com",
            "admin": False,
            "flags": "{}",
            "teams": {"edges": []},
            "defaultEntity": _entity_node(entity),
            "userEntity": _entity_node(entity),
            "apiKeys": None,
        }

    def serverInfo(self, **_: Any) -> dict[str, Any]:
        return {
            "__typename": "ServerInfo",
            "features": [{"name": name, "isEnabled": True} for name in FEATURES],
            "cliVersionInfo": {},
            "latestLocalVersionInfo": None,
            "availableBucketProviders": [],
            "frontendHost": self._server.base_url,
        }

    def project(self, name: str | None = None, entityName: str | None = None, **_: Any) -> ProjectNode:
        return ProjectNode(self._server, entityName or self._server.entity, name or "uncategorized")

    def model(self, name: str | None = None, entityName: str | None = None, **_: Any) -> ProjectNode:
        return self.project(name, entityName)

    def entity(self, name: str | None = None, **_: Any) -> dict[str, Any]:
        return _entity_node(name or self._server.entity)

    def clientIDMapping(self, clientID: str, **_: Any) -> dict[str, Any]:
        return {"serverID": clientID}


def handle(server: WandbServer, request: dict[str, Any], *, from_run: bool) -> tuple[int, dict[str, Any]]:
    """Answers one GraphQL request body; returns (HTTP status, JSON reply).

    ``from_run``: sent by a live run's wandb-core (not ``wandb.Api()``), see ``upsertBucket``.
    """
    storage: Storage = server.storage
    try:
        doc = graphql.parse(request.get("query") or "")
        op = graphql.pick_operation(doc, request.get("operationName"))
        root = mutations.Mutation(server, from_run=from_run) if op.kind == "mutation" else Query(server)
        with storage.lock:
            data = graphql.execute(doc, op, root, request.get("variables"), server.note_unknown)
    except (graphql.GraphQLError, mutations.MutationError, ArtifactError) as exc:
        return 200, {"data": None, "errors": [{"message": str(exc)}]}
    return 200, {"data": data}
