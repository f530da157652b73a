"""The answering service's calls for the demo outbox: the calls it took, turn by turn."""

from django import template

from messaging.voice.selectors import recent_calls

register = template.Library()


@register.inclusion_tag("voice/_calls.html")
def answering_service_calls(practice, limit: int = 20) -> dict:
    return {"calls": recent_calls(practice=practice, limit=limit)}
