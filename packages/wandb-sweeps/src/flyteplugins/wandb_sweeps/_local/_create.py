"""Creating an offline sweep: validated by the engine, stored on this machine."""

from __future__ import annotations

import warnings
from typing import Any

from ._engine import SERVER_ONLY_KEYS, to_plain, validate_config
from ._store import FAILED, FINISHED, LocalSweep, SweepStore, Trial, default_sweeps_root, new_id
from ._trial import metric_values


def create_local_sweep(
    config: dict[str, Any],
    project: str | None = None,
    entity: str | None = None,
    prior_runs: list[str] | None = None,
) -> str:
    """Create an offline sweep from a W&B sweep configuration and return its id.

    ``prior_runs`` are ids of local runs (offline run directories under the W&B directory)
    whose parameters and metric the engine takes into account, as ``wandb.sweep`` does online.
    """
    engine_config = {k: v for k, v in config.items() if k not in SERVER_ONLY_KEYS}
    run_cap = _run_cap(config.get("run_cap"))
    filled = validate_config(engine_config)
    if "early_terminate" in filled:
        warnings.warn(
            "early_terminate is not applied to offline sweeps: each trial runs to completion "
            "(the W&B server stops runs early for online sweeps).",
            stacklevel=3,
        )
    prior = [_prior_trial(run_id, filled) for run_id in prior_runs or []]
    for _ in range(10):
        sweep_id = new_id()
        store = SweepStore(sweep_id)
        sweep = LocalSweep(
            id=sweep_id,
            name=filled.get("name"),
            project=project,
            entity=entity,
            config=filled,
            run_cap=run_cap,
        )
        try:
            store.create(sweep, prior)
        except FileExistsError:
            continue
        return sweep_id
    raise RuntimeError(f"Could not find an unused sweep id under {str(default_sweeps_root())!r}.")


def _run_cap(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"run_cap must be a positive integer (most runs in the sweep), got {value!r}.")
    return value


def _prior_trial(run_id: str, config: dict[str, Any]) -> Trial:
    from flyteplugins.wandb_artifacts.records import read_run

    try:
        recorded = read_run(run_id)
    except FileNotFoundError as exc:
        raise ValueError(
            f"prior_runs: {exc} Offline sweeps take prior runs from local run directories; "
            "pass ids of offline runs made on this machine."
        ) from None
    names = list(config.get("parameters", {}))
    params = {name: {"value": to_plain(recorded.config[name])} for name in names if name in recorded.config}
    metric = (config.get("metric") or {}).get("name")
    summary, history = metric_values(recorded.summary, recorded.history, metric)
    return Trial(
        run_id=run_id,
        params=params,
        state=FINISHED if recorded.exit_code == 0 else FAILED,
        summary_metric=summary,
        metric_history=history,
        exit_code=recorded.exit_code,
        prior=True,
    )
