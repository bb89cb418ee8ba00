"""After ``flyte wandb sync``: the inputs that offline runs listed become uses of artifacts.

An offline ``@wandb_init`` task cannot record the artifacts it used (the SDK refuses
``use_artifact`` offline), so it lists its Flyte ``File``/``Dir`` inputs in its config under
``flyte_inputs`` (``{task, input, uri, artifact}``). Once the runs are on the server, each listed
``artifact`` that a run logged becomes a use of its ``latest`` version, through the public API
(``Run.use_artifact``). Producers and consumers synced together are all uploaded first, so the
order of the runs does not matter; a run synced again records nothing twice on W&B.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flyteplugins.wandb_context.internal import keys


def record_inputs_used(api: Any, runs: Iterable[tuple[str, str, str]], say: Callable[[str], None]) -> int:
    """For each ``(entity, project, run id)``: record the artifacts its ``flyte_inputs`` name as
    used. Returns how many uses were recorded; a name no run logged is left alone, and a failure
    is reported through ``say``, never raised (the runs themselves are synced already)."""
    recorded = 0
    for entity, project, run_id in runs:
        try:
            recorded += _record_run(api, entity, project, run_id, say)
        except Exception as exc:
            say(f"{run_id}: could not record its Flyte inputs as used artifacts: {type(exc).__name__}: {exc}")
    return recorded


def _record_run(api: Any, entity: str, project: str, run_id: str, say: Callable[[str], None]) -> int:
    from wandb.errors import CommError

    run = api.run(f"{entity}/{project}/{run_id}")
    listed = _listed(run.config.get(keys.INPUTS_CONFIG_KEY))
    recorded = 0
    for name in listed:
        try:
            artifact = api.artifact(f"{entity}/{project}/{name}:latest")
        except CommError:
            continue  # an input no task logged
        producer = artifact.logged_by()
        if producer is not None and producer.id == run_id:
            continue  # a run sharing its parent's run consumed that run's own output
        run.use_artifact(artifact)
        recorded += 1
        say(f"{run_id}: used {name}:{artifact.version}")
    return recorded


def _listed(value: Any) -> list[str]:
    """The artifact names of a ``flyte_inputs`` list, each once, in order."""
    if not isinstance(value, list):
        return []
    names = [e.get("artifact") for e in value if isinstance(e, dict)]
    return list(dict.fromkeys(n for n in names if isinstance(n, str) and n))
