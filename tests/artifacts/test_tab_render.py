"""Rendering of the report tab: the inline-SVG charts and the HTML of the run and sweep tabs.

``render_demo(path)`` writes a Flyte report page with both tabs, to open in a browser:
``python3 -m uv run python tests/artifacts/test_tab_render.py /tmp/tab.html``.
"""

from __future__ import annotations

import itertools
import math
import random
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import flyte.report
import pytest

from flyteplugins.wandb_artifacts import records
from flyteplugins.wandb_artifacts._tab.markup import NOSCRIPT, STYLE, safe_href
from flyteplugins.wandb_artifacts._tab.page import MAX_CHARTS
from flyteplugins.wandb_artifacts._tab.svg import MAX_HOVER_BANDS, compact_number, hover_number, nice_ticks
from flyteplugins.wandb_artifacts.internal import (
    LiveRun,
    RecordTail,
    Series,
    TrialRow,
    line_chart,
    run_tab_html,
    sweep_tab_html,
)

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?")
NUMERIC_ATTRS = ("x", "y", "cx", "cy", "r", "width", "height")
SAFE_URL = "https://wandb.ai/team/proj/runs/abc"
ATTACKS = (
    "</svg><script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<style>*{display:none}</style>",
    "' onmouseover='alert(1)",
    "javascript:alert(1)",
    "&lt;b&gt;&amp;",
)
TAGS = {
    *("div", "style", "noscript", "h2", "h3", "h4", "p", "span", "code", "b", "a", "details", "summary"),
    *("table", "thead", "tbody", "tr", "th", "td", "figure", "figcaption"),
    *("svg", "text", "path", "g", "circle", "rect", "title"),
}
ATTRIBUTES = {
    *("class", "href", "target", "rel", "open", "xmlns", "width", "height", "viewbox", "role", "aria-label"),
    *("font-family", "font-size", "font-weight", "fill", "x", "y", "text-anchor", "d", "cx", "cy", "r"),
    *("stroke", "stroke-opacity", "stroke-width", "stroke-linejoin", "stroke-dasharray"),
    *("preserveaspectratio", "pointer-events"),
}


# ---- helpers ---------------------------------------------------------------------------------


def noisy(count: int, seed: int = 0, step: int = 1) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(float(i * step), math.exp(-i / (count / 3)) + rng.random() * 0.2) for i in range(count)]


def series_of(points: Sequence[tuple[float, float]], max_points: int = 1000) -> Series:
    series = Series(max_points)
    for step, value in points:
        series.add(step, value)
    return series


def line_points(root: ET.Element) -> list[tuple[float, float]]:
    """The line's points in pixels: ``M x y`` then relative ``l`` pairs."""
    path = root.find(f"{SVG}path[@class='ln']")
    assert path is not None
    head, _, rest = path.get("d", "")[1:].partition("l")
    x, y = (float(n) for n in NUMBER.findall(head))
    points = [(x, y)]
    deltas = [float(n) for n in NUMBER.findall(rest)]
    assert len(deltas) % 2 == 0
    for dx, dy in zip(deltas[::2], deltas[1::2], strict=True):
        x, y = round(x + dx, 1), round(y + dy, 1)
        points.append((x, y))
    return points


def hover_titles(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}title")]


def assert_numbers_finite(root: ET.Element) -> None:
    for element in root.iter():
        for name in NUMERIC_ATTRS:
            if name in element.attrib:
                assert math.isfinite(float(element.attrib[name])), (element.tag, name, element.attrib[name])
        for number in NUMBER.findall(element.get("d", "")):
            assert math.isfinite(float(number))


