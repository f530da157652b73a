"""Times on pages reached by a link, where the reader may not know whose clock they show."""

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def zone_abbreviation(value: datetime | None) -> str:
    """ "CET", "EDT"… of ``value`` in the current zone; right on both sides of a clock change,
    where Django's ``T`` format gives nothing for the hour that happens twice."""
    if value is None:
        return ""
    return timezone.localtime(value).tzname() or ""
