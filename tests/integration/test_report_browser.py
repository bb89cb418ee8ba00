"""The W&B tab of a real Flyte report, opened in a real headless Chromium with JavaScript off.

A local Flyte run of a ``@wandb_init(report=True)`` task logs a few metrics offline; its
``report.html`` is loaded as a sandboxed viewer would show it (no scripts), light and dark, and
the tab alone in a bare page. Checked: the charts are in the rendered DOM and laid out, the
screenshot shows them, and the page asks for nothing over the network but the one stylesheet
Flyte's own page template links (Google Fonts); the tab itself asks for nothing.

Needs Chromium (``apt-get install -y chromium``); skipped without it, unless
``FLYTE_WANDB_REQUIRE_BROWSER=1`` (CI), then failed. ``REPORT_SCREENSHOT=<path.png>`` saves the
light screenshot there and the dark one next to it (``<name>-dark.png``).
"""

from __future__ import annotations

import html
import math
import os
import re
import struct
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import flyte
import flyte.report
import numpy as np
import pytest

from flyteplugins.wandb import get_wandb_run, wandb_config, wandb_init
from flyteplugins.wandb_artifacts.internal import TAB_NAME

sys.path.insert(0, str(Path(__file__).parent))
from headless_chromium import BINARIES, Chart, Loaded, find_chromium, load, net_log_requests
from png_pixels import SIGNATURE, decode_rgb, paeth

METRICS = ("train/loss", "train/acc", "val/loss", "val/acc", "lr")
STEPS = 200
BROWSER_OWN = "not an origin"  # the net log's initiator of Chromium's own background requests
FONTS = "https://fonts.googleapis.com/"
_CLEARED = ("WANDB_API_KEY", "WANDB_BASE_URL", "WANDB_ENTITY", "WANDB_PROJECT", "WANDB_RUN_ID")
_CLEARED += ("WANDB_RESUME", "WANDB_SWEEP_ID", "WANDB_SERVICE")
_SET = {"WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_DISABLE_GIT": "true"}
_SET |= {"WANDB_X_DISABLE_STATS": "true"}
_DIRS = {"WANDB_DIR": "runs", "WANDB_CONFIG_DIR": "config", "WANDB_CACHE_DIR": "cache"}
_DIRS |= {"WANDB_DATA_DIR": "data"}

env = flyte.TaskEnvironment(name="report_browser")