def parse_compact(label: str) -> float:
    scale = {"k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
    if label[-1] in scale:
        return float(label[:-1]) * scale[label[-1]]
    return float(label)


class Page(HTMLParser):
    """Every element and attribute of an HTML fragment, and its text as a browser would show it."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if self.elements and self.elements[-1][0] == "style" and self.get_starttag_text() == "<style>":
            self.styles.append(data)
        self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def hrefs(self) -> list[str | None]:
        return [a.get("href") for a in self.all("a")]

    @property
    def shown(self) -> str:
        return "".join(self.text)


def chart_names(page: Page) -> list[str]:
    """The metric each chart of the page draws, from its ``aria-label`` ("<name>: line chart ...")."""
    return [(a.get("aria-label") or "").split(": ")[0] for a in page.all("svg", **{"class": "chart"})]


def table_rows(html: str, caption: str) -> list[list[str]]:
    """The cell texts of the table that follows ``caption`` in ``html``."""
    start = html.index(caption)
    body = html[html.index("<tbody>", start) : html.index("</tbody>", start)]
    return [
        [Page(cell).shown for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


def demo_run() -> LiveRun:
    rng = random.Random(7)
    metrics = {}
    for name, scale in (
        ("train/loss", 2.0),
        ("train/acc", -1.0),
        ("val/loss", 2.2),
        ("val/acc", -0.9),
        ("lr", 0),
    ):
        points = []
        for i in range(0, 200_000, 20):
            decay = math.exp(-i / 50_000)
            value = 1e-3 * decay if scale == 0 else (scale * decay if scale > 0 else 1 + scale * decay)
            points.append((i, value + (rng.gauss(0, 0.03) if scale else 0)))
        metrics[name] = series_of(points)
    return LiveRun(
        run_id="train-a0",
        project="demo",
        entity="team",
        name="resnet-baseline",
        job_type="train",
        tags=["flyte:project=flytesnacks", "flyte:domain=development"],
        config={
            "lr": 1e-3,
            "model": {"layers": 18, "activation": "relu"},
            "flyte": {
                "run_name": "r1",
                "action_name": "a0",
                "url": "https://flyte.example.com/v2/runs/r1/a0",
            },
        },
        summary={"train/loss": 0.1234, "val/acc": 0.91, "_runtime": 12.5, "samples": {"_type": "image-file"}},
        metrics=metrics,
        media={"samples": "image-file", "predictions": "table-file"},
        rows=10_000,
        last_step=199_980,
    )


def demo_trials() -> list[TrialRow]:
    rng = random.Random(3)
    trials = []
    for i in range(12):
        lr = 10 ** rng.uniform(-4, -1)
        metric = None if i >= 10 else abs(math.log10(lr) + 2.5) / 3 + rng.random() * 0.1
        state = "running" if i >= 10 else ("failed" if i == 4 else "finished")
        trials.append(
            TrialRow(
                f"trial-{i}", state, {"lr": lr, "optimizer": {"name": rng.choice(["adam", "sgd"])}}, metric
            )
        )
    return trials


def render_demo(path: Path) -> Path:
    """Write a Flyte report page (Flyte's own template) with a run tab and a sweep tab."""
    report = flyte.report.Report(name="demo")
    report.get_tab("main").log("<p>The task's own report tab.</p>")
    report.get_tab("Weights & Biases").replace(
        run_tab_html(
            demo_run(),
            links=[("W&B run", SAFE_URL)],
            shared_with_parent="parent-run",
            note="Offline run: upload it with `flyte wandb sync ./wandb`.",
            updated="2025-01-01 12:00:00 UTC",
            refresh_s=10,
        )
    )
    report.get_tab("W&B sweep").replace(
        sweep_tab_html(
            sweep_id="sw123",
            sweep_url="https://wandb.ai/team/proj/sweeps/sw123",
            metric="val/loss",
            goal="minimize",
            trials=demo_trials(),
            updated="2025-01-01 12:00:00 UTC",
        )
    )
    html = report.get_final_report()
    assert isinstance(html, str)
    path.write_text(html, encoding="utf-8")
    return path


# ---- the SVG writer --------------------------------------------------------------------------


def test_chart_is_well_formed_svg_with_a_point_per_input() -> None:
    points = noisy(1000, step=1000)
    root = ET.fromstring(line_chart("train/loss", points))

    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-label", "").startswith("train/loss: line chart of 1000 points")
    assert next(root.iter(f"{SVG}text")).text == "train/loss"
    drawn = line_points(root)
    assert len(drawn) == len(points)
    width, height = float(root.get("width", 0)), float(root.get("height", 0))
    assert all(0 <= x <= width and 0 <= y <= height for x, y in drawn)
    assert all(a[0] < b[0] for a, b in itertools.pairwise(drawn))
    # higher values are drawn higher up (smaller y), whatever the scale
    by_value = sorted(zip((v for _, v in points), (y for _, y in drawn), strict=True))
    assert all(later[1] <= earlier[1] for earlier, later in itertools.pairwise(by_value))
    assert_numbers_finite(root)


@pytest.mark.parametrize(
    ("lo", "hi"),
    [
        (0.0, 1.0),
        (0.038, 1.026),
        (-5.0, 1_234_567.0),
        (-2e6, -1e6),
        (1e-9, 3e-9),
        (0.0, 999_999.0),
        (1e-300, 1e-299),
        (-1e308, 1e308),
        (1.0, 1.0 + 1e-9),
    ],
)
def test_ticks_are_nice_numbers_inside_the_data_range(lo: float, hi: float) -> None:
    ticks = nice_ticks(lo, hi, 5)

    assert 2 <= len(ticks) <= 11
    slack = (hi - lo) * 1e-9 if math.isfinite(hi - lo) else 1e299
    assert all(lo - slack <= t <= hi + slack for t in ticks)
    magnitude = 10 ** math.floor(math.log10(ticks[1] - ticks[0]))
    mantissa = round((ticks[1] - ticks[0]) / magnitude, 6)
    assert mantissa in (1, 2, 5, 10)
    step = mantissa * magnitude
    assert all(math.isclose(b - a, step, rel_tol=1e-6) for a, b in itertools.pairwise(ticks))
    assert all(abs(t / step - round(t / step)) <= 1e-6 * max(1.0, abs(t / step)) for t in ticks)


def test_chart_tick_labels_lie_in_the_data_range() -> None:
    points = [(float(i), 1500.0 + 40_000 * math.sin(i / 30)) for i in range(300)]
    root = ET.fromstring(line_chart("m", points))
    groups = {g.get("text-anchor"): g for g in root.iter(f"{SVG}g") if g.get("class") == "mu"}

    y_labels = [parse_compact(t.text or "") for t in groups["end"]]
    x_labels = [parse_compact(t.text or "") for t in groups["middle"]]
    values = [v for _, v in points]
    assert len(y_labels) >= 2 and len(x_labels) >= 2
    assert all(min(values) <= v <= max(values) for v in y_labels)
    assert all(0 <= x <= 299 and x == int(x) for x in x_labels)


@pytest.mark.parametrize(
    ("value", "step", "label"),
    [
        (1200.0, 200.0, "1.2k"),
        (3e6, 1e6, "3M"),
        (4.5e9, 5e8, "4.5B"),
        (1e-05, 1e-05, "1e-05"),
        (0.25, 0.05, "0.25"),
        (0.3, 0.1, "0.3"),  # 3 * 0.1 is 0.30000000000000004
        (-1500.0, 500.0, "-1.5k"),
        (0.0, 1.0, "0"),
        (2e20, 1e20, "2e+20"),
        (1_000_000.0, 200_000.0, "1M"),
    ],
)
def test_tick_labels_are_compact(value: float, step: float, label: str) -> None:
    assert compact_number(value, step) == label


def test_hover_titles_are_few_and_name_real_points() -> None:
    points = noisy(1000, seed=1, step=7)
    root = ET.fromstring(line_chart("loss", points))
    titles = hover_titles(root)

    assert 50 <= len(titles) <= MAX_HOVER_BANDS
    band = re.compile(r"step (\d+)\.\.(\d+): (\S+)\.\.(\S+), last (\S+)")
    covered = 0
    for title in titles:
        match = band.fullmatch(title)
        assert match, title
        first, last = int(match[1]), int(match[2])
        inside = [v for s, v in points if first <= s <= last]
        assert first % 7 == 0 and last % 7 == 0 and len(inside) >= 2
        expected = (min(inside), max(inside), inside[-1])
        assert (match[3], match[4], match[5]) == tuple(hover_number(v) for v in expected)
        covered += len(inside)
    assert covered == len(points)  # the bands partition the points
    assert titles[-1].endswith(f"last {hover_number(points[-1][1])}")


def test_few_points_get_a_hover_title_each() -> None:
    points = [(float(s), v) for s, v in zip((0, 3, 10, 11, 40), (0.5, 0.125, 2.0, -1.0, 7.25), strict=True)]
    titles = hover_titles(ET.fromstring(line_chart("acc", points)))

    assert titles == [f"step {int(s)}: {hover_number(v)}" for s, v in points]
    assert titles[-1] == "step 40: 7.25"


@pytest.mark.parametrize(
    ("name", "points", "drawn"),
    [
        ("empty", [], 0),
        ("single", [(5.0, 0.25)], 1),
        ("constant", [(float(i), 3.0) for i in range(50)], 50),
        ("zeros", [(float(i), 0.0) for i in range(50)], 50),
        ("huge", [(float(i), 1e300 * (1 + i)) for i in range(50)], 50),
        ("tiny", [(float(i), 1e-300 * (1 + i)) for i in range(50)], 50),
        ("negative", [(float(i), -1000.0 - i * i) for i in range(50)], 50),
        ("extremes", [(0.0, -1.7e308), (1.0, 1.7e308), (2.0, 0.0)], 3),
        (
            "non-finite",
            [(0.0, math.nan), (1.0, 1.0), (2.0, math.inf), (3.0, -math.inf), (4.0, 2.0), (math.nan, 1)],
            2,
        ),
        ("one-step", [(7.0, float(v)) for v in range(10)], 10),
        ("nearly-constant", [(float(i), 1 + i * 1e-15) for i in range(20)], 20),
        ("huge-steps", [(i * 1e14, float(i)) for i in range(20)], 20),
        ("subnormal", [(0.0, 5e-324), (1.0, 0.0)], 2),
    ],
)
def test_degenerate_inputs_render_sanely(name: str, points: list[tuple[float, float]], drawn: int) -> None:
    svg = line_chart("metric", points)
    root = ET.fromstring(svg)

    assert "nan" not in svg.lower() and "inf" not in svg.lower()
    assert_numbers_finite(root)
    assert root.get("aria-label", "").startswith("metric: ")
    if drawn:
        assert len(line_points(root)) == drawn
        assert 1 <= len(hover_titles(root)) <= MAX_HOVER_BANDS
    else:
        assert root.find(f"{SVG}path[@class='ln']") is None
        assert "no data" in [t.text for t in root.iter(f"{SVG}text")]


def test_best_so_far_step_line_and_markers() -> None:
    values = [0.9, 0.7, 0.8, 0.4, 0.6, 0.5, 0.2, 0.3]
    points = [(float(i), v) for i, v in enumerate(values, 1)]
    best = [(x, min(values[:i])) for i, (x, _) in enumerate(points, 1)]
    root = ET.fromstring(line_chart("loss by trial", points, step_line=best, markers=True, x_label="trial"))

    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == len(points)
    drawn = line_points(root)
    assert [(float(c.get("cx", "")), float(c.get("cy", ""))) for c in circles] == drawn
    step = next(p for p in root.iter(f"{SVG}path") if p.get("class") == "best")
    d = step.get("d", "")
    assert re.fullmatch(r"M[\d.]+ [\d.]+(?:[hv]-?[\d.]+)+", d)
    ups = [float(n) for n in re.findall(r"v(-?[\d.]+)", d)]
    assert ups and all(v > 0 for v in ups)  # the best loss only goes down: pixels only go down the page
    x_end = float(NUMBER.findall(d)[0]) + sum(float(n) for n in re.findall(r"h(-?[\d.]+)", d))
    assert math.isclose(x_end, drawn[-1][0], abs_tol=0.11)
    assert hover_titles(root)[0] == "trial 1: 0.9"
    assert "best so far" in "".join(t.text or "" for t in root.iter(f"{SVG}text"))


def test_chart_text_is_escaped() -> None:
    title, label = ATTACKS[0], ATTACKS[1]
    root = ET.fromstring(line_chart(title, [(0.0, 1.0), (1.0, 2.0)], x_label=label))

    assert {e.tag.removeprefix(SVG) for e in root.iter()} <= TAGS
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert title in texts and label in texts
    assert root.get("aria-label", "").startswith(title)
    assert hover_titles(root) == [f"{label} 0: 1", f"{label} 1: 2"]


def test_chart_cuts_a_long_title_but_labels_it_in_full() -> None:
    name = "encoder/" + "block" * 40
    root = ET.fromstring(line_chart(name, [(0.0, 1.0)]))

    shown = next(root.iter(f"{SVG}text")).text or ""
    assert shown.endswith("\u2026") and len(shown) < 80
    assert root.get("aria-label", "").startswith(name)


def test_smallest_chart_with_the_longest_labels() -> None:
    points = [(float(i), -1.2345678901234e300 - i * 1e286) for i in range(200)]
    root = ET.fromstring(line_chart("m", points, width=160, height=100))

    assert len(line_points(root)) == 200
    assert_numbers_finite(root)
    assert all(0 <= x <= 160 for x, _ in line_points(root))


def test_chart_refuses_a_size_without_room_for_a_plot() -> None:
    with pytest.raises(ValueError, match=r"line_chart\(width=100, height=240\)"):
        line_chart("m", [], width=100)


# ---- the run tab ------------------------------------------------------------------------------


def test_run_tab_shows_state_links_tables_and_a_chart_per_metric() -> None:
    run = demo_run()
    run.exit_code = 1
    html = run_tab_html(
        run,
        links=[("W&B run", SAFE_URL)],
        shared_with_parent="parent-run",
        updated="2025-01-01 12:00:00 UTC",
        refresh_s=10,
    )
    page = Page(html)
    text = page.shown

    assert page.hrefs() == [SAFE_URL, "https://flyte.example.com/v2/runs/r1/a0"]
    assert "failed (exit code 1)" in text and "10,000 rows logged, last step 199,980" in text
    assert "This task shares its parent's run parent-run." in text
    assert chart_names(page) == list(run.metrics)
    assert [Page(h).shown for h in re.findall(r"<h4>(.*?)</h4>", html)] == ["train", "val", "Charts"]
    config = table_rows(html, "Config (")
    assert [r[0] for r in config] == [
        "flyte.run_name",
        "flyte.action_name",
        "flyte.url",
        "lr",
        "model.layers",
        "model.activation",
    ]
    summary = table_rows(html, "Summary (")
    assert summary == [["train/loss", "0.1234"], ["val/acc", "0.91"], ["samples", "[image-file]"]]
    media = table_rows(html, "Logged values not charted")
    assert media == [["samples", "image-file"], ["predictions", "table-file"]]
    assert text.endswith("Updated 2025-01-01 12:00:00 UTC, refreshes every 10 s while the task runs.")


def test_run_tab_chart_ends_at_the_logged_last_value() -> None:
    points = noisy(30_000, seed=4, step=3)
    run = LiveRun(run_id="r", metrics={"loss": series_of(points)}, rows=30_000, last_step=89_997)
    html = run_tab_html(run)
    svg = re.search(r"<svg xmlns=.*?</svg></svg>", html)
    assert svg
    root = ET.fromstring(svg[0])

    drawn = line_points(root)
    assert len(drawn) == len(run.metrics["loss"].points()) <= 1000
    assert hover_titles(root)[-1].endswith(f"last {hover_number(points[-1][1])}")
    assert f"30,000 points ({len(drawn):,} drawn); last {hover_number(points[-1][1])} at step 89,997" in html


@pytest.mark.parametrize(
    ("names", "headings"),
    [
        (["loss", "acc"], []),
        (["train/loss", "train/acc", "train/lr"], []),
        (["train/loss", "val/loss", "lr"], ["train", "val", "Charts"]),
        ([f"m{i}" for i in range(9)], ["Charts"]),
        ([f"train/m{i}" for i in range(9)], ["train"]),
    ],
)
def test_charts_are_grouped_by_prefix_when_several_or_many(names: list[str], headings: list[str]) -> None:
    run = LiveRun(run_id="r", metrics={n: series_of([(0, 1.0), (1, 2.0)]) for n in names})
    html = run_tab_html(run)

    assert re.findall(r"<h4>(.*?)</h4>", html) == headings
    assert len(Page(html).all("svg", **{"class": "chart"})) == len(names)


def test_metrics_past_the_chart_limit_are_listed_with_their_last_value() -> None:
    names = [f"layer{i}/grad_norm" for i in range(MAX_CHARTS + 3)]
    run = LiveRun(run_id="r", metrics={n: series_of([(0, 1.0), (1, i + 0.5)]) for i, n in enumerate(names)})
    html = run_tab_html(run)

    assert chart_names(Page(html)) == names[:MAX_CHARTS]
    more = table_rows(html, "More metrics")
    assert more == [[n, "2", hover_number(i + 0.5)] for i, n in enumerate(names) if i >= MAX_CHARTS]


def test_footer_says_when_the_tab_was_updated_and_how_often() -> None:
    run = LiveRun(run_id="r")

    assert Page(run_tab_html(run, refresh_s=2.5)).shown.endswith("Refreshes every 2.5 s while the task runs.")
    assert Page(run_tab_html(run, updated="12:00")).shown.endswith("Updated 12:00.")
    assert 'class="mu">Updated' not in run_tab_html(run) and "Refreshes" not in run_tab_html(run)


def test_run_tab_of_a_run_that_logged_nothing_yet() -> None:
    text = Page(run_tab_html(LiveRun(run_id="fresh"))).shown

    assert "running no rows logged yet" in text and "No numeric metric logged yet." in text


def test_a_metric_of_only_nan_is_listed_without_a_curve() -> None:
    only_nan = series_of([(0, math.nan), (1, math.inf)])
    run = LiveRun(run_id="r", metrics={"loss": only_nan}, rows=2, last_step=1)
    html = run_tab_html(run)

    assert "no data" in Page(html).shown and "2 non-finite values left out" in html
    assert "nan" not in re.search(r"<svg.*</svg>", html)[0].lower()  # type: ignore[index]


def test_run_tab_refuses_bad_arguments() -> None:
    run = LiveRun(run_id="r")
    with pytest.raises(ValueError, match=r"refresh_s=0\): give a number of seconds > 0"):
        run_tab_html(run, refresh_s=0)
    with pytest.raises(ValueError, match=r"\('W&B run',\) is not a \(label, url\) pair"):
        run_tab_html(run, links=[("W&B run",)])  # type: ignore[list-item]


# ---- safety -----------------------------------------------------------------------------------


def hostile_run() -> LiveRun:
    return LiveRun(
        run_id=ATTACKS[0],
        project=ATTACKS[1],
        entity=ATTACKS[2],
        name=ATTACKS[3],
        group=ATTACKS[4],
        job_type=ATTACKS[5],
        tags=list(ATTACKS),
        config={
            **{a: a for a in ATTACKS},
            "flyte": {"url": "javascript:alert(1)", ATTACKS[1]: {ATTACKS[2]: 1}},
        },
        summary={a: a for a in ATTACKS},
        metrics={a: series_of([(0, 1.0), (1, 0.5)]) for a in ATTACKS},
        media={a: a for a in ATTACKS},
        rows=2,
        last_step=1,
        exit_code=3,
    )


def assert_only_our_markup(html: str) -> Page:
    page = Page(html)
    assert {tag for tag, _ in page.elements} <= TAGS
    assert {name for _, attrs in page.elements for name in attrs} <= ATTRIBUTES
    ours = [re.search(r"<style>(.*)</style>", block, re.S)[1] for block in (STYLE, NOSCRIPT)]  # type: ignore[index]
    assert page.styles == ours  # the tab's and the one in <noscript>, nothing else
    assert all(href is not None and safe_href(href) == href for href in page.hrefs())
    assert all(a.get("rel") == "noopener noreferrer" for a in page.all("a"))
    return page


def test_hostile_names_and_values_in_a_run_appear_only_as_text() -> None:
    html = run_tab_html(
        hostile_run(),
        links=[(ATTACKS[0], "javascript:alert(1)"), (ATTACKS[1], SAFE_URL)],
        shared_with_parent=ATTACKS[1],
        note=ATTACKS[2],
        updated=ATTACKS[3],
        refresh_s=5,
    )
    page = assert_only_our_markup(html)

    assert page.hrefs() == [SAFE_URL]
    for attack in ATTACKS:
        assert attack in page.shown
    for svg in re.findall(r"<svg xmlns=.*?</svg></svg>", html):
        ET.fromstring(svg)  # each chart stays well-formed


def test_hostile_names_and_values_in_a_sweep_appear_only_as_text() -> None:
    trials = [TrialRow(a, a, {a: a, "lr": 0.1}, float(i)) for i, a in enumerate(ATTACKS)]
    html = sweep_tab_html(
        sweep_id=ATTACKS[0],
        sweep_url="javascript:alert(1)",
        metric=ATTACKS[1],
        goal=None,
        trials=trials,
        updated=ATTACKS[2],
    )
    page = assert_only_our_markup(html)

    assert page.hrefs() == []
    for attack in ATTACKS:
        assert attack in page.shown


@pytest.mark.parametrize(
    "url",
    [
        SAFE_URL,
        "http://localhost:8080/a?b=1#c",
        "https://[::1]:443/x",
        "HTTPS://WANDB.AI/team",
        "https://wandb.ai",
    ],
)
def test_absolute_http_urls_become_links(url: str) -> None:
    assert safe_href(url) == url
    assert Page(run_tab_html(LiveRun(run_id="r"), links=[("run", url)])).hrefs() == [url]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example.com/x",
        "/runs/abc",
        "runs/abc",
        "https:evil.example.com",
        "https://",
        "https:///evil.example.com",
        "https://user:secret@wandb.ai/team",
        "https://@wandb.ai/team",
        "https://wandb.ai\n.evil.example.com",
        " https://wandb.ai",
        'https://wandb.ai/"onmouseover="alert(1)',
        "https://wandb.ai/<x>",
        "https://wandb.ai\\@evil.example.com",
        "https://wandb.ai:99999/",
        "https://w\u0430ndb.ai/",  # a Cyrillic "a"
        "ftp://wandb.ai/",
        "",
    ],
)
def test_other_urls_are_shown_as_text_never_as_links(url: str) -> None:
    html = run_tab_html(LiveRun(run_id="r"), links=[("run", url)], note=None)
    page = Page(html)

    assert safe_href(url) is None
    assert page.hrefs() == []
    assert "run: " in page.shown


