"""The "Weights & Biases" tab of a task's Flyte report, written by real local Flyte runs of
offline W&B runs and read back from the report file Flyte writes (``<output_path>/report.html``)."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import flyte
import pytest
import wandb
from runs_support import run_local

from flyteplugins.wandb_artifacts.internal import TabRefresher
from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_runs import get_wandb_run, wandb_init

env = flyte.TaskEnvironment("runs_report_tab")
STEPS = 5000
CHART = re.compile(r'<svg [^>]*class="chart"[^>]*aria-label="([^"]*)"')
SUMMARY = re.compile(
    r"^(?P<name>.+): line chart of (?P<points>\d+) points?, "
    r"step \S+ to (?P<last_step>\S+), last (?P<last>\S+),"
)
TAB = "Weights &amp; Biases"


def report_of(output_path: str) -> str:
    return (Path(output_path) / "report.html").read_text()


def charts(page: str) -> dict[str, dict[str, str]]:
    """Every chart of the page by title: points drawn, last step and last value (its label)."""
    found = {}
    for label in CHART.findall(page):
        match = SUMMARY.match(html.unescape(label))
        assert match, label
        found[match["name"]] = match.groupdict()
    return found


@wandb_init(report=True)
@env.task
async def train(steps: int) -> str:
    run = get_wandb_run()
    assert run is not None
    for i in range(steps):
        run.log({"train/loss": 1 / (i + 1), "train/acc": i / steps, "val/loss": 2 / (i + 1)})
    run.log({"samples": wandb.Table(columns=["a"], data=[[1]])})
    run.summary["best_acc"] = 0.5
    return flyte.ctx().output_path  # type: ignore[union-attr]


def test_the_tab_holds_a_downsampled_chart_per_metric_ending_at_the_logged_value(offline: Path) -> None:
    page = report_of(run_local(train, STEPS, custom_context=dict(wandb_config(project="report"))))

    assert f">{TAB}<" in page  # Flyte's tab bar
    found = charts(page)
    assert set(found) == {"train/loss", "train/acc", "val/loss"}
    for chart in found.values():
        assert 250 <= int(chart["points"]) <= 1000  # downsampled from 5,000
        assert chart["last_step"] == str(STEPS - 1)
    assert found["train/loss"]["last"] == "0.0002"  # 1 / 5000
    assert found["val/loss"]["last"] == "0.0004"
    assert found["train/acc"]["last"] == "0.9998"
    assert "finished (exit code 0)" in page
    assert "samples" in page  # the table is listed by name, not drawn
    assert "best_acc" in page and "flyte.action_name" in page  # summary and config tables


@wandb_init(report=True, report_interval=0.2)
@env.task
async def watch_own_report() -> bool:
    """Logs, then waits (bounded) until its own report file shows every row, live.

    100 rows are far less than the 32 KiB block W&B buffers its record log in: they reach the
    log only because a run with a tab has it written every ``report_interval`` seconds."""
    run = get_wandb_run()
    assert run is not None
    for i in range(100):
        run.log({"loss": float(i)})
    report = Path(flyte.ctx().output_path) / "report.html"  # type: ignore[union-attr]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = report.read_text() if report.exists() else ""
        chart = charts(page).get("loss")
        if chart and chart["points"] == "100" and chart["last"] == "99" and ">running<" in page:
            return True
        time.sleep(0.1)
    return False


def test_a_running_task_shows_its_live_curves_before_it_ends(offline: Path) -> None:
    assert run_local(watch_own_report, custom_context=dict(wandb_config(project="report")))


def wait_for_charts(names: set[str], timeout: float = 60) -> str:
    """This task's report page once it charts ``names`` (bounded wait)."""
    report = Path(flyte.ctx().output_path) / "report.html"  # type: ignore[union-attr]
    deadline = time.monotonic() + timeout
    page = ""
    while time.monotonic() < deadline:
        page = report.read_text() if report.exists() else ""
        if names <= set(charts(page)):
            break
        time.sleep(0.1)
    return page


@wandb_init(report=True)
@env.task
async def shared_child() -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"child_metric": 1.0})
    return wait_for_charts({"parent_metric", "child_metric"})


@wandb_init(report=True)
@env.task
async def parent_with_shared_child() -> list[str]:
    run = get_wandb_run()
    assert run is not None
    run.log({"parent_metric": 1.0})
    return [run.id, await shared_child()]


def test_a_child_sharing_its_parents_run_shows_that_run_and_says_so(offline: Path) -> None:
    context = dict(wandb_config(project="report", report_interval=0.2))
    run_id, page = run_local(parent_with_shared_child, custom_context=context)
    assert "shares its parent" in page and run_id in page
    assert {"parent_metric", "child_metric"} <= set(charts(page))


@wandb_init(report=False)
@env.task(report=True)
async def opted_out() -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"loss": 1.0})
    await flyte.report.log.aio("<p>the task's own report</p>")
    return flyte.ctx().output_path  # type: ignore[union-attr]


@wandb_init
@env.task(report=True)
async def task_with_reports() -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"loss": 1.0})
    return flyte.ctx().output_path  # type: ignore[union-attr]


@wandb_init
@env.task
async def task_without_reports() -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"loss": 1.0})
    return flyte.ctx().output_path  # type: ignore[union-attr]


def test_report_false_leaves_the_tab_out_of_a_task_with_reports(offline: Path) -> None:
    page = report_of(run_local(opted_out, custom_context=dict(wandb_config(project="report"))))
    assert "the task's own report" in page
    assert TAB not in page and not charts(page)


def test_a_task_with_reports_gets_the_tab_by_default(offline: Path) -> None:
    page = report_of(run_local(task_with_reports, custom_context=dict(wandb_config(project="report"))))
    assert set(charts(page)) == {"loss"}


def test_wandb_config_report_true_adds_the_tab_and_false_removes_it(offline: Path) -> None:
    output = run_local(task_without_reports, custom_context=dict(wandb_config(project="report", report=True)))
    assert set(charts(report_of(output))) == {"loss"}
    output = run_local(task_with_reports, custom_context=dict(wandb_config(project="report", report=False)))
    assert not (Path(output) / "report.html").exists()


def test_report_true_on_the_decorator_turns_the_tasks_report_on() -> None:
    assert train.report is True
    assert task_without_reports.report is False


@env.task
async def refresher_that_fails() -> tuple[int, str]:
    def render(final: bool) -> str:
        raise RuntimeError("render broke")

    refresher = TabRefresher(render, interval_s=0.05)
    refresher.start()
    refresher.close()
    return refresher.renders, "trained"


def test_a_failing_render_never_fails_the_task(caplog: pytest.LogCaptureFixture) -> None:
    flyte.init()
    renders, result = flyte.with_runcontext(mode="local").run(refresher_that_fails).outputs()
    assert (renders, result) == (0, "trained")
    assert "Could not update the 'Weights & Biases' tab" in caplog.text


def test_a_refresher_outside_a_task_does_nothing() -> None:
    refresher = TabRefresher(lambda final: "<p>x</p>", interval_s=0.05)
    refresher.start()
    refresher.close()
    assert refresher.renders == 0
