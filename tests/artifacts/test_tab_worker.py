"""The run tab rendered in a helper process at the lowest CPU priority, and in-process when the
helper is gone: the same page either way, read from a real offline run's record log."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest

from flyteplugins.wandb_artifacts import records
from flyteplugins.wandb_artifacts.internal import RunView, RunViewProcess

REQUEST = {
    "links": [["W&B run", "https://wandb.example/e/p/runs/r"]],
    "updated": "now",
    "wait_for_end_s": 5.0,
}


def test_the_helper_renders_the_page_the_view_renders_here(wandb_offline: Path, art) -> None:
    logged = art.log_run("tab-worker", [{"loss": 1.0 / (i + 1), "acc": i / 50} for i in range(50)])
    log = records.record_log_path(logged.run_dir)
    helper = RunViewProcess(log)
    try:
        page = helper.render(**REQUEST)
    finally:
        helper.close()
    assert page == RunView(log).render(**REQUEST)
    assert "loss: line chart of 50 points" in page and "finished (exit code 0)" in page


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the priority of another process")
def test_the_helper_runs_at_the_lowest_priority(wandb_offline: Path, art) -> None:
    logged = art.log_run("tab-nice", [{"x": 1.0}])
    helper = RunViewProcess(records.record_log_path(logged.run_dir))
    try:
        helper.render(**REQUEST)  # answered: the helper has set its priority by now
        assert helper._proc is not None
        assert os.getpriority(os.PRIO_PROCESS, helper._proc.pid) == 19
    finally:
        helper.close()


def test_a_dead_helper_is_replaced_by_rendering_here(
    wandb_offline: Path, art, caplog: pytest.LogCaptureFixture
) -> None:
    logged = art.log_run("tab-dead", [{"x": float(i)} for i in range(10)])
    log = records.record_log_path(logged.run_dir)
    helper = RunViewProcess(log)
    assert helper._proc is not None
    helper._proc.kill()
    helper._proc.wait()
    with caplog.at_level(logging.WARNING):
        page = helper.render(**REQUEST)
    helper.close()
    assert "x: line chart of 10 points" in page
    assert "helper process stopped" in caplog.text
