"""Bar charts drawn on the server as accessible SVG: no JavaScript, no fonts, no requests.

Pure functions: data in, markup out. Each chart is an ``<svg role="img">`` named by its
``<title>`` and described by a ``<desc>`` that reads out every value, so a screen reader gets
the numbers without the picture; pages should still put the same numbers in a table beside it.
Every piece of text is escaped, so labels may hold anything a person typed.
"""

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

# Bootstrap 5.3's palette. Bars need 3:1 against white (WCAG non-text contrast), so orange
# is Bootstrap's orange-600 rather than the lighter base orange.
BLUE = "#0d6efd"
INDIGO = "#6610f2"
PURPLE = "#6f42c1"
RED = "#dc3545"
ORANGE = "#ca6510"
GREEN = "#198754"
GRAY = "#6c757d"
PALETTE = (BLUE, ORANGE, PURPLE, RED, GREEN, INDIGO, GRAY)

TEXT = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"
NO_DATA = "No data in this period"

Number = int | float
Formatter = Callable[[Number], str]


def format_number(value: Number) -> str:
    """Whole numbers without decimals, others with one."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


@dataclass(frozen=True)
class _Frame:
    """Where the plot sits inside the picture."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def baseline(self) -> float:
        return self.height - self.bottom


def _check(values: Sequence[Number | None]) -> None:
    for value in values:
        if value is not None and (value < 0 or not math.isfinite(value)):
            raise ValueError(f"bar values must be finite and not negative, got {value!r}")


def nice_scale(maximum: float, *, max_ticks: int = 5, whole: bool = True) -> tuple[float, float]:
    """A round top for the y axis and the step between its gridlines (1, 2 or 5 × 10ⁿ)."""
    if maximum <= 0:
        return 1.0, 1.0
    raw = maximum / max_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(step, 1)
    return math.ceil(maximum / step - 1e-9) * step, step


def _chart_id(kind: str, title: str, payload: str) -> str:
    digest = hashlib.sha1(f"{kind}|{title}|{payload}".encode(), usedforsecurity=False)
    return f"chart-{digest.hexdigest()[:10]}"


def _attrs(**attributes: object) -> str:
    return " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{escape(str(value), quote=True)}"'
        for name, value in attributes.items()
    )


def _text(x: float, y: float, content: str, *, fill: str = TEXT, **attributes: object) -> str:
    return f"<text {_attrs(x=_n(x), y=_n(y), fill=fill, **attributes)}>{escape(content)}</text>"


def _n(value: float) -> str:
    """Coordinates with at most two decimals, and no ``-0``."""
    rounded = round(value, 2) + 0.0
    return f"{rounded:g}" if abs(rounded) < 1e6 else f"{rounded:.2f}"


