"""Each scenario: run its script under both interpreters, compare with its target."""

from __future__ import annotations

from harness import Row, repeat, run_script


def import_time(reference_python: str, repeats: int, quick: bool) -> Row:
    ref = repeat(repeats, lambda: run_script(reference_python, "import_time.py", "flyteplugins.wandb"), "extra_s")
    ours = repeat(repeats, lambda: run_script(_ours(), "import_time.py", "flyteplugins.wandb_links"), "extra_s")
    note = f"reference loads wandb: {ref.extra['wandb_imported']}, ours: {ours.extra['wandb_imported']}"
    return Row("UI-only import (extra over `import flyte`)", "s", ref, ours, ">= 50x less", _ratio(ref, ours) >= 50, note)


def link_render(reference_python: str, repeats: int, quick: bool) -> Row:
    calls = "2000" if quick else "200000"
    ref = repeat(repeats, lambda: run_script(reference_python, "link_render.py", "flyteplugins.wandb", calls), "per_call_s")
    ours = repeat(repeats, lambda: run_script(_ours(), "link_render.py", "flyteplugins.wandb_links", calls), "per_call_s")
    return Row(
        "link rendering (per get_link call)", "s", ref, ours, "no slower", _ratio(ref, ours) >= 1.0,
        f"{ours.extra['cases']} link/context cases; ours percent-encodes",
    )


def run_reuse(reference_python: str, repeats: int, quick: bool) -> Row:
    n = "3" if quick else "50"
    ref = repeat(repeats, lambda: run_script(reference_python, "run_overhead.py", "reuse", n), "per_child_s")
    ours = repeat(repeats, lambda: run_script(_ours(), "run_overhead.py", "reuse", n), "per_child_s")
    return Row(
        f"run reuse overhead (per child, {n} children, auto mode)", "s", ref, ours, ">= 5x less",
        _ratio(ref, ours) >= 5, "offline W&B, local Flyte run, minus undecorated children",
    )


def run_new(reference_python: str, repeats: int, quick: bool) -> Row:
    n = "2" if quick else "20"
    ref = repeat(repeats, lambda: run_script(reference_python, "run_overhead.py", "new", n), "per_child_s")
    ours = repeat(repeats, lambda: run_script(_ours(), "run_overhead.py", "new", n), "per_child_s")
    return Row(
        f"new-run overhead (per child, {n} children, run_mode=new)", "s", ref, ours, "no slower",
        _ratio(ref, ours) >= 1.0, "offline W&B, local Flyte run, minus undecorated children",
    )


def _ours() -> str:
    import envs

    return envs.ours()


def _ratio(ref, ours) -> float:
    return ref.best / ours.best if ours.best else float("inf")


SCENARIOS = {
    1: import_time,
    2: link_render,
    3: run_reuse,
    4: run_new,
}
