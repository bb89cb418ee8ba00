"""The "Weights & Biases" tab of a ``@wandb_sweep`` task's Flyte report: the sweep's link, its
leaderboard (best first) and its metric by trial with the best so far, kept current while the
agents run."""

from __future__ import annotations

from datetime import datetime, timezone

from flyteplugins.wandb_artifacts.internal import TabRefresher, TrialRow, sweep_tab_html
from flyteplugins.wandb_context.internal import current_custom_context

from ._mode import is_offline
from ._results import trials_in_start_order


def _sweep_url(project: str | None, entity: str | None) -> str | None:
    """The URL the task's sweep link shows; an offline sweep has none."""
    if is_offline():
        return None
    from flyteplugins.wandb_links import WandbSweep

    blank = dict.fromkeys(
        ("run_name", "project", "domain", "parent_action_name", "action_name", "pod_name"), ""
    )
    return WandbSweep(project=project, entity=entity).get_link(context=current_custom_context(), **blank)


def start_sweep_tab(
    sweep_id: str, project: str | None, entity: str | None, interval_s: float
) -> TabRefresher:
    """The sweep's tab in the current task's report, rendered now and kept current."""
    url = _sweep_url(project, entity)

    def render(final: bool) -> str:
        results, goal = trials_in_start_order(sweep_id, project, entity)
        trials = [TrialRow(run_id=r.run_id, state=r.state, params=r.params, metric=r.metric) for r in results]
        metric = next((r.metric_name for r in results if r.metric_name), None)
        return sweep_tab_html(
            sweep_id=sweep_id,
            sweep_url=url,
            metric=metric,
            goal=goal,
            trials=trials,
            updated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        )

    refresher = TabRefresher(render, interval_s)
    refresher.start()
    return refresher
