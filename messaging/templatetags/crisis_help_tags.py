"""Crisis help on web pages, in the words of ``messaging.triage.crisis_help``.

The same sentences the client gets by SMS and email, with each configured number a ``tel:`` link,
so the crisis-help card and every reply say the same thing.
"""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from messaging.triage.crisis_help import WITHOUT_A_PRACTICE, EmergencyNumbers, help_now

register = template.Library()


def _dialable(number: str) -> str:
    return re.sub(r"[^\d+]", "", number)


@register.simple_tag
def crisis_help_now(practice) -> SafeString:
    """The help-now sentences for ``practice``, numbers linked for a phone's dialler."""
    numbers = EmergencyNumbers.of(practice)
    html = escape(help_now(numbers))
    for number in sorted(
        {n for n in numbers.callable_numbers() if _dialable(n)}, key=len, reverse=True
    ):
        escaped = re.escape(escape(number))
        link = f'<a class="fw-bold" href="tel:{_dialable(number)}">{escape(number)}</a>'
        # Whole numbers only: "911" must not match inside "1911".
        html = re.sub(rf"(?<![\w>]){escaped}(?![\w<])", link, html)
    return mark_safe(html)


@register.simple_tag
def crisis_help_without_practice() -> str:
    """Help now for a page that knows no practice (autoescaped by the template)."""
    return WITHOUT_A_PRACTICE
