"""README command one: the quickstart runs offline into ./wandb/ and W&B records what it says.

Command one leaves ./wandb/ in the checkout, and command two (the tests) runs right after it,
in CI too: no test process may depend on what its working directory holds.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from example_scripts import run_example

from flyteplugins.wandb_artifacts.records import iter_local_runs, read_run

ROOT = Path(__file__).resolve().parents[2]


def test_quickstart_trains_offline_into_a_shared_and_an_eval_run(tmp_path: Path) -> None:
    stdout = run_example("quickstart.py", tmp_path)
    assert "Trained 5 epochs" in stdout
    # The README: offline runs land in ./wandb/, to upload later with `wandb sync`.
    wandb_dir = tmp_path / "wandb"
    assert f"wandb sync {wandb_dir}/offline-run-*" in stdout

    runs = {run_id: read_run(run_id, wandb_dir) for run_id, _ in iter_local_runs(wandb_dir)}
    assert len(runs) == 2
    assert len(list(wandb_dir.glob("offline-run-*"))) == 2
    training = next(r for r in runs.values() if any("train/loss" in row for row in r.history))
    evaluation = next(r for r in runs.values() if r is not training)
    assert [row["epoch"] for row in training.history if "epoch" in row] == [0, 1, 2, 3, 4]
    losses = [row["train/loss"] for row in training.history if "train/loss" in row]
    assert losses[-1] < losses[0]
    assert training.exit_code == 0 and evaluation.exit_code == 0
    assert [set(row) - {"_step"} for row in evaluation.history] == [{"eval/loss", "eval/accuracy"}]
    assert 0.5 < training.summary["eval_accuracy"] <= 1.0


def _readme_commands() -> list[str]:
    section = (ROOT / "README.md").read_text().split("## Try it", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "README: the Try it section has a bash block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_ci_runs_the_readme_commands_in_the_readme_order() -> None:
    commands = _readme_commands()
    assert len(commands) == 2 and commands[0].endswith("examples/quickstart.py"), commands
    ci = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()]
    assert all(command in ci for command in commands), f".ci/run must run the README's commands: {commands}"
    assert [ci.index(command) for command in commands] == sorted(ci.index(command) for command in commands)


_SPAWNERS = {
    "subprocess": {"run", "Popen", "call", "check_call", "check_output"},
    "asyncio": {"create_subprocess_exec", "create_subprocess_shell"},
}
# Still inheriting the working directory, and their owners' to change: each needs a temporary
# directory passed in (tmp_path) for its `cwd=`.
_NOT_YET = {
    "tests/artifacts/test_staging.py",
}


def test_every_process_a_test_starts_gets_its_own_working_directory() -> None:
    inherits = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name in _NOT_YET:
            continue
        for node in ast.walk(ast.parse(path.read_text(), name)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.attr in _SPAWNERS.get(node.func.value.id, ())
                and not any(keyword.arg == "cwd" for keyword in node.keywords)
            ):
                inherits.append(f"{name}:{node.lineno}")
    assert inherits == [], (
        "these start a process in the working directory pytest runs in (the checkout, which holds "
        f"./wandb/ after the README's first command); pass cwd=tmp_path: {inherits}"
    )
