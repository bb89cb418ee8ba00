"""The HTML of the "Weights & Biases" tab: a run's tab (:func:`run_tab_html`) and a sweep's
(:func:`sweep_tab_html`). Each is a fragment (Flyte wraps it in its report page): one scoped
stylesheet, inline SVG charts, no script, nothing loaded from anywhere."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeGuard

from .markup import esc, flatten, fragment, inline_code, key_value_table, link, shorten, table, value_html
from .svg import hover_number, line_chart

if TYPE_CHECKING:
    from .series import Series
    from .state import LiveRun

GROUP_ABOVE = 8
"""With one metric prefix (or none), charts get group headings only above this many metrics."""
MAX_CHARTS = 40
"""Charts per tab (about 17 KiB each); further metrics are listed with their last value."""
GOALS = ("minimize", "maximize")
_STATES = frozenset({"running", "finished", "failed", "crashed"})
_NO_PREFIX = "Charts"


@dataclass(frozen=True)
class TrialRow:
    """One trial of a sweep as its leaderboard shows it."""

    run_id: str
    state: str
    params: dict[str, Any] = field(default_factory=dict)
    metric: float | None = None


def run_tab_html(
    run: LiveRun,
    *,
    links: Sequence[tuple[str, str]] = (),
    shared_with_parent: str | None = None,
    note: str | None = None,
    updated: str | None = None,
    refresh_s: float | None = None,
) -> str:
    """The tab of one W&B run: its links, state, summary, config, a chart per numeric metric
    (grouped by ``train/``-style prefix when there are several prefixes or many metrics) and
    its media keys. ``shared_with_parent`` is the run id when this task logs to its parent's run;
    ``note`` is shown as is (`backticks` become code); ``updated`` and ``refresh_s`` make the
    footer ("updated <time>, refreshes every N s while the task runs").

    Raises:
        ValueError: a link that is not a ``(label, url)`` pair, or ``refresh_s`` not > 0.
    """
    _check_links(links)
    _check_refresh(refresh_s)
    parts = [_run_heading(run), _links(links), _state_line(run)]
    if shared_with_parent:
        parts.append(
            f'<p class="note">This task shares its parent\'s run <code>{esc(shared_with_parent)}</code>.</p>'
        )
    if note:
        parts.append(f'<p class="note">{inline_code(note)}</p>')
    parts.append(_details("Summary", _visible(run.summary)))
    parts.append(_metrics(run.metrics))
    parts.append(_details("Config", _config_pairs(run.config)))
    if run.media:
        rows = [(f"<code>{esc(shorten(k))}</code>", esc(shorten(v))) for k, v in run.media.items()]
        parts.append("<h3>Logged values not charted</h3>" + table(("key", "kind"), rows))
    parts.append(_footer(updated, refresh_s))
    return fragment("".join(parts))


def sweep_tab_html(
    *,
    sweep_id: str,
    sweep_url: str | None,
    metric: str | None,
    goal: str | None,
    trials: Sequence[TrialRow],
    updated: str | None = None,
) -> str:
    """The tab of one W&B sweep: its link, a leaderboard of ``trials`` (given in the order they
    started; ranked best first by ``goal``, ``"minimize"`` when ``None``; trials without a metric
    last) and a chart of the metric by trial number with the best so far.

    Raises:
        ValueError: ``goal`` is neither ``"minimize"`` nor ``"maximize"``.
    """
    if goal is not None and goal not in GOALS:
        raise ValueError(f"sweep_tab_html(goal={goal!r}): use 'minimize', 'maximize' or None (minimize).")
    maximize = goal == "maximize"
    name = metric or "metric"
    parts = [f"<h2>W&amp;B sweep <code>{esc(sweep_id)}</code></h2>"]
    parts.append(f"<p>{link('W&B sweep', sweep_url)}</p>" if sweep_url else _offline_sweep())
    counts: dict[str, int] = {}
    for trial in trials:
        counts[trial.state] = counts.get(trial.state, 0) + 1
    states = ", ".join(f"{n} {esc(s)}" for s, n in counts.items())
    parts.append(
        f"<p><b>{esc(name)}</b> ({'maximize' if maximize else 'minimize'}), "
        f"{len(trials)} trial{'' if len(trials) == 1 else 's'}{': ' + states if states else ''}</p>"
    )
    scored = [(float(i), t.metric) for i, t in enumerate(trials, 1) if _finite(t.metric)]
    if scored:
        best: list[tuple[float, float]] = []
        for number, value in scored:
            top = value if not best else (max if maximize else min)(best[-1][1], value)
            best.append((number, top))
        parts.append(
            '<div class="charts"><figure>'
            + line_chart(f"{name} by trial", scored, step_line=best, markers=True, x_label="trial")
            + "</figure></div>"
        )
    parts.append("<h3>Leaderboard</h3>" + _leaderboard(trials, name, maximize))
    parts.append(_footer(updated, None))
    return fragment("".join(parts))


def _run_heading(run: LiveRun) -> str:
    title = f"W&amp;B run <code>{esc(run.run_id)}</code>"
    if run.name and run.name != run.run_id:
        title = f'{esc(run.name)} <span class="mu">({title})</span>'
    facts = [
        f"{label} <b>{esc(shorten(value))}</b>"
        for label, value in (
            ("project", run.project),
            ("entity", run.entity),
            ("group", run.group),
            ("job type", run.job_type),
        )
        if value
    ]
    if run.tags:
        facts.append("tags " + ", ".join(f"<code>{esc(shorten(t, 80))}</code>" for t in run.tags))
    return f"<h2>{title}</h2>" + (f'<p class="mu">{" &middot; ".join(facts)}</p>' if facts else "")


def _links(links: Sequence[tuple[str, str]]) -> str:
    return f"<p>{' &middot; '.join(link(label, url) for label, url in links)}</p>" if links else ""


def _state_line(run: LiveRun) -> str:
    state = run.state
    css = state if state in _STATES else "other"
    shown = esc(state)
    if run.exit_code is not None and state != "running":
        shown += f" (exit code {esc(run.exit_code)})"
    if run.rows:
        rows = f"{run.rows:,} row{'' if run.rows == 1 else 's'} logged"
        if run.last_step is not None:
            rows += f", last step {run.last_step:,}"
    else:
        rows = "no rows logged yet"
    return f'<p><span class="st {css}">{shown}</span> {rows}</p>'


def _metrics(metrics: dict[str, Series]) -> str:
    logged = [(name, series) for name, series in metrics.items() if series.count or series.skipped]
    if not logged:
        return '<h3>Metrics</h3><p class="mu">No numeric metric logged yet.</p>'
    drawn = dict(logged[:MAX_CHARTS])
    groups: dict[str | None, list[str]] = {}
    for name in drawn:
        prefix = name.split("/", 1)[0] if "/" in name else None
        groups.setdefault(prefix, []).append(name)
    out = ["<h3>Metrics</h3>"]
    headed = len(groups) > 1 or len(drawn) > GROUP_ABOVE
    for prefix, names in groups.items():
        if headed:
            out.append(f"<h4>{esc(prefix if prefix is not None else _NO_PREFIX)}</h4>")
        out.append('<div class="charts">' + "".join(_figure(n, drawn[n]) for n in names) + "</div>")
    if len(logged) > MAX_CHARTS:
        out.append(f"<h4>More metrics (the tab charts the first {MAX_CHARTS})</h4>")
        rows = [
            (f"<code>{esc(shorten(name))}</code>", f"{series.count:,}", _last(series))
            for name, series in logged[MAX_CHARTS:]
        ]
        out.append(table(("metric", "points", "last value"), rows, (False, True, True)))
    return "".join(out)


def _last(series: Series) -> str:
    return esc(hover_number(series.last[1])) if series.last is not None else "&ndash;"


def _figure(name: str, series: Series) -> str:
    points = series.points()
    caption = f"{series.count:,} point{'' if series.count == 1 else 's'}"
    if len(points) < series.count:
        caption += f" ({len(points):,} drawn)"
    if series.last is not None:
        step, value = series.last
        shown_step = f"{int(step):,}" if float(step).is_integer() else hover_number(step)
        caption += f"; last {esc(hover_number(value))} at step {shown_step}"
    if series.skipped:
        caption += f"; {series.skipped:,} non-finite value{'' if series.skipped == 1 else 's'} left out"
    return f"<figure>{line_chart(name, points)}<figcaption>{caption}</figcaption></figure>"


def _visible(values: dict[str, Any]) -> list[tuple[str, Any]]:
    """Flattened pairs, without W&B's own keys (``_step``, ``_runtime``, ``_wandb``, ...)."""
    return list(flatten({k: v for k, v in values.items() if not str(k).startswith("_")}))


