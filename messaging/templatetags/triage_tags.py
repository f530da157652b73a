from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def highlight_matches(body: str, matches: list[dict]) -> str:
    """The body with the detector's phrases marked, each titled with its reason."""
    spans = sorted(
        (
            m
            for m in matches or []
            # The language model's opinion covers the whole message: it is listed, not marked,
            # so the phrases the rules found stay visible.
            if m.get("signal") != "language_model"
            and 0 <= m.get("start", -1) < m.get("end", -1) <= len(body)
        ),
        key=lambda m: m["start"],
    )
    pieces, cursor = [], 0
    for match in spans:
        if match["start"] < cursor:
            continue  # overlapping phrase: the first one already covers it
        pieces.append(escape(body[cursor : match["start"]]))
        pieces.append(
            f'<mark class="match-{escape(match.get("category", ""))}" '
            f'title="{escape(match.get("reason", ""))}">'
            f"{escape(body[match['start'] : match['end']])}</mark>"
        )
        cursor = match["end"]
    pieces.append(escape(body[cursor:]))
    return mark_safe("".join(pieces))  # every piece is escaped above


CATEGORY_STYLE = {
    "crisis": "danger",
    "urgent": "warning",
    "clinical": "info",
    "logistics": "secondary",
}
STATUS_STYLE = {
    "escalated": "danger",
    "held_for_session": "info",
    "delivered": "primary",
    "read": "secondary",
    "replied": "success",
    "received": "light",
    "sent": "success",
    "failed": "danger",
}


@register.filter
def category_style(category: str) -> str:
    return CATEGORY_STYLE.get(category, "secondary")


@register.filter
def status_style(status: str) -> str:
    return STATUS_STYLE.get(status, "secondary")
