"""Static inline-SVG line charts for the report tab: no JavaScript, no library, a few KiB each.

:func:`line_chart` writes one ``<svg>`` element: a title, axes with "nice" ticks, the line, an
optional best-so-far step line and point markers, and at most :data:`MAX_HOVER_BANDS` invisible
vertical bands whose ``<title>`` shows the values under the pointer. Colours come from
``currentColor`` and CSS classes (``ln``, ``best``, ``mk``, ``gr``, ``ax``, ``mu``, ``hv``) that
the page styles; the attributes alone already give a readable chart.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from .markup import esc

MAX_HOVER_BANDS = 100
"""Upper bound on hover ``<title>`` elements per chart: one per band of the x axis."""

_LIMIT = 1e300  # plotted values are clamped to +-_LIMIT so that every span stays finite
_DEGENERATE = 1e-12  # a span this small relative to the values is drawn as a constant
_CHAR_W = 6.2  # average glyph width at font-size 11, for the left margin
_TITLE_CHAR_W = 7.0  # the same for the bold 12px title
_TOP, _BOTTOM, _RIGHT = 26, 34, 14
_FAINT = ' stroke-opacity=".4"'  # the line between sweep trials, behind their dots

Point = tuple[float, float]


def line_chart(
    title: str,
    points: Sequence[tuple[float, float]],
    *,
    step_line: Sequence[tuple[float, float]] | None = None,
    markers: bool = False,
    x_label: str = "step",
    width: int = 480,
    height: int = 240,
) -> str:
    """One ``<svg>`` element charting ``points`` (``(x, y)``, x ascending) under ``title``.

    ``step_line`` adds a second, dashed line drawn as steps (a best-so-far line); ``markers``
    draws a dot per point (sweep trials). Non-finite points are left out; an empty, constant or
    single-point series still gives a well-formed chart. All text is escaped.

    Raises:
        ValueError: ``width``/``height`` too small to hold a plot area.
    """
    if width < 160 or height < 100:
        raise ValueError(f"line_chart(width={width}, height={height}): use at least 160 x 100 pixels.")
    pts = _finite(points)
    steps = _finite(step_line or ())
    label = esc(title)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(_summary(title, pts, x_label))}" '
        'font-family="system-ui,sans-serif" font-size="11" fill="currentColor">'
    )
    shown = _fit(label, title, int((width - 16) / _TITLE_CHAR_W))
    parts = [head, f'<text x="8" y="16" font-size="12" font-weight="600">{shown}</text>']
    if step_line:
        parts.append(f'<text class="lg" x="{width - _RIGHT}" y="16" text-anchor="end">- - best so far</text>')
    if not pts:
        parts.append(
            f'<text class="mu" x="{width // 2}" y="{height // 2}" text-anchor="middle">no data</text></svg>'
        )
        return "".join(parts)
    parts.extend(_Plot(pts, steps, width, height).render(markers, x_label))
    parts.append("</svg>")
    return "".join(parts)


def nice_ticks(lo: float, hi: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """Tick values in ``[lo, hi]``: multiples of a step of 1, 2 or 5 times a power of ten,
    about ``count`` of them (at least 1 when ``lo <= hi``); ``integer`` keeps the step >= 1."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi < lo:
        raise ValueError(f"nice_ticks({lo!r}, {hi!r}): give finite bounds with lo <= hi.")
    if hi == lo:
        return [lo]
    step = _nice_step((hi / 2 - lo / 2) / max(count, 1) * 2)  # halves: finite even for +-1e308
    if not (0 < step < math.inf):
        return [lo]
    if integer:
        step = max(step, 1.0)
    slack = step * 1e-9
    first, last = math.ceil((lo - slack) / step), math.floor((hi + slack) / step)
    ticks = [float(f"{k * step:.15g}") for k in range(first, last + 1)]
    return [t for t in ticks if lo - slack <= t <= hi + slack] or [lo]


def compact_number(value: float, step: float | None = None) -> str:
    """A short axis label: ``1.2k``, ``3M``, ``4.5B``, ``0.25``, ``1e-05``. ``step`` (the tick
    spacing) sets the precision so that neighbouring ticks get different labels."""
    if not math.isfinite(value):
        return "n/a"
    resolution = abs(step) if step and math.isfinite(step) else abs(value) * 1e-3
    if not resolution > 0:  # underflow for subnormal values
        resolution = abs(value) or 1.0
    if value == 0 or abs(value) < resolution * 1e-6:
        return "0"
    size = abs(value)
    if 1e3 <= size < 1e15:
        for divisor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
            if size >= divisor:
                return _fixed(value / divisor, resolution / divisor) + suffix
    if 1e-4 <= size < 1e3:
        return _fixed(value, resolution)
    digits = math.floor(math.log10(size)) - math.floor(math.log10(resolution)) + 1
    return f"{value:.{min(max(digits, 1), 15)}g}"


def hover_number(value: float) -> str:
    """A value as hover titles show it: 4 significant digits, an integral step in full."""
    value = float(value)
    if not math.isfinite(value):
        return "n/a"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}"