@wandb_init(report=True)
@env.task
async def train(steps: int) -> str:
    run = get_wandb_run()
    for step in range(steps):
        decay = math.exp(-step / 40)
        run.log(
            {
                "train/loss": 2 * decay + 0.05 * math.sin(step),
                "train/acc": 1 - decay,
                "val/loss": 2.2 * decay + 0.1,
                "val/acc": 0.9 * (1 - decay),
                "lr": 0.01 * 0.5 ** (step // 50),
            }
        )
    return str(flyte.ctx().output_path)


@dataclass
class Report:
    path: Path
    fragment: str
    """The W&B tab's HTML, as the report holds it."""
    prefix: str
    """Flyte's page before the tab (its template, head and tab bar)."""
    workdir: Path


def _chromium() -> str:
    found = find_chromium()
    if found is not None:
        return found
    looked_for = ", ".join(BINARIES)
    if os.environ.get("FLYTE_WANDB_REQUIRE_BROWSER") == "1":
        pytest.fail(
            f"FLYTE_WANDB_REQUIRE_BROWSER=1, but none of {looked_for} is on PATH: apt-get install -y chromium"
        )
    pytest.skip(f"no Chromium on PATH ({looked_for}): apt-get install -y chromium to run the browser tests")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    """One local run of ``train``; its report page and the tab split out of it."""
    _chromium()  # skip before the run when there is no browser to look at it
    import wandb

    tmp = tmp_path_factory.mktemp("report-browser")
    # Module-scoped, so set up here what the per-test fixtures of tests/conftest.py would.
    with pytest.MonkeyPatch.context() as mp:
        for name in _CLEARED:
            mp.delenv(name, raising=False)
        for name, value in _SET.items():
            mp.setenv(name, value)
        for name, sub in _DIRS.items():
            (tmp / sub).mkdir()
            mp.setenv(name, str(tmp / sub))
        mp.setenv("NETRC", str(tmp / "no-netrc"))
        wandb.teardown()
        try:
            run = flyte.with_runcontext(
                mode="local",
                raw_data_path=str(tmp / "flyte-raw"),
                custom_context=dict(wandb_config(project="browser", mode="offline")),
            ).run(train, STEPS)
            output_path = Path(run.outputs()[0])
        finally:
            wandb.teardown()
    # Flyte's local mode writes the report under /tmp/flyte/metadata/<run>/ (not configurable).
    path = tmp / "report.html"
    path.write_bytes((output_path / "report.html").read_bytes())
    prefix, fragment, _ = _split(path.read_text())
    yield Report(path, fragment, prefix, tmp)


def _split(page: str) -> tuple[str, str, str]:
    """``page`` as Flyte's page around a W&B tab: (before the tab, the tab, after it). Raises
    when anything outside the tab differs from what ``flyte.report.Report`` writes."""
    marker = "\x00tab\x00"
    shell = flyte.report.Report("shell")
    shell.get_tab(TAB_NAME).replace(marker)
    before, after = str(shell.get_final_report()).split(marker)
    assert page.startswith(before) and page.endswith(after), "the report is Flyte's page with one W&B tab"
    return before, page[len(before) : len(page) - len(after)], after


@pytest.fixture(scope="module")
def light(report: Report) -> Loaded:
    loaded = load(_chromium(), report.path.as_uri(), report.workdir / "chromium-light")
    _save_screenshot(loaded.png, "")
    return loaded


@pytest.fixture(scope="module")
def dark(report: Report) -> Loaded:
    loaded = load(_chromium(), report.path.as_uri(), report.workdir / "chromium-dark", dark=True)
    _save_screenshot(loaded.png, "-dark")
    return loaded


def _save_screenshot(png: bytes, suffix: str) -> None:
    wanted = os.environ.get("REPORT_SCREENSHOT")
    if wanted:
        target = Path(wanted)
        target.with_name(f"{target.stem}{suffix}{target.suffix or '.png'}").write_bytes(png)


def _title(svg: str) -> str:
    match = re.search(r"<text\b[^>]*>(.*?)</text>", svg, re.S)
    assert match, f"a chart without a title: {svg[:200]}"
    return html.unescape(match.group(1))


def test_every_metric_is_a_chart_in_the_rendered_dom_with_scripts_off(light: Loaded) -> None:
    # The template's script would number the tabs (link_index="1") and mark one "active".
    assert 'link_index="' not in light.dom and 'class="active"' not in light.dom
    assert light.dom.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == len(METRICS)
    assert sorted(_title(chart.svg) for chart in light.charts) == sorted(METRICS)


def test_the_charts_are_laid_out_side_by_side_on_the_page(light: Loaded) -> None:
    # Flyte's page hides its tabs until its script runs; the tab's <noscript> style shows them.
    # DOM.getBoxModel fails for an element that is not rendered, so each box is proof of layout.
    page_w, page_h = light.page_size
    boxes = [(c.x, c.y, c.width, c.height) for c in light.charts]
    for x, y, w, h in boxes:
        laid_out = w >= 300 and h >= 150 and x >= 0 and y >= 0 and x + w <= page_w and y + h <= page_h
        assert laid_out, f"charts not laid out on the {page_w}x{page_h} page (0 = not rendered): {boxes}"
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap = a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]
            assert not overlap, (a, b)
    assert len({y for _, y, _, _ in boxes}) < len(boxes), "charts share rows at 1280 px wide"


def _crop(pixels: np.ndarray, chart: Chart) -> np.ndarray:
    return pixels[
        int(chart.y) + 2 : int(chart.y + chart.height) - 2, int(chart.x) + 2 : int(chart.x + chart.width) - 2
    ]


def _packed(area: np.ndarray) -> np.ndarray:
    """Each pixel's colour as one number (``np.unique`` on rows of 3 is ~100x slower)."""
    rgb = area.reshape(-1, 3).astype(np.uint32)
    return (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]


def _dominant(area: np.ndarray) -> np.ndarray:
    colours, counts = np.unique(_packed(area), return_counts=True)
    top = int(colours[counts.argmax()])
    return np.array([top >> 16, (top >> 8) & 0xFF, top & 0xFF], dtype=float)