def test_tab_is_a_self_contained_fragment_without_script() -> None:
    html = run_tab_html(demo_run(), links=[("W&B run", SAFE_URL)], updated="now", refresh_s=10)
    lowered = html.lower()

    for forbidden in (
        "<script",
        "javascript:",
        " src=",
        "url(",
        "@import",
        "<html",
        "<body",
        "<link",
        "<img",
    ):
        assert forbidden not in lowered
    assert html.startswith('<div class="fwb">') and html.endswith("</div>")
    assert NOSCRIPT == "<noscript><style>#flyte-frame-container > div { display: block }</style></noscript>"
    assert html.count(NOSCRIPT) == 1 and html.count(STYLE) == 1
    # the rule the fallback overrides is Flyte's own: its report page hides inactive tabs with it
    template = flyte.report.Report(name="x").template_path.read_text()
    assert re.search(r"#flyte-frame-container > div \{\s*display: None;", template)


def test_stylesheet_is_scoped_and_has_dark_colours() -> None:
    css = STYLE.removeprefix("<style>").removesuffix("</style>")
    inner = re.sub(r"@media \(prefers-color-scheme:dark\)\{(.*\})\}", r"\1", css, flags=re.S)
    selectors = [s.strip() for block in re.findall(r"([^{}]+)\{[^{}]*\}", inner) for s in block.split(",")]

    assert "@media (prefers-color-scheme:dark)" in css
    assert selectors and all(s.startswith(".fwb") for s in selectors), selectors
    assert "#000" not in css and "black" not in css


