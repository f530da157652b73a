"""Check-ins, caring messages and the contact pattern on pages that other packages own (the
client's home, the therapist's client page)."""

from django import template

from messaging.between import selectors
from messaging.between.forms import SCORE_CHOICES

register = template.Library()


@register.inclusion_tag("between/_client_home.html", takes_context=True)
def client_between(context, membership):
    return {
        "membership": membership,
        "csrf_token": context.get("csrf_token"),
        "check_in": selectors.check_in_open_for_client(client=membership),
        "scores": SCORE_CHOICES,
        "this_week": selectors.contact_this_week(client=membership),
        "caring": selectors.caring_schedule_latest(client=membership),
    }


@register.inclusion_tag("between/_therapist_client.html", takes_context=True)
def therapist_between(context, client, can_edit):
    caring = selectors.caring_schedule_latest(client=client)
    return {
        "client": client,
        "can_edit": can_edit,
        "csrf_token": context.get("csrf_token"),
        "check_ins": selectors.check_in_timeline(client=client),
        "caring": caring,
        "caring_running": caring is not None and caring.stopped_at is None,
    }


@register.inclusion_tag("between/_this_week.html")
def contact_this_week(membership):
    return {"this_week": selectors.contact_this_week(client=membership)}
