"""Benchmarks against the reference plugin, both measured in the same run.

    uv run python bench/run.py [--repeats 5] [--only 1,2] [--quick]

Prints one table (scenario, reference, ours, ratio; min and median over repeats) and writes
it to ``bench/results.md`` with the date and machine facts. See bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import envs
import report
from harness import Row
from scenario_defs import SCENARIOS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated scenario numbers")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (harness check, not a measurement)")
    parser.add_argument("--ours-only", action="store_true", help="skip the reference (harness self-test)")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results.md"))
    args = parser.parse_args(argv)

    wanted = {int(x) for x in args.only.split(",") if x.strip()}
    if args.ours_only:  # the harness self-test: no environments to build
        pythons = envs.Pythons(reference=envs.workspace(), ours=envs.workspace())
    else:
        pythons = envs.Pythons(reference=envs.reference(), ours=envs.ours())
    rows: list[Row] = []
    for number, scenario in SCENARIOS.items():
        if wanted and number not in wanted:
            continue
        run: Callable[..., Row] = scenario
        row = run(py=pythons, repeats=args.repeats, quick=args.quick)
        rows.append(row)
        print(report.format_row(number, row), flush=True)
    table = report.table(rows, list(n for n in SCENARIOS if not wanted or n in wanted))
    print()
    print(table)
    if not args.quick and not args.ours_only:
        Path(args.out).write_text(report.results_markdown(table, args.repeats))
        print(f"\nwritten to {args.out}")
    return 0 if all(r.met for r in rows) or args.quick else 1


if __name__ == "__main__":
    raise SystemExit(main())