# ---- the sweep tab ---------------------------------------------------------------------------


SWEEP_TRIALS = [
    TrialRow("t1", "finished", {"lr": 0.1, "opt": {"name": "adam"}}, 0.5),
    TrialRow("t2", "running", {"lr": 0.01}, None),
    TrialRow("t3", "finished", {"lr": 0.001, "opt": {"name": "sgd"}}, 0.2),
    TrialRow("t4", "failed", {"lr": 0.3}, 0.9),
    TrialRow("t5", "finished", {"lr": 0.05, "opt": {"name": "sgd"}}, 0.2),
]


@pytest.mark.parametrize(
    ("goal", "order", "ranks"),
    [
        ("minimize", ["t3", "t5", "t1", "t4", "t2"], ["1", "2", "3", "4", "\u2013"]),
        (None, ["t3", "t5", "t1", "t4", "t2"], ["1", "2", "3", "4", "\u2013"]),
        ("maximize", ["t4", "t1", "t3", "t5", "t2"], ["1", "2", "3", "4", "\u2013"]),
    ],
)
def test_sweep_leaderboard_is_best_first(goal: str | None, order: list[str], ranks: list[str]) -> None:
    html = sweep_tab_html(
        sweep_id="sw1",
        sweep_url="https://wandb.ai/t/p/sweeps/sw1",
        metric="val/loss",
        goal=goal,
        trials=SWEEP_TRIALS,
    )
    rows = table_rows(html, "Leaderboard")
    header = Page(html[html.index("Leaderboard") : html.index("<tbody>", html.index("Leaderboard"))]).shown

    assert header.endswith("ranktrialrunstatelropt.nameval/loss")
    assert [r[2] for r in rows] == order
    assert [r[0] for r in rows] == ranks
    assert rows[0][1] == str(1 + [t.run_id for t in SWEEP_TRIALS].index(order[0]))
    assert rows[-1][-1] == "\u2013" and rows[-1][3] == "running"
    assert Page(html).hrefs() == ["https://wandb.ai/t/p/sweeps/sw1"]
    assert f"val/loss ({goal or 'minimize'}), 5 trials: 3 finished, 1 running, 1 failed" in Page(html).shown