def _config_pairs(config: dict[str, Any]) -> list[tuple[str, Any]]:
    """The flattened config, the Flyte origin (key ``flyte``) first."""
    pairs = _visible(config)
    origin = [p for p in pairs if p[0].startswith("flyte.")]
    return origin + [p for p in pairs if not p[0].startswith("flyte.")]


def _details(title: str, pairs: list[tuple[str, Any]]) -> str:
    if not pairs:
        return f'<h3>{title}</h3><p class="mu">Empty.</p>'
    return f"<details open><summary>{title} ({len(pairs):,})</summary>{key_value_table(pairs)}</details>"


def _leaderboard(trials: Sequence[TrialRow], name: str, maximize: bool) -> str:
    if not trials:
        return '<p class="mu">No trial yet.</p>'
    params = [dict(flatten(t.params)) for t in trials]
    columns: dict[str, None] = {}
    for row in params:
        columns.update(dict.fromkeys(row))

    def best_first(i: int) -> tuple[int, float]:
        metric = trials[i].metric
        if not _finite(metric):
            return (1, 0.0)
        return (0, -metric if maximize else metric)

    order = sorted(range(len(trials)), key=best_first)  # stable: ties keep the trial order
    rows = []
    for rank, i in enumerate(order, 1):
        trial = trials[i]
        css = trial.state if trial.state in _STATES else "other"
        has_metric = _finite(trial.metric)
        rows.append(
            [
                str(rank) if has_metric else "&ndash;",
                str(i + 1),
                f"<code>{esc(shorten(trial.run_id, 80))}</code>",
                f'<span class="{css}">{esc(shorten(trial.state, 40))}</span>',
                *(value_html(params[i][c]) if c in params[i] else "" for c in columns),
                value_html(trial.metric) if has_metric else "&ndash;",
            ]
        )
    header = ("rank", "trial", "run", "state", *(shorten(c, 60) for c in columns), name)
    numeric = (True, True, False, False, *(False for _ in columns), True)
    return table(header, rows, numeric)


def _offline_sweep() -> str:
    return '<p class="mu">Offline sweep: no W&amp;B page (its runs sync with <code>wandb sync</code>).</p>'


def _footer(updated: str | None, refresh_s: float | None) -> str:
    if updated is None and refresh_s is None:
        return ""
    said = [f"Updated {esc(updated)}"] if updated else []
    if refresh_s is not None:
        said.append(f"refreshes every {refresh_s:g} s while the task runs")
    text = ", ".join(said)
    text = text[0].upper() + text[1:]
    return f'<p class="mu">{text}.</p>'


def _check_links(links: Sequence[tuple[str, str]]) -> None:
    for item in links:
        if not (isinstance(item, (tuple, list)) and len(item) == 2 and all(isinstance(s, str) for s in item)):
            raise ValueError(f"run_tab_html(links=...): {item!r} is not a (label, url) pair of strings.")


def _check_refresh(refresh_s: float | None) -> None:
    if refresh_s is not None and not (isinstance(refresh_s, (int, float)) and 0 < refresh_s < math.inf):
        raise ValueError(f"run_tab_html(refresh_s={refresh_s!r}): give a number of seconds > 0, or None.")


def _finite(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