def _luminance(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.2126 + rgb[..., 1] * 0.7152 + rgb[..., 2] * 0.0722


def _line_pixels(area: np.ndarray) -> int:
    """Pixels of a saturated colour: the chart's line (axes, grid and text are grey)."""
    spread = area.max(axis=-1).astype(int) - area.min(axis=-1).astype(int)
    return int((spread > 80).sum())


def test_the_screenshot_shows_every_chart(light: Loaded) -> None:
    pixels = decode_rgb(light.png)
    assert pixels.shape == (light.page_size[1], light.page_size[0], 3)
    distinct = len(np.unique(_packed(pixels)))
    assert distinct >= 100, f"{distinct} colours: a blank or flat screenshot"
    assert (_luminance(pixels) < 200).mean() > 0.01, "hardly any text or lines on the page"
    for chart in light.charts:
        area = _crop(pixels, chart)
        assert _luminance(_dominant(area)) > 200, f"{_title(chart.svg)}: not drawn on a light background"
        # The line crosses the plot, a few hundred pixels wide.
        assert _line_pixels(area) >= chart.width / 2, f"{_title(chart.svg)}: no line in the screenshot"
        assert (_luminance(area) < 140).sum() >= 200, f"{_title(chart.svg)}: no axis labels"


def test_dark_mode_draws_the_charts_light_on_dark(dark: Loaded) -> None:
    assert sorted(_title(chart.svg) for chart in dark.charts) == sorted(METRICS)
    pixels = decode_rgb(dark.png)
    for chart in dark.charts:
        area = _crop(pixels, chart)
        assert _luminance(_dominant(area)) < 60, f"{_title(chart.svg)}: not drawn on a dark background"
        assert _line_pixels(area) >= chart.width / 2, f"{_title(chart.svg)}: no line in the screenshot"
        assert (_luminance(area) > 120).sum() >= 200, f"{_title(chart.svg)}: no light axis labels"


def _page_asked_for(loaded: Loaded) -> list[str]:
    """URLs the page made the network stack fetch (the browser's own requests left out)."""
    return sorted({r["url"] for r in net_log_requests(loaded.net_log) if r["initiator"] != BROWSER_OWN})


def test_the_report_page_requests_only_the_font_stylesheet_of_flytes_template(
    report: Report, light: Loaded
) -> None:
    asked = _page_asked_for(light)
    assert all(url.startswith(FONTS) for url in asked), asked
    assert "fonts.googleapis" not in report.fragment
    assert all(url in report.prefix for url in asked), "each one is linked by Flyte's page, before the tab"
    # The page's own view of it: the parser asked, at a line of the page before the tab starts.
    remote = [r for r in light.page_requests if not r["url"].startswith("file:")]
    assert sorted({r["url"] for r in remote}) == asked
    tab_starts = report.prefix.count("\n")
    assert all(
        r["initiator"]["type"] == "parser" and r["initiator"]["lineNumber"] < tab_starts for r in remote
    )


def test_the_tab_alone_makes_no_request(report: Report) -> None:
    """What a viewer that shows the tab without Flyte's template (or sandboxed) loads."""
    bare = report.workdir / "tab-alone.html"
    head = '<!doctype html><html><head><meta charset="utf-8"><title>tab</title></head>'
    bare.write_text(f"{head}<body>{report.fragment}</body></html>")
    loaded = load(_chromium(), bare.as_uri(), report.workdir / "chromium-tab-alone")
    assert _page_asked_for(loaded) == []
    assert [r["url"] for r in loaded.page_requests] == [bare.as_uri()]
    assert sorted(_title(chart.svg) for chart in loaded.charts) == sorted(METRICS)
    assert all(chart.width >= 300 and chart.height >= 150 for chart in loaded.charts)


def _png(rows: list[bytes], width: int, filters: list[int]) -> bytes:
    """An 8-bit RGB PNG of ``rows`` (raw pixel bytes), each row stored with its filter."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    stored, above = b"", bytes(width * 3)
    for row, kind in zip(rows, filters, strict=True):
        out = bytearray()
        for i, value in enumerate(row):
            left = row[i - 3] if i >= 3 else 0
            corner = above[i - 3] if i >= 3 else 0
            predictor = (0, left, above[i], (left + above[i]) >> 1, paeth(left, above[i], corner))[kind]
            out.append((value - predictor) & 0xFF)
        stored += bytes([kind]) + bytes(out)
        above = row
    header = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)
    return SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(stored)) + chunk(b"IEND", b"")


def test_the_png_decoder_undoes_every_row_filter() -> None:
    rng = np.random.default_rng(7)
    width, filters = 9, [0, 1, 2, 3, 4, 4, 3, 1, 2, 0]
    image = rng.integers(0, 256, size=(len(filters), width, 3), dtype=np.uint8)
    decoded = decode_rgb(_png([bytes(row.reshape(-1)) for row in image], width, filters))
    assert np.array_equal(decoded, image)