def test_sweep_chart_plots_the_metric_by_trial_with_the_best_so_far() -> None:
    html = sweep_tab_html(
        sweep_id="sw1", sweep_url=None, metric="val/loss", goal="maximize", trials=SWEEP_TRIALS, updated="now"
    )
    root = ET.fromstring(re.search(r"<svg xmlns=.*?</svg></svg>", html)[0])  # type: ignore[index]

    assert hover_titles(root) == ["trial 1: 0.5", "trial 3: 0.2", "trial 4: 0.9", "trial 5: 0.2"]
    assert len(list(root.iter(f"{SVG}circle"))) == 4
    best = next(p for p in root.iter(f"{SVG}path") if p.get("class") == "best").get("d", "")
    assert [float(n) < 0 for n in re.findall(r"v(-?[\d.]+)", best)] == [True]  # 0.5 -> 0.9, once, upwards
    assert "Offline sweep" in Page(html).shown and Page(html).hrefs() == []


def test_sweep_without_trials() -> None:
    html = sweep_tab_html(sweep_id="sw1", sweep_url=None, metric=None, goal="minimize", trials=[])

    assert "No trial yet." in Page(html).shown and "<svg" not in html


def test_sweep_tab_refuses_an_unknown_goal() -> None:
    with pytest.raises(ValueError, match=r"goal='max'\): use 'minimize', 'maximize' or None"):
        sweep_tab_html(sweep_id="s", sweep_url=None, metric="m", goal="max", trials=[])


