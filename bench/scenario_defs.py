"""Each scenario: run its script under both interpreters, compare with its target."""

from __future__ import annotations

import envs
from harness import Measured, Row, repeat, run_script


def _both(
    reference_python: str, repeats: int, script: str, ref_args: list[str], our_args: list[str], key: str
):
    ref = repeat(repeats, lambda: run_script(reference_python, script, *ref_args), key)
    ours = repeat(repeats, lambda: run_script(envs.ours(), script, *our_args), key)
    return ref, ours


def _ratio(ref: Measured, ours: Measured) -> float:
    return ref.best / ours.best if ours.best else float("inf")


def import_time(reference_python: str, repeats: int, quick: bool) -> Row:
    ref, ours = _both(
        reference_python,
        repeats,
        "import_time.py",
        ["flyteplugins.wandb"],
        ["flyteplugins.wandb_links"],
        "extra_s",
    )
    note = f"loads wandb: reference {ref.extra['wandb_imported']}, ours {ours.extra['wandb_imported']}"
    scenario = "UI-only import (extra over `import flyte`)"
    return Row(scenario, "s", ref, ours, ">= 50x less", _ratio(ref, ours) >= 50, note)


def link_render(reference_python: str, repeats: int, quick: bool) -> Row:
    calls = "2000" if quick else "200000"
    ref, ours = _both(
        reference_python,
        repeats,
        "link_render.py",
        ["flyteplugins.wandb", calls],
        ["flyteplugins.wandb_links", calls],
        "per_call_s",
    )
    note = f"{ours.extra['cases']} link/context cases; ours percent-encodes"
    scenario = "link rendering (per get_link call)"
    return Row(scenario, "s", ref, ours, "no slower", _ratio(ref, ours) >= 1.0, note)


def run_reuse(reference_python: str, repeats: int, quick: bool) -> Row:
    n = "3" if quick else "50"
    ref, ours = _both(reference_python, repeats, "run_overhead.py", ["reuse", n], ["reuse", n], "per_child_s")
    scenario = f"run reuse overhead (per child, {n} children, auto mode)"
    note = "offline W&B, local Flyte run, minus undecorated children"
    return Row(scenario, "s", ref, ours, ">= 5x less", _ratio(ref, ours) >= 5, note)


def run_new(reference_python: str, repeats: int, quick: bool) -> Row:
    n = "2" if quick else "20"
    ref, ours = _both(reference_python, repeats, "run_overhead.py", ["new", n], ["new", n], "per_child_s")
    scenario = f"new-run overhead (per child, {n} children, run_mode=new)"
    note = "offline W&B, local Flyte run, minus undecorated children"
    return Row(scenario, "s", ref, ours, "no slower", _ratio(ref, ours) >= 1.0, note)


SCENARIOS = {
    1: import_time,
    2: link_render,
    3: run_reuse,
    4: run_new,
}
