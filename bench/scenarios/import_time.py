"""Scenario 1: extra import time of the UI-only link package over ``import flyte``.

Run in a fresh interpreter: ``python import_time.py MODULE`` prints JSON.
Ours imports ``flyteplugins.wandb_links``; the reference can only import its whole plugin.
"""

from __future__ import annotations

import importlib
import json
import sys
import time


def main(module: str) -> None:
    t0 = time.perf_counter()
    import flyte  # noqa: F401

    t1 = time.perf_counter()
    importlib.import_module(module)
    t2 = time.perf_counter()
    print(
        json.dumps(
            {
                "flyte_s": t1 - t0,
                "extra_s": t2 - t1,
                "wandb_imported": "wandb" in sys.modules,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