# ---- size, a real run, the demo page ----------------------------------------------------------


def test_tab_for_ten_metrics_over_a_million_steps_stays_small() -> None:
    """10 metrics over steps 0..999,990, 100,000 values each through real ``Series`` (1,000,000
    values per metric take seconds each to feed and draw the same number of points)."""
    rng = random.Random(11)
    metrics: dict[str, Series] = {}
    for k in range(10):
        series = Series(1000)
        for i in range(0, 1_000_000, 10):
            spike = 5 if rng.random() < 1e-4 else 0
            series.add(i, (k + 1) * math.exp(-i / 300_000) + rng.gauss(0, 0.05) + spike)
        metrics[f"{('train', 'val')[k % 2]}/metric_{k}"] = series
    run = LiveRun(run_id="big", metrics=metrics, rows=100_000, last_step=999_990, config={"lr": 0.1})
    html = run_tab_html(run, links=[("W&B run", SAFE_URL)], updated="now", refresh_s=10)
    size = len(html.encode())
    charts = re.findall(r"<svg xmlns=.*?</svg></svg>", html)
    by_name = {(ET.fromstring(c).get("aria-label") or "").split(":")[0]: c for c in charts}

    assert len(charts) == 10 and set(by_name) == set(metrics)
    for name, series in metrics.items():
        assert len(line_points(ET.fromstring(by_name[name]))) == len(series.points()) <= 1000
    assert all(len(hover_titles(ET.fromstring(c))) <= MAX_HOVER_BANDS for c in charts)
    per_chart = max(len(c.encode()) for c in charts)
    print(f"tab: {size} bytes ({size / 1024:.1f} KiB) for 10 metrics; largest chart {per_chart} bytes")
    assert size < 300 * 1024
    assert per_chart < 24 * 1024


