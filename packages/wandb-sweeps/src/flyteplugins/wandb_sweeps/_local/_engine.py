"""The official W&B sweep engine (the ``sweeps`` package), run locally.

It validates sweep configurations with W&B's own schema and chooses each trial's parameters
from the trials so far (grid, random, bayes), the way W&B's server-side controller does.
"""

from __future__ import annotations

import warnings
from types import ModuleType
from typing import Any

from ._store import CRASHED, FAILED, FINISHED, RUNNING, Trial

# Keys W&B's server accepts that the engine's schema does not know; handled by our agent.
SERVER_ONLY_KEYS = ("run_cap",)

_STATES = {RUNNING: "running", FINISHED: "finished", FAILED: "failed", CRASHED: "crashed"}


def load_engine() -> ModuleType:
    """The engine, fully imported: ``next_run`` imports its search code (scipy, scikit-learn:
    seconds) on first use, and an agent must not pay that while it holds the sweep lock."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the engine's pydantic v1-style config warns on import
            import sweeps
            import sweeps.bayes_search
            import sweeps.grid_search
            import sweeps.random_search
    except ImportError as exc:
        raise RuntimeError(
            "Offline sweeps run W&B's sweep engine locally, which is not installed "
            f"({exc}). Install it with: pip install 'flyteplugins-wandb-sweeps[local]' "
            "(or run online: unset WANDB_MODE=offline / wandb_config(mode=...))."
        ) from None
    return sweeps


def validate_config(config: dict[str, Any]) -> dict[str, Any]:
    """The engine's filled-in copy of ``config``; ``ValueError`` with the engine's messages."""
    engine = load_engine()
    try:
        violations = engine.schema_violations_from_proposed_config(config)
    except ValueError as exc:
        violations = [str(exc)]
    if violations:
        raise ValueError(_invalid(config, list(dict.fromkeys(violations))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        filled = dict(engine.SweepConfig(config))
        try:
            # Method-level rules (grid needs discrete values, bayes needs a metric) only surface
            # when the engine is asked for a run; ask once now so the task that creates the
            # sweep fails, not every agent later.
            engine.next_run(filled, [], validate=False)
        except ValueError as exc:
            raise ValueError(_invalid(config, [str(exc)])) from None
    return to_plain(filled)


def next_params(config: dict[str, Any], trials: list[Trial]) -> dict[str, Any] | None:
    """The next trial's parameters (engine format), or ``None`` when the grid is exhausted."""
    engine = load_engine()
    metric = (config.get("metric") or {}).get("name")
    runs = [_sweep_run(engine, t, metric) for t in trials]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the GP fit warns about convergence on tiny samples
        suggestion = engine.next_run(config, runs, validate=False)
    if suggestion is None:
        return None
    return to_plain(dict(suggestion.config))


def _sweep_run(engine: ModuleType, trial: Trial, metric: str | None) -> Any:
    summary: dict[str, Any] = {}
    history: list[dict[str, Any]] = []
    if metric is not None:
        if trial.summary_metric is not None:
            summary[metric] = trial.summary_metric
        history = [{metric: v} for v in trial.metric_history]
    return engine.SweepRun(
        name=trial.run_id,
        state=_STATES[trial.state],
        config=trial.params,
        summaryMetrics=summary,
        sampledHistory=history,
    )


def to_plain(value: Any) -> Any:
    """Numpy scalars and tuples from the engine as plain JSON values."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        return item()
    return value


def _invalid(config: dict[str, Any], messages: list[str]) -> str:
    details = "\n  - ".join(messages)
    return (
        f"Invalid sweep configuration (W&B sweep engine):\n  - {details}\n"
        f"Configuration: {config!r}\n"
        "Fix it in wandb_sweep_config(method=..., metric=..., parameters=...); see "
        "https://docs.wandb.ai/guides/sweeps/define-sweep-configuration"
    )
