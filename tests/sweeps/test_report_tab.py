"""The "Weights & Biases" tab of a ``@wandb_sweep`` task: an offline sweep's leaderboard, best
first, and its metric by trial, read back from the report file of a real local Flyte run."""

from __future__ import annotations

import html
import re
from pathlib import Path

import flyte
import sweep_objectives as obj
import wandb
from sweep_helpers import GRID_3x2, env

from flyteplugins.wandb_context import wandb_config, wandb_sweep_config
from flyteplugins.wandb_sweeps import get_sweep_results, get_wandb_sweep_id, wandb_sweep

ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)


@wandb_sweep(report=True)
@env.task
async def sweep_with_tab() -> list[str]:
    sweep_id = get_wandb_sweep_id()
    assert sweep_id is not None
    wandb.agent(sweep_id, function=obj.quadratic)  # the offline engine runs the whole grid
    return [sweep_id, flyte.ctx().output_path]  # type: ignore[union-attr]


def _text(cell: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()


def test_an_offline_sweep_tab_ranks_its_trials_best_first(local_run, wandb_offline: Path) -> None:
    context = {**wandb_config(project="sweep-tests"), **wandb_sweep_config(**GRID_3x2)}
    sweep_id, output_path = local_run(sweep_with_tab, custom_context=context)
    page = (Path(output_path) / "report.html").read_text()

    rows = [[_text(c) for c in CELL.findall(r)] for r in ROW.findall(page)]
    header = next(r for r in rows if r[:4] == ["rank", "trial", "run", "state"])
    assert header[4:] == ["x", "y", "loss"]
    board = [dict(zip(header, r, strict=True)) for r in rows if len(r) == len(header) and r != header]
    assert [row["rank"] for row in board] == ["1", "2", "3", "4", "5", "6"]
    best = [r.run_id for r in get_sweep_results(sweep_id)]  # the plugin's own ranking
    assert [row["run"] for row in board] == best
    assert (board[0]["x"], board[0]["y"], board[0]["loss"]) == ("2", "0", "0")
    assert {row["state"] for row in board} == {"finished"}
    assert "loss by trial" in page and "best so far" in page
    assert "Offline sweep" in page