def _open(chart_id: str, frame: _Frame, title: str, desc: str) -> list[str]:
    return [
        '<svg xmlns="http://www.w3.org/2000/svg" '
        + _attrs(
            id=chart_id,
            class_="oversight-chart img-fluid",
            viewBox=f"0 0 {frame.width} {frame.height}",
            width=frame.width,
            height=frame.height,
            role="img",
            aria_labelledby=f"{chart_id}-title {chart_id}-desc",
            font_family=FONT,
            font_size=11,
        )
        + ">",
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _no_data(kind: str, title: str, width: int, height: int) -> SafeString:
    frame = _Frame(width, height, 0, 0, 0, 0)
    parts = _open(_chart_id(kind, title, ""), frame, title, f"{title}: {NO_DATA.lower()}.")
    parts.append(
        "<rect "
        + _attrs(
            x=0.5, y=0.5, width=width - 1, height=height - 1, rx=6, fill="#f8f9fa", stroke=GRID
        )
        + "/>"
    )
    parts.append(
        _text(
            width / 2,
            height / 2,
            NO_DATA,
            fill=MUTED,
            font_size=14,
            text_anchor="middle",
            dominant_baseline="middle",
        )
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every piece of text is escaped above


def _axes(
    frame: _Frame, top: float, step: float, y_label: str, value_format: Formatter
) -> list[str]:
    parts = []
    ticks = round(top / step)
    for i in range(ticks + 1):
        value = step * i
        y = frame.baseline - value / top * frame.plot_height
        parts.append(
            "<line "
            + _attrs(
                x1=frame.left,
                x2=_n(frame.width - frame.right),
                y1=_n(y),
                y2=_n(y),
                stroke=GRID if i else MUTED,
                stroke_width=1,
            )
            + "/>"
        )
        parts.append(
            _text(
                frame.left - 6, y, value_format(value), fill=MUTED, text_anchor="end", dy="0.32em"
            )
        )
    if y_label:
        x, y = 12, frame.top + frame.plot_height / 2
        parts.append(
            _text(
                x,
                y,
                y_label,
                fill=MUTED,
                text_anchor="middle",
                transform=f"rotate(-90 {x} {_n(y)})",
            )
        )
    return parts


def _x_labels(frame: _Frame, labels: Sequence[str], slot: float) -> list[str]:
    # Roughly 7 px a character at 11 px; thin the labels out rather than let them overlap.
    longest = max((len(label) for label in labels), default=1)
    every = max(1, math.ceil((longest * 6.5 + 6) / slot))
    parts = []
    for i, label in enumerate(labels):
        if i % every:
            continue
        x = frame.left + slot * (i + 0.5)
        parts.append(_text(x, frame.baseline + 16, label, text_anchor="middle"))
    return parts


def _bar(
    x: float,
    y: float,
    width: float,
    height: float,
    color: str,
    tooltip: str,
    *,
    separated: bool = False,
) -> str:
    """A bar with its value as a tooltip; stacked segments get a thin white edge between them."""
    edge = {"stroke": "#fff", "stroke_width": 0.5} if separated else {}
    box = _attrs(x=_n(x), y=_n(y), width=_n(width), height=_n(height), fill=color, **edge)
    return f"<rect {box}><title>{escape(tooltip)}</title></rect>"


def bar_chart(
    series: Sequence[tuple[str, Number | None]],
    *,
    title: str,
    width: int = 640,
    height: int = 240,
    y_label: str = "",
    y_max: Number | None = None,
    color: str = BLUE,
    value_format: Formatter = format_number,
    desc: str | None = None,
) -> SafeString:
    """One bar per ``(label, value)``, heights proportional to the values.

    ``None`` is a bar without data (drawn as nothing, read out as "no data"); a series that is
    empty or all ``None`` draws "No data in this period". ``y_max`` fixes the top of the scale,
    e.g. 100 for percentages.
    """
    values = [value for _, value in series]
    _check(values)
    if not series or all(value is None for value in values):
        return _no_data("bar", title, width, height)
    known = [value for value in values if value is not None]
    whole = all(float(value).is_integer() for value in known) and y_max is None
    top, step = nice_scale(max(y_max or 0, *known), whole=whole)
    frame = _Frame(width, height, left=48 if y_label else 36, right=12, top=18, bottom=28)
    slot = frame.plot_width / len(series)
    bar_width = max(1.0, slot * 0.7)
    if desc is None:
        desc = f"{title}. " + "; ".join(
            f"{label}: {'no data' if value is None else value_format(value)}"
            for label, value in series
        )
    parts = _open(_chart_id("bar", title, repr(series)), frame, title, desc)
    parts += _axes(frame, top, step, y_label, value_format)
    show_values = slot >= 22
    for i, (label, value) in enumerate(series):
        if value is None:
            continue
        bar_height = value / top * frame.plot_height
        x = frame.left + slot * i + (slot - bar_width) / 2
        y = frame.baseline - bar_height
        parts.append(_bar(x, y, bar_width, bar_height, color, f"{label}: {value_format(value)}"))
        if show_values:
            parts.append(_text(x + bar_width / 2, y - 4, value_format(value), text_anchor="middle"))
    parts += _x_labels(frame, [label for label, _ in series], slot)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every piece of text is escaped above


def stacked_bar_chart(
    labels: Sequence[str],
    stacks: Sequence[tuple[str, Sequence[Number]]],
    *,
    title: str,
    width: int = 640,
    height: int = 260,
    y_label: str = "",
    colors: Sequence[str] | None = None,
    value_format: Formatter = format_number,
    desc: str | None = None,
) -> SafeString:
    """One bar per label, split into ``stacks`` = ``[(segment name, one value per label)]``.

    Segments are drawn bottom-up in the order given, with a legend. Bar heights are proportional
    to the totals. No labels, or every value zero, draws "No data in this period".
    """
    for name, values in stacks:
        if len(values) != len(labels):
            raise ValueError(f"segment {name!r} has {len(values)} values for {len(labels)} labels")
        _check(values)
    totals = [sum(values[i] for _, values in stacks) for i in range(len(labels))]
    if not labels or not stacks or not any(totals):
        return _no_data("stacked", title, width, height)
    colors = list(colors or PALETTE)
    whole = all(float(v).is_integer() for _, values in stacks for v in values)
    top, step = nice_scale(max(totals), whole=whole)
    frame = _Frame(width, height, left=48 if y_label else 36, right=12, top=34, bottom=28)
    slot = frame.plot_width / len(labels)
    bar_width = max(1.0, slot * 0.7)
    if desc is None:
        desc = f"{title}. " + "; ".join(
            f"{label}: {value_format(totals[i])} ("
            + ", ".join(f"{name} {value_format(values[i])}" for name, values in stacks)
            + ")"
            for i, label in enumerate(labels)
        )
    parts = _open(
        _chart_id("stacked", title, repr((list(labels), list(stacks)))), frame, title, desc
    )
    parts += _legend(frame, [name for name, _ in stacks], colors)
    parts += _axes(frame, top, step, y_label, value_format)
    show_totals = slot >= 22
    for i, label in enumerate(labels):
        x = frame.left + slot * i + (slot - bar_width) / 2
        y = frame.baseline
        for k, (name, values) in enumerate(stacks):
            value = values[i]
            if not value:
                continue
            segment = value / top * frame.plot_height
            y -= segment
            parts.append(
                _bar(
                    x,
                    y,
                    bar_width,
                    segment,
                    colors[k % len(colors)],
                    f"{label} · {name}: {value_format(value)}",
                    separated=True,
                )
            )
        if show_totals and totals[i]:
            parts.append(
                _text(x + bar_width / 2, y - 4, value_format(totals[i]), text_anchor="middle")
            )
    parts += _x_labels(frame, labels, slot)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every piece of text is escaped above


def _legend(frame: _Frame, names: Sequence[str], colors: Sequence[str]) -> list[str]:
    parts, x = [], float(frame.left)
    for k, name in enumerate(names):
        parts.append(
            "<rect "
            + _attrs(x=_n(x), y=6, width=10, height=10, fill=colors[k % len(colors)])
            + "/>"
        )
        parts.append(_text(x + 14, 15, name))
        x += 14 + len(name) * 6.5 + 16
    return parts
