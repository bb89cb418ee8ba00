"""Streaming, bounded-memory downsampling of one metric for a chart.

Up to ``max_points`` points are kept as they are. Past that, points go into buckets of equal
step width, each keeping only its lowest and its highest point, so every spike survives. When
the steps outgrow the buckets, the width doubles and neighbouring buckets merge pairwise: at most
``(max_points - 4) // 2`` buckets ever exist, and merging all of them happens only each time
the step range doubles, so an ``add`` costs O(1) amortised.

Steps that go back (a resumed run logging steps it logged before) are placed in the bucket of
their step, wherever it is, and the charted points stay in ascending step order; nothing else
changes: the bounds hold and the first, last, lowest and highest points are still drawn.
"""

from __future__ import annotations

import bisect
import math
from typing import Any

Point = tuple[float, float]

# A bucket: [index, low step, low value, low seq, high step, high value, high seq]. ``seq`` is
# the arrival number, which orders points of equal step as they were logged.
_IDX, _LO_STEP, _LO_VAL, _LO_SEQ, _HI_STEP, _HI_VAL, _HI_SEQ = range(7)
# first, last, lowest, highest, and two buckets: the fewest that widening can always reach,
# as buckets either side of the origin never merge
_MIN_POINTS = 8


class Series:
    """Streaming, bounded-memory downsampling of one metric: min/max per step bucket."""

    def __init__(self, max_points: int = 1000) -> None:
        self.max_points = check_max_points(max_points)
        self.count = 0
        """Finite values added."""
        self.skipped = 0
        """Values not plotted because they are NaN or infinite."""
        self.first: Point | None = None
        self.minimum: Point | None = None
        self.maximum: Point | None = None
        self._last_step = 0.0
        self._last_value = 0.0
        self._lowest = self._highest = 0.0
        self._raw: list[tuple[float, float, int]] | None = []  # exact points until max_points
        self._buckets: list[list[Any]] = []
        self._max_buckets = (max_points - 4) // 2
        self._origin = 0.0
        self._width = 1.0
        # the step range of the last bucket: most adds land there and need no index
        self._last_lo = self._last_hi = 0.0

    @property
    def last(self) -> Point | None:
        """The exact last ``(step, value)`` added."""
        return (self._last_step, self._last_value) if self.count else None

    def add(self, step: float, value: float) -> None:
        """Add one value logged at ``step``; NaN and infinite values are only counted."""
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an int too large for a float
            finite = False
        if not finite:
            self.skipped += 1
            return
        if not math.isfinite(step):
            raise ValueError(f"step={step!r} is not a finite number; pass the history row's _step.")
        self.count += 1
        self._last_step, self._last_value = step, value
        if self.first is None:
            self.first = self.minimum = self.maximum = (step, value)
            self._lowest = self._highest = value
        elif value < self._lowest:
            self.minimum, self._lowest = (step, value), value
        elif value > self._highest:
            self.maximum, self._highest = (step, value), value
        if self._raw is not None:
            self._raw.append((step, value, self.count))
            if len(self._raw) > self.max_points:
                self._start_buckets()
            return
        if self._last_lo <= step < self._last_hi:
            _merge_point(self._buckets[-1], step, value, self.count)
        else:
            self._bucket(step, value, self.count)

    def points(self) -> list[Point]:
        """At most ``max_points`` points in ascending step order (equal steps in the order they
        were added), including the first, the last, the lowest and the highest point."""
        if self._raw is not None:
            return [(step, value) for step, value, _ in sorted(self._raw, key=_step_then_seq)]
        keep: dict[tuple[float, float, int], None] = {}
        for b in self._buckets:
            keep[(b[_LO_STEP], b[_LO_VAL], b[_LO_SEQ])] = None
            keep[(b[_HI_STEP], b[_HI_VAL], b[_HI_SEQ])] = None
        chosen = sorted(keep, key=_step_then_seq)
        drawn = {(step, value) for step, value, _ in chosen}
        n = self.count
        for point, seq in ((self.first, 1), (self.last, n), (self.minimum, n), (self.maximum, n)):
            # the last point, or one that lost its bucket's slot to an equal value
            if point is not None and point not in drawn:
                bisect.insort(chosen, (*point, seq), key=_step_then_seq)
                drawn.add(point)
        return [(step, value) for step, value, _ in chosen]

    def _start_buckets(self) -> None:
        raw = self._raw or []
        self._raw = None
        steps = [p[0] for p in raw]
        lo, hi = min(steps), max(steps)
        self._origin = lo
        # The steps so far fill half the buckets, leaving room to grow before the first merge.
        self._width = (hi - lo) / (self._max_buckets / 2) if hi > lo else 1.0
        for step, value, seq in sorted(raw, key=_step_then_seq):
            self._bucket(step, value, seq)

    def _bucket(self, step: float, value: float, seq: int) -> None:
        self._place(step, value, seq)
        last = self._buckets[-1][_IDX]
        self._last_lo = self._origin + last * self._width
        self._last_hi = self._origin + (last + 1) * self._width

    def _place(self, step: float, value: float, seq: int) -> None:
        buckets = self._buckets
        idx = math.floor((step - self._origin) / self._width)
        if buckets:
            b = buckets[-1]
            if idx == b[_IDX]:
                _merge_point(b, step, value, seq)
                return
            if idx < b[_IDX]:
                self._bucket_out_of_order(idx, step, value, seq)
                return
            while idx - buckets[0][_IDX] >= self._max_buckets:
                idx = self._widen(idx)
            b = buckets[-1]
            if idx == b[_IDX]:
                _merge_point(b, step, value, seq)
                return
        buckets.append([idx, step, value, seq, step, value, seq])

    def _bucket_out_of_order(self, idx: int, step: float, value: float, seq: int) -> None:
        buckets = self._buckets
        while buckets[-1][_IDX] - idx >= self._max_buckets:
            idx = self._widen(idx)
        at = bisect.bisect_left(buckets, idx, key=lambda b: b[_IDX])
        if at < len(buckets) and buckets[at][_IDX] == idx:
            _merge_point(buckets[at], step, value, seq)
        else:
            buckets.insert(at, [idx, step, value, seq, step, value, seq])

    def _widen(self, idx: int) -> int:
        """Double the bucket width, merging neighbours; returns ``idx`` at the new width."""
        self._width *= 2
        merged: list[list[Any]] = []
        for b in self._buckets:
            b[_IDX] >>= 1  # floor division by 2, also for buckets left of the origin
            if merged and merged[-1][_IDX] == b[_IDX]:
                into = merged[-1]
                _merge_point(into, b[_LO_STEP], b[_LO_VAL], b[_LO_SEQ])
                _merge_point(into, b[_HI_STEP], b[_HI_VAL], b[_HI_SEQ])
            else:
                merged.append(b)
        self._buckets = merged
        return idx >> 1


def check_max_points(max_points: int) -> int:
    """``max_points`` if a chart can be drawn with that many points, else a ``ValueError``."""
    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < _MIN_POINTS:
        raise ValueError(
            f"max_points={max_points!r} is not a whole number of points >= {_MIN_POINTS}; pass the "
            "most points a chart may draw, e.g. max_points=1000."
        )
    return max_points


def _merge_point(b: list[Any], step: float, value: float, seq: int) -> None:
    if value < b[_LO_VAL]:
        b[_LO_STEP], b[_LO_VAL], b[_LO_SEQ] = step, value, seq
    elif value > b[_HI_VAL]:
        b[_HI_STEP], b[_HI_VAL], b[_HI_SEQ] = step, value, seq


def _step_then_seq(point: tuple[float, float, int]) -> tuple[float, int]:
    return point[0], point[2]