def test_tab_of_a_real_offline_run(offline_run: Callable[..., Any]) -> None:
    rows = [{"train/loss": 1 / (i + 1), "val/acc": i / 60, "note": f"row {i}"} for i in range(60)]
    logged = offline_run("tabrun", rows, config={"lr": 0.1, "flyte": {"run_name": "r1"}})
    live = LiveRun()
    live.feed(RecordTail(records.record_log_path(logged.run_dir)).poll())
    html = run_tab_html(live, links=[("W&B run", SAFE_URL)])
    page = Page(html)
    charts = re.findall(r"<svg xmlns=.*?</svg></svg>", html)

    assert chart_names(page) == ["train/loss", "val/acc"]
    loss = ET.fromstring(charts[0])
    assert len(line_points(loss)) == 60
    assert hover_titles(loss)[-1] == f"step 59: {hover_number(1 / 60)}"
    assert "finished (exit code 0)" in page.shown and "60 rows logged, last step 59" in page.shown
    assert [r[0] for r in table_rows(html, "Config (")] == ["flyte.run_name", "lr"]
    assert ["note", "text"] in table_rows(html, "Logged values not charted")


def test_render_demo_writes_a_flyte_report_page(tmp_path: Path) -> None:
    path = render_demo(tmp_path / "report.html")
    html = path.read_text(encoding="utf-8")

    assert html.count('<div class="fwb">') == 2 and html.count(NOSCRIPT) == 2
    assert len(Page(html).all("svg", **{"class": "chart"})) == 6
    print(f"demo page: {path} ({len(html.encode())} bytes)")


if __name__ == "__main__":
    print(render_demo(Path(sys.argv[1] if len(sys.argv) > 1 else "wandb-tab-demo.html")))
