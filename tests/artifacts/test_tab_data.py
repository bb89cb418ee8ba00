"""The data side of the report tab: a live run's record log read incrementally (RecordTail),
metrics downsampled with bounded memory (Series), a run's state accumulated (LiveRun)."""

from __future__ import annotations

import bisect
import math
import random
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from flyteplugins.wandb_artifacts import records
from flyteplugins.wandb_artifacts._compat import parse_record
from flyteplugins.wandb_artifacts._decode import history_row
from flyteplugins.wandb_artifacts._errors import UndecodableRecordError
from flyteplugins.wandb_artifacts._logfile import LogDamage, iter_record_payloads
from flyteplugins.wandb_artifacts.internal import LiveRun, RecordTail, Series

BLOCK = 32 * 1024


# ---------------------------------------------------------------- Series


def check_invariants(series: Series, added: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """What must hold for any series: returns its points."""
    points = series.points()
    finite = [(s, v) for s, v in added if math.isfinite(v)]
    assert len(points) <= series.max_points
    assert [s for s, _ in points] == sorted(s for s, _ in points)
    assert set(points) <= set(finite), "a point that was never added"
    assert series.count == len(finite) and series.skipped == len(added) - len(finite)
    if not finite:
        assert points == [] and series.first is series.last is series.minimum is series.maximum is None
        return points
    assert series.first == finite[0] and series.last == finite[-1]
    assert series.minimum is not None and series.maximum is not None
    assert series.minimum[1] == min(v for _, v in finite) and series.maximum[1] == max(v for _, v in finite)
    for point in (series.first, series.last, series.minimum, series.maximum):
        assert point in points
    if len(finite) <= series.max_points:
        assert points == sorted(finite, key=lambda p: p[0]), "a short series is drawn exactly"
    return points


def test_a_million_points_become_at_most_1000_keeping_ends_extremes_and_a_spike() -> None:
    def wave(step: int) -> float:
        return math.sin(step / 5_000) + (step % 97) / 1_000

    spike, dip = (612_345, 1e6), (250_001, -1e6)
    steps = list(range(1_000_000))
    values = [wave(step) for step in steps]
    values[spike[0]], values[dip[0]] = spike[1], dip[1]
    series = Series()
    tracemalloc.start()  # counts what is allocated from here on: the series, not the input
    try:
        for step, value in zip(steps, values, strict=True):
            series.add(step, value)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    points = series.points()
    assert 900 <= len(points) <= 1000
    assert points[0] == (0, 0.0) and points[-1] == series.last == (999_999, wave(999_999))
    assert spike in points and dip in points
    assert (series.maximum, series.minimum, series.count, series.skipped) == (spike, dip, 1_000_000, 0)
    steps = [s for s, _ in points]
    assert steps == sorted(steps) and steps[-1] - steps[0] == 999_999
    # spread over the whole range: no 1/20 of the steps is left without a point
    assert all(any(k * 50_000 <= s < (k + 1) * 50_000 for s in steps) for k in range(20))
    assert peak < 1_000_000, f"adding 1M points peaked at {peak:,} bytes"


def test_non_finite_values_are_counted_not_drawn() -> None:
    series = Series()
    added = [(0, 1.0), (1, math.nan), (2, math.inf), (3, -math.inf), (4, 10**400), (5, 2.0)]
    for step, value in added:
        series.add(step, value)
    assert series.points() == [(0, 1.0), (5, 2.0)]
    assert (series.count, series.skipped) == (2, 4)
    with pytest.raises(ValueError, match=r"step=nan is not a finite number"):
        series.add(math.nan, 1.0)


def test_equal_steps_keep_their_order_and_extremes() -> None:
    series = Series(max_points=50)
    added = [(step // 100, float((step * 37) % 101)) for step in range(10_000)]
    added[5_050] = (50, 500.0)
    added[5_051] = (50, -500.0)
    for step, value in added:
        series.add(step, value)
    points = check_invariants(series, added)
    assert (50, 500.0) in points and (50, -500.0) in points
    # within one step, points come in the order they were added
    at_50 = [v for s, v in points if s == 50]
    assert at_50.index(500.0) < at_50.index(-500.0)


def test_steps_going_back_stay_bounded_and_ordered() -> None:
    """A resumed run logging steps again: each point goes to the bucket of its step."""
    series = Series(max_points=100)
    added = [(float(s), math.cos(s / 50)) for s in range(5_000)]
    added += [(float(s), 3.0 + s / 1_000) for s in range(1_000, 1_500)]  # back to step 1,000
    added += [(-200.0, -7.0), (10.0, 9.0)]  # before the first step, then far back again
    added += [(float(s), 0.5) for s in range(5_000, 9_000)]
    for step, value in added:
        series.add(step, value)
    points = check_invariants(series, added)
    assert (-200.0, -7.0) in points and points[0] == (-200.0, -7.0)
    assert series.last == (8_999.0, 0.5) and series.maximum == (10.0, 9.0)


@pytest.mark.parametrize("bad", [0, 7, -1000, 2.5, True, "1000", None])
def test_max_points_must_be_a_whole_number_of_at_least_8(bad: Any) -> None:
    with pytest.raises(ValueError, match=rf"max_points={bad!r} is not a whole number of points >= 8"):
        Series(max_points=bad)
    with pytest.raises(ValueError, match="max_points="):
        LiveRun(max_points=bad)


def test_random_series_stay_within_bounds_and_keep_extremes_and_spikes() -> None:
    rng = random.Random(1414)
    for case in range(300):
        max_points = rng.choice([8, 9, 10, 31, 100, 257, 1000])
        length = rng.choice([0, 1, 2, max_points - 1, max_points, max_points + 1, rng.randrange(5_000)])
        in_order = case % 3 != 0
        step, added = rng.uniform(-100, 100), []
        for _ in range(length):
            step += rng.choice([0, 1, 1, 1, rng.expovariate(0.1)])
            if not in_order and rng.random() < 0.05:
                step -= rng.uniform(0, 300)
            roll = rng.random()
            value = math.nan if roll < 0.02 else math.inf if roll < 0.03 else rng.gauss(0, 1)
            added.append((step, value))
        spikes = []
        if in_order and max_points >= 100 and length > 1_000:
            # a few spikes far apart (each in a bucket of its own) must all be drawn
            for k in range(1, 6):
                i = k * length // 6
                added[i] = (added[i][0], 1e3 * k * rng.choice([-1, 1]))
                spikes.append(added[i])
        series = Series(max_points)
        for step, value in added:
            series.add(step, value)
        points = check_invariants(series, added)
        assert all(s in points for s in spikes), (case, [s for s in spikes if s not in points])


# ---------------------------------------------------------------- RecordTail


def history_of(recs: list[Any]) -> list[Any]:
    return [r.history for r in recs if r.WhichOneof("record_type") == "history"]


def test_a_live_run_is_read_as_it_logs_every_row_once_in_order(wandb_offline: Path) -> None:
    import wandb

    # wandb-core flushes a partly filled 32 KiB block every x_transaction_log_flush_interval s.
    run = wandb.init(
        project="p", id="tail-live", settings=wandb.Settings(x_transaction_log_flush_interval=0.1)
    )
    tail, live = RecordTail(run.settings.sync_file), LiveRun()
    got: list[Any] = []

    def poll_until(done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 60
        while not done():
            assert time.monotonic() < deadline, f"{what}: the log shows {len(history_of(got))} rows"
            recs = tail.poll(max_records=7)
            got.extend(recs)
            live.feed(recs)
            time.sleep(0.02)

    def row(i: int) -> dict[str, Any]:
        return {"loss": 1 / (i + 1), "pad": "p" * (i * 97 % 3_000)}  # records spanning blocks

    for i in range(40):
        run.log(row(i))
    poll_until(lambda: len(history_of(got)) == 40, "the first 40 rows")
    assert live.state == "running" and live.metrics["loss"].last == (39, 1 / 40)
    for i in range(40, 100):
        run.log(row(i))
    poll_until(lambda: len(history_of(got)) == 100, "all 100 rows")
    run.finish()
    poll_until(lambda: live.exit_code is not None, "the exit record")

    rows = [history_row(h, system_keys=False) for h in history_of(got)]
    assert rows == [{**row(i), "_step": i} for i in range(100)]
    assert tail.poll() == [] and not tail.damage
    assert tail.offset == Path(run.settings.sync_file).stat().st_size
    assert (live.state, live.rows, live.last_step, live.media) == ("finished", 100, 99, {"pad": "text"})


def test_a_log_cut_anywhere_yields_only_complete_records_each_once(
    wandb_offline: Path, art, tmp_path: Path
) -> None:
    logged = art.log_run("tail-cut", [{"i": i, "pad": "z" * (500 + i * 61)} for i in range(60)])
    payloads = list(iter_record_payloads(records.record_log_path(logged.run_dir)))
    data = art.encode_log(payloads)  # the same records, laid out by an encoder independent of the reader
    ends = [len(art.encode_log(payloads[: i + 1])) for i in range(len(payloads))]
    # a record split over two blocks (one starting right at a block's end is not)
    spanning = next(
        i
        for i in range(1, len(ends))
        if ends[i - 1] // BLOCK < (ends[i] - 1) // BLOCK and ends[i - 1] % BLOCK <= BLOCK - 7
    )
    rng = random.Random(3)
    cuts = {0, 3, 7, len(data)} | {rng.randrange(len(data)) for _ in range(300)}
    cuts |= set(range(ends[spanning - 1] - 3, ends[spanning] + 3))  # every byte of a record split over blocks
    cuts |= set(range(ends[-2] - 3, len(data) + 1))  # every byte of the last record

    log = tmp_path / "live" / "run-tail-cut.wandb"
    tail = RecordTail(log)
    assert tail.poll() == [], "no file yet"
    log.parent.mkdir()
    got: list[Any] = []
    with log.open("wb") as fh:
        written = 0
        for cut in sorted(cuts):
            fh.write(data[written:cut])
            fh.flush()
            written = cut
            got += tail.poll()
            complete = bisect.bisect_right(ends, cut)
            assert len(got) == complete, f"cut at {cut}: {len(got)} records, {complete} complete"
            assert tail.offset == (ends[complete - 1] if complete else 0)
    assert got == [parse_record(p) for p in payloads]
    assert not tail.damage and tail.poll() == []


def test_corrupt_and_undecodable_records_are_skipped_and_counted_once(
    wandb_offline: Path, art, tmp_path: Path
) -> None:
    logged = art.log_run("tail-bad", [{"i": i, "pad": "y" * 2_000} for i in range(60)])
    payloads = list(iter_record_payloads(records.record_log_path(logged.run_dir)))
    data = bytearray(art.encode_log([*payloads[:5], b"\x0a\x7fjunk", *payloads[5:]]))
    data[BLOCK + 100] ^= 0xFF  # inside the second block
    run_dir = art.log_copy(tmp_path, "tail-bad", bytes(data), "bad")
    whole, expected = LogDamage(), []
    for payload in iter_record_payloads(records.record_log_path(run_dir), damage=whole):
        try:
            expected.append(parse_record(payload))
        except UndecodableRecordError:
            whole.undecodable_records += 1
    assert 5 < len(expected) < len(payloads) - 1, "the corrupt block held some records"

    log = tmp_path / "growing.wandb"
    tail, got = RecordTail(log), []
    with log.open("wb") as fh:
        for start in range(0, len(data), 4_000):
            fh.write(data[start : start + 4_000])
            fh.flush()
            got += tail.poll()
            got += tail.poll()  # polling again with nothing new counts nothing again
    assert got == expected and got[:5] == [parse_record(p) for p in payloads[:5]]
    assert (tail.damage.corrupt_blocks, tail.damage.undecodable_records) == (1, 1)
    # the same damage as a read of the whole file; of the corrupt block, the bytes written when it was read
    assert 0 < tail.damage.corrupt_bytes <= whole.corrupt_bytes
    assert replace(tail.damage, corrupt_bytes=0) == replace(whole, corrupt_bytes=0)
    assert "1 corrupt block(s) skipped" in tail.damage.describe()


def test_poll_checks_max_records_and_reads_batches(wandb_offline: Path, art) -> None:
    logged = art.log_run("tail-batch", [{"i": i} for i in range(30)])
    tail = RecordTail(records.record_log_path(logged.run_dir))
    with pytest.raises(ValueError, match=r"max_records=0 is not a positive whole number"):
        tail.poll(max_records=0)
    batches = []
    while batch := tail.poll(max_records=4):
        assert len(batch) <= 4
        batches.append(batch)
    everything = [parse_record(p) for p in iter_record_payloads(tail.path)]
    assert [r for b in batches for r in b] == everything and len(batches) == math.ceil(len(everything) / 4)


# ---------------------------------------------------------------- LiveRun


def test_live_run_from_a_failed_run_with_config_summary_nested_metrics_and_media(
    wandb_offline: Path, art
) -> None:
    import wandb

    rows: list[dict[str, Any]] = []
    for i in range(50):
        row: dict[str, Any] = {"train/loss": 2.0 / (i + 1), "nested": {"acc": i / 50, "deep": {"n": i}}}
        if i % 10 == 0:
            row["eval"] = {"tbl": wandb.Table(columns=["a", "b"], data=[[i, "x"]])}
            row["flag"] = i % 20 == 0
            row["note"] = f"epoch {i}"
            row["hist"] = wandb.Histogram([1, 2, 3])
        if i == 7:
            row["train/loss"] = math.nan
        rows.append(row)
    logged = art.log_run(
        "live-all",
        rows,
        config={"lr": 0.01, "opt": {"name": "adam", "beta": 0.9}},
        summary={"best": {"acc": 0.98}},
        exit_code=1,
        tags=["t1"],
        group="g",
        job_type="train",
    )
    tail = RecordTail(records.record_log_path(logged.run_dir))
    live = LiveRun(max_points=20)
    while live.update_from(tail, max_records=9):
        if live.exit_code is None:
            assert live.state == "running"

    # new keys of a row come sorted: wandb-core records a row's keys in no stable order
    assert list(live.metrics) == ["nested.acc", "nested.deep.n", "train/loss"]
    assert list(live.media.items()) == [
        ("eval.tbl", "table-file"),
        ("flag", "bool"),
        ("hist", "histogram"),
        ("note", "text"),
    ]
    loss = live.metrics["train/loss"]
    assert (loss.count, loss.skipped, loss.last) == (49, 1, (49, 2.0 / 50))
    assert live.metrics["nested.deep.n"].last == (49, 49) and len(live.metrics["nested.acc"].points()) <= 20
    assert (live.state, live.exit_code, live.rows, live.last_step) == ("failed", 1, 50, 49)
    assert (live.run_id, live.project, live.group, live.job_type, live.tags) == (
        "live-all",
        "artifacts-tests",
        "g",
        "train",
        ["t1"],
    )
    assert live.config == {"lr": 0.01, "opt": {"name": "adam", "beta": 0.9}}
    assert live.summary["best"] == {"acc": 0.98} and live.summary["train/loss"] == 2.0 / 50
    assert "_wandb" not in live.summary and "_wandb" not in live.config
    recorded = records.read_run_dir(logged.run_dir)
    assert (live.config, live.summary) == (recorded.config, recorded.summary)
    assert live.damage is tail.damage and not live.damage