class _Plot:
    """The plot area of one chart: the data-to-pixel mapping and the elements drawn in it."""

    def __init__(self, pts: list[Point], steps: list[Point], width: int, height: int) -> None:
        self.pts, self.steps = pts, steps
        every = pts + steps
        xs = [_clamp(x) for x, _ in every]
        ys = [_clamp(y) for _, y in every]
        self.integer_x = all(x.is_integer() for x in xs)
        self.x0, self.x1 = _domain(min(xs), max(xs))
        self.y0, self.y1 = _domain(min(ys), max(ys))
        self.yticks = nice_ticks(self.y0, self.y1, max(2, (height - _TOP - _BOTTOM) // 40))
        ystep = self.yticks[1] - self.yticks[0] if len(self.yticks) > 1 else None
        self.ylabels = [compact_number(t, ystep) for t in self.yticks]
        widest = max(len(s) for s in self.ylabels)
        self.left = min(round(max(30.0, 10 + _CHAR_W * widest)), width // 3)  # very long labels get cut
        self.width, self.height = width, height
        self.pw, self.ph = width - self.left - _RIGHT, height - _TOP - _BOTTOM
        self.xticks = nice_ticks(self.x0, self.x1, max(2, self.pw // 80), integer=self.integer_x)
        pad = (self.y1 - self.y0) * 0.04  # keeps the line off the frame; ticks stay in the data range
        self.ylo, self.yhi = self.y0 - pad, self.y1 + pad
        self.coords = self.pixels(pts)

    def pixels(self, pts: Sequence[Point]) -> list[tuple[int, int]]:
        """Points in tenths of a pixel."""
        x0, yhi, left, top = self.x0, self.yhi, 10 * self.left, 10 * _TOP
        sx, sy = 10 * self.pw / (self.x1 - x0), 10 * self.ph / (yhi - self.ylo)
        return [(round(left + (_clamp(x) - x0) * sx), round(top + (yhi - _clamp(y)) * sy)) for x, y in pts]

    def px(self, x: float) -> int:
        """x in tenths of a pixel."""
        return self.pixels(((x, self.y0),))[0][0]

    def py(self, y: float) -> int:
        """y in tenths of a pixel."""
        return self.pixels(((self.x0, y),))[0][1]

    def render(self, markers: bool, x_label: str) -> list[str]:
        bottom, right = _TOP + self.ph, self.left + self.pw
        grid = "".join(f"M{self.left} {_dec(self.py(t))}h{self.pw}" for t in self.yticks)
        marks = "".join(f"M{_dec(self.px(t))} {bottom}v4" for t in self.xticks)
        out = [
            f'<path class="gr" d="{grid}" fill="none" stroke="currentColor" stroke-opacity=".15"/>',
            f'<path class="ax" d="M{self.left} {_TOP}V{bottom}H{right}{marks}" fill="none" '
            'stroke="currentColor" stroke-opacity=".5"/>',
            f'<g class="mu" text-anchor="end">{self._ylabels()}</g>',
            f'<g class="mu" text-anchor="middle">{self._xlabels(bottom + 15)}</g>',
            f'<text class="mu" x="{right}" y="{self.height - 4}" text-anchor="end">{esc(x_label)}</text>',
            f'<path class="ln" d="{self._line()}" fill="none" stroke="currentColor" stroke-width="1.5" '
            f'stroke-linejoin="round"{_FAINT if markers else ""}/>',
        ]
        if self.steps:
            out.append(
                f'<path class="best" d="{self._step_line()}" fill="none" stroke="currentColor" '
                'stroke-width="1.5" stroke-dasharray="5 3"/>'
            )
        if markers or len(self.pts) == 1:
            dots = "".join(f'<circle cx="{_dec(x)}" cy="{_dec(y)}" r="3"/>' for x, y in self.coords)
            out.append(f'<g class="mk">{dots}</g>')
        out.append(self._hover(x_label))
        return out

    def _ylabels(self) -> str:
        x = self.left - 5
        # a baseline 3.5 px below the grid line centres the digits on it
        return "".join(
            f'<text x="{x}" y="{_dec(self.py(t) + 35)}">{s}</text>'
            for t, s in zip(self.yticks, self.ylabels, strict=True)
        )

    def _xlabels(self, y: int) -> str:
        step = self.xticks[1] - self.xticks[0] if len(self.xticks) > 1 else None
        return "".join(
            f'<text x="{_dec(self.px(t))}" y="{y}">{compact_number(t, step)}</text>' for t in self.xticks
        )

    def _line(self) -> str:
        coords = self.coords
        (x, y), rest = coords[0], coords[1:]
        tokens: list[str] = []
        for nx, ny in rest:
            tokens += (_dec(nx - x), _dec(ny - y))
            x, y = nx, ny
        return f"M{_dec(coords[0][0])} {_dec(coords[0][1])}" + (f"l{_join(tokens)}" if tokens else "")

    def _step_line(self) -> str:
        coords = self.pixels(self.steps)
        (x, y), parts = coords[0], [f"M{_dec(coords[0][0])} {_dec(coords[0][1])}"]
        for nx, ny in coords[1:]:
            if nx != x:
                parts.append(f"h{_dec(nx - x)}")
            if ny != y:
                parts.append(f"v{_dec(ny - y)}")
            x, y = nx, ny
        return "".join(parts)

    def _hover(self, x_label: str) -> str:
        """Invisible bands tiling the plot area, each titled with the points it holds. Drawn in
        a nested viewport whose unit is a tenth of a pixel, so every coordinate is an integer."""
        pts, coords = self.pts, self.coords
        left, span = 10 * self.left, 10 * self.pw
        many = len(pts) > MAX_HOVER_BANDS
        groups: list[list[Point]] = []
        keys: list[int] = []
        centres: list[tuple[int, int]] = []  # first and last x of each group's points
        for i in sorted(range(len(pts)), key=lambda i: pts[i][0]):
            at = coords[i][0] - left
            key = min(MAX_HOVER_BANDS - 1, at * MAX_HOVER_BANDS // span) if many else at
            if keys and keys[-1] == key:
                groups[-1].append(pts[i])
                centres[-1] = (centres[-1][0], at)
            else:
                keys.append(key)
                groups.append([pts[i]])
                centres.append((at, at))
        bounds = [0, *((a[1] + b[0]) // 2 for a, b in itertools.pairwise(centres)), span]
        rects = "".join(
            f'<rect x="{a}" width="{b - a}" height="1"><title>{esc(_band_title(g, x_label))}</title></rect>'
            for g, (a, b) in zip(groups, itertools.pairwise(bounds), strict=True)
            if b > a
        )
        return (
            f'<svg class="hv" x="{self.left}" y="{_TOP}" width="{self.pw}" height="{self.ph}" '
            f'viewBox="0 0 {span} 1" preserveAspectRatio="none" fill="none" pointer-events="all">'
            f"{rects}</svg>"
        )


def _band_title(group: list[Point], x_label: str) -> str:
    if len(group) == 1:
        x, y = group[0]
        return f"{x_label} {hover_number(x)}: {hover_number(y)}"
    ys = [y for _, y in group]
    return (
        f"{x_label} {hover_number(group[0][0])}..{hover_number(group[-1][0])}: "
        f"{hover_number(min(ys))}..{hover_number(max(ys))}, last {hover_number(ys[-1])}"
    )


def _summary(title: str, pts: list[Point], x_label: str) -> str:
    if not pts:
        return f"{title}: no data"
    ys = [y for _, y in pts]
    plural = "s" if len(pts) > 1 else ""
    return (
        f"{title}: line chart of {len(pts)} point{plural}, {x_label} {hover_number(pts[0][0])} to "
        f"{hover_number(pts[-1][0])}, last {hover_number(ys[-1])}, "
        f"min {hover_number(min(ys))}, max {hover_number(max(ys))}"
    )


def _finite(points: Sequence[tuple[float, float]]) -> list[Point]:
    out: list[Point] = []
    for x, y in points:
        fx, fy = float(x), float(y)
        if math.isfinite(fx) and math.isfinite(fy):
            out.append((fx, fy))
    return out


def _domain(lo: float, hi: float) -> tuple[float, float]:
    """``(lo, hi)``, widened around the middle when the values are (nearly) all the same."""
    if hi - lo > max(abs(lo), abs(hi)) * _DEGENERATE and hi - lo > 1e-280:
        return lo, hi
    mid = lo / 2 + hi / 2
    pad = abs(mid) * 0.1 if abs(mid) > 1e-280 else 1.0
    return mid - pad, mid + pad


def _nice_step(raw: float) -> float:
    """The 1/2/5 x 10^k step nearest to ``raw`` (on a log scale), so the tick count stays near
    the one asked for."""
    magnitude = 10.0 ** math.floor(math.log10(raw))
    ratio = raw / magnitude
    for mantissa, above in ((10, math.sqrt(50)), (5, math.sqrt(10)), (2, math.sqrt(2))):
        if ratio >= above:
            return mantissa * magnitude
    return magnitude


def _fixed(value: float, resolution: float) -> str:
    decimals = min(max(0, -math.floor(math.log10(resolution) + 1e-9)), 15)
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _clamp(value: float) -> float:
    return max(-_LIMIT, min(_LIMIT, value))


def _dec(tenths: int) -> str:
    """Tenths of a pixel as the shortest SVG number: 123 -> "12.3", 4 -> ".4", -40 -> "-4"."""
    whole, frac = divmod(abs(tenths), 10)
    text = (str(whole) if whole else "") + (f".{frac}" if frac else "")
    if not text:
        return "0"
    return "-" + text if tenths < 0 else text


def _join(tokens: list[str]) -> str:
    """Path numbers with a separator only where the path grammar needs one: "-" always starts
    a new number, and "." does after a number that already has one ("1.2.4" is 1.2 and .4)."""
    out: list[str] = []
    previous = ""
    for token in tokens:
        if out and not token.startswith("-") and (token[0] != "." or "." not in previous):
            out.append(" ")
        out.append(token)
        previous = token
    return "".join(out)


def _fit(escaped: str, raw: str, limit: int) -> str:
    if len(raw) <= limit:
        return escaped
    return esc(raw[: max(limit - 1, 1)]) + "\u2026"
