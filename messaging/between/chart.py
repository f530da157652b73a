"""A small contact-pattern chart: weekly counts as server-rendered SVG, with its text.

Pure: it takes counts and returns markup. No script, no external assets.
"""

from dataclasses import dataclass
from datetime import date
from html import escape


@dataclass(frozen=True)
class Week:
    starts_on: date
    messages: int  # non-crisis messages from the client
    crises: int  # crisis messages
    check_ins: int  # answered check-ins


WIDTH, HEIGHT, PAD = 560, 120, 18


def weeks_svg(weeks: list[Week], *, limit: int | None) -> str:
    """Stacked bars (messages, check-ins, crises) per week; a dashed line at the weekly limit."""
    top = max([w.messages + w.crises + w.check_ins for w in weeks] + [limit or 0, 1])
    bar = (WIDTH - 2 * PAD) / max(len(weeks), 1)
    scale = (HEIGHT - 2 * PAD) / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-labelledby="contact-pattern-title" class="contact-chart">',
        '<title id="contact-pattern-title">Messages per week</title>',
    ]
    for index, week in enumerate(weeks):
        x = PAD + index * bar
        y = HEIGHT - PAD
        for count, css, what in (
            (week.messages, "#4c78a8", "messages"),
            (week.check_ins, "#59a14f", "check-ins"),
            (week.crises, "#e15759", "crisis messages"),
        ):
            if not count:
                continue
            height = count * scale
            y -= height
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bar - 2, 1):.1f}" '
                f'height="{height:.1f}" fill="{css}"><title>'
                f"{escape(week.starts_on.strftime('%-d %b'))}: {count} {what}</title></rect>"
            )
    if limit:
        y = HEIGHT - PAD - limit * scale
        parts.append(
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y:.1f}" y2="{y:.1f}" stroke="#555" '
            'stroke-dasharray="4 3"><title>Agreed weekly limit</title></line>'
        )
    if weeks:
        parts.append(
            f'<text x="{PAD}" y="{HEIGHT - 4}" font-size="10">'
            f"{escape(weeks[0].starts_on.strftime('%-d %b %Y'))}</text>"
        )
        parts.append(
            f'<text x="{WIDTH - PAD}" y="{HEIGHT - 4}" font-size="10" text-anchor="end">'
            f"{escape(weeks[-1].starts_on.strftime('%-d %b %Y'))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def weeks_text(weeks: list[Week], *, limit: int | None) -> list[str]:
    """The chart in words, one line a week with any contact (the chart's text equivalent)."""
    lines = []
    for week in weeks:
        if not (week.messages or week.crises or week.check_ins):
            continue
        bits = [f"{week.messages} message{'s' if week.messages != 1 else ''}"]
        if week.check_ins:
            bits.append(f"{week.check_ins} check-in{'s' if week.check_ins != 1 else ''}")
        if week.crises:
            bits.append(f"{week.crises} crisis message{'s' if week.crises != 1 else ''}")
        over = " (over the agreed limit)" if limit is not None and week.messages > limit else ""
        lines.append(f"Week of {week.starts_on:%-d %b %Y}: {', '.join(bits)}{over}")
    return lines
