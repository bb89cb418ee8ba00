"""GraphQL mutations the SDK sends: create/update runs, hand out upload URLs, sweeps, agents."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import schema, sweep_controller
from .artifacts_schema import ArtifactMutations
from .storage import TERMINAL_STATES

if TYPE_CHECKING:
    from .server import WandbServer
    from .storage import Run


class MutationError(Exception):
    """A mutation the server refuses; answered as a GraphQL error."""


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


class Mutation(ArtifactMutations):
    typename = "Mutation"

    def __init__(self, server: WandbServer, *, from_run: bool) -> None:
        self._server = server
        self._from_run = from_run
        self._storage = server.storage

    def _run_named(self, entity: str | None, project: str | None, name: str) -> Run:
        run = self._storage.run(entity or self._server.entity, project or "uncategorized", name)
        if run is None:
            raise MutationError(f"run {entity}/{project}/{name} not found")
        return run

    def upsertBucket(self, input: dict[str, Any], **_: Any) -> dict[str, Any]:
        """Creates or updates a run: ``wandb.init`` (by name, or by ``id`` when resuming), a live
        run's config changes, ``Run.update()`` from the public API (by ``id``).

        A live run upserting marks it running: a resumed ended run (its preempting mark
        cleared), or a sweep run the controller created as pending.
        """
        run = self._storage.run_by_id(input["id"]) if input.get("id") else None
        inserted = False
        if run is None:
            if not input.get("name"):
                raise MutationError(f"upsertBucket: no run with id {input.get('id')!r}")
            entity = input.get("entityName") or self._server.entity
            known = self._server.known_entities
            if known is not None and entity not in known:
                raise MutationError(f"entity {entity} not found")
            run, inserted = self._storage.upsert_run(
                entity, input.get("modelName") or "uncategorized", input["name"]
            )
        if self._from_run and (run.state in TERMINAL_STATES or run.state == "pending"):
            run.state, run.exitcode, run.preempting = "running", None, False
        _apply_run_fields(run, input)
        run.beat()
        return {"bucket": schema.RunNode(self._server, run), "inserted": inserted, "updateAvailable": False}

    def createRunFiles(self, input: dict[str, Any], **_: Any) -> dict[str, Any]:
        """Signed upload URLs pointing back at this server (``PUT /storage/upload/{token}``)."""
        run = self._run_named(input.get("entityName"), input.get("projectName"), input["runName"])
        base = self._server.base_url
        files = [
            {"name": name, "uploadUrl": f"{base}/storage/upload/{self._storage.upload_token(run, name)}"}
            for name in input.get("files") or []
        ]
        return {"runID": run.id, "uploadHeaders": [], "files": files}

    def markRunFilesUploaded(self, input: dict[str, Any], **_: Any) -> dict[str, Any]:
        self._run_named(input.get("entityName"), input.get("projectName"), input["runName"])
        return {"success": True}

    def stopRun(self, input: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"success": self._storage.run_by_id(input.get("id", "")) is not None}

    def upsertSweep(self, input: dict[str, Any], **_: Any) -> dict[str, Any]:
        try:
            sweep, warnings = sweep_controller.upsert(self._server, input)
        except ValueError as exc:
            raise MutationError(str(exc)) from exc
        return {"sweep": schema.SweepNode(self._server, sweep), "configValidationWarnings": warnings}

    def createAgent(self, input: dict[str, Any], **_: Any) -> dict[str, Any]:
        entity = input.get("entityName") or self._server.entity
        sweep = self._storage.sweep(entity, input.get("projectName") or "uncategorized", input["sweep"])
        if sweep is None:
            raise MutationError(f"createAgent: sweep {input['sweep']!r} not found in {entity}")
        agent = self._storage.add_agent(sweep, input.get("host") or "")
        return {"agent": {"id": agent.id, "name": agent.id}}

    def agentHeartbeat(self, input: dict[str, Any], **_: Any) -> dict[str, Any]:
        agent = self._storage.agents.get(input["id"])
        if agent is None:
            raise MutationError(f"agentHeartbeat: unknown agent {input['id']!r}")
        commands = sweep_controller.heartbeat(self._server, agent, _json(input.get("runState")) or {})
        return {"agent": {"id": agent.id}, "commands": json.dumps(commands)}


def _apply_run_fields(run: Run, fields: dict[str, Any]) -> None:
    simple = {
        "displayName": "display_name",
        "groupName": "group",
        "jobType": "job_type",
        "notes": "notes",
        "host": "host",
        "jobProgram": "program",
        "commit": "commit",
        "sweep": "sweep_name",
    }
    for key, attr in simple.items():
        if fields.get(key) is not None:
            setattr(run, attr, fields[key])
    if fields.get("tags") is not None:
        run.tags = list(fields["tags"])
    if fields.get("config") is not None:
        run.config = _json(fields["config"])
    if fields.get("summaryMetrics") is not None:
        run.summary = _json(fields["summaryMetrics"])
    if fields.get("state") is not None:
        run.state = fields["state"]
