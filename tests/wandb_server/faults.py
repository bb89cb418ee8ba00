"""Per-test fault injection: latency, 5xx answers, dropped connections, rejected auth.

Faults hit *reads* (GraphQL queries other than the handful ``wandb.init`` itself sends, and
file downloads) so that seeding a run stays reliable; ``include_writes=True`` extends them
to everything (mutations, file stream, uploads, init's own queries).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    PASS = "pass"
    ERROR = "error"  # answer HTTP 500 or 503
    DROP = "drop"  # close the connection without any response
    UNAUTHORIZED = "unauthorized"


@dataclass
class Faults:
    latency_s: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    reject_auth: bool = False
    include_writes: bool = False
    seed: int | None = None
    injected: list[tuple[str, str]] = field(default_factory=list)
    _rng: random.Random | None = field(default=None, repr=False)
    _rng_seed: int | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reset(self) -> None:
        self.latency_s = self.error_rate = self.drop_rate = 0.0
        self.reject_auth = self.include_writes = False
        self.seed = None
        self.injected.clear()

    def _random(self) -> float:
        # Re-seed whenever the test changes ``seed`` so the same seed replays the same faults.
        if self._rng is None or self._rng_seed != self.seed:
            self._rng = random.Random(self.seed)
            self._rng_seed = self.seed
        return self._rng.random()

    def decide(self, what: str, *, is_write: bool) -> Verdict:
        """The fate of one request; ``what`` names it in ``injected`` for assertions."""
        if self.reject_auth:
            return self._record(what, Verdict.UNAUTHORIZED)
        if is_write and not self.include_writes:
            return Verdict.PASS
        with self._lock:
            draw = self._random() if (self.error_rate or self.drop_rate) else 1.0
        if draw < self.drop_rate:
            return self._record(what, Verdict.DROP)
        if draw < self.drop_rate + self.error_rate:
            return self._record(what, Verdict.ERROR)
        return Verdict.PASS

    def error_status(self) -> int:
        with self._lock:
            return 503 if self._random() < 0.5 else 500

    def _record(self, what: str, verdict: Verdict) -> Verdict:
        with self._lock:
            self.injected.append((what, verdict.value))
        return verdict
