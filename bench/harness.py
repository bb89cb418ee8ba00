"""Running a scenario script under an interpreter and summarising repeated measurements."""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCENARIOS = Path(__file__).resolve().parent / "scenarios"


def run_script(
    python: str, script: str, *args: str, env: dict[str, str] | None = None, timeout: float = 1800
) -> dict:
    """Run ``scenarios/<script>`` in a fresh interpreter; it prints one JSON object last."""
    proc = subprocess.run(
        [python, str(SCENARIOS / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{script} {' '.join(args)} failed under {python}:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


@dataclass
class Measured:
    values: list[float]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> float:
        return min(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)


def alternate(
    times: int, first: Callable[[], dict], second: Callable[[], dict], key: str
) -> tuple[Measured, Measured]:
    """``first`` and ``second`` measured in turn, ``times`` each: a change in the machine's
    load during the scenario then falls on both sides rather than on whichever ran last."""
    a, b = [], []
    for _ in range(times):
        a.append(first())
        b.append(second())
    return Measured([r[key] for r in a], extra=a[-1]), Measured([r[key] for r in b], extra=b[-1])


@dataclass
class Row:
    scenario: str
    unit: str
    reference: Measured | None  # None: a figure of ours alone, nothing to compare with
    ours: Measured
    target: str
    met: bool
    note: str = ""
    on_median: bool = False  # for overheads: a difference of two timings, whose min is biased
    sides: tuple[str, str] = ("reference", "ours")
    """What the two figures are: ours-only rows compare two settings of ours (``report off`` and
    ``report on``) in the reference and ours columns."""

    def ratio(self) -> float:
        """reference / ours on the min (the median if ``on_median``): > 1 means ours is better;
        NaN without a reference figure."""
        if self.reference is None:
            return math.nan
        return ratio(self.reference, self.ours, self.on_median)


def ratio(reference: Measured, ours: Measured, on_median: bool = False) -> float:
    ref, our = (reference.median, ours.median) if on_median else (reference.best, ours.best)
    return ref / our if our > 0 else float("inf")
