"""Builders the check-in and caring-message tests share (fixtures are in ``conftest.py``)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from twilio.request_validator import RequestValidator

from agreements import services
from agreements.models import CheckInCadence
from tests.factories import activate_agreement
from tests.notifications.twilio_stub import AUTH_TOKEN, FROM_NUMBER

NEW_YORK = ZoneInfo("America/New_York")
#: Monday 23 November 2026, 09:00 in New York.
MONDAY_9AM = datetime(2026, 11, 23, 9, 0, tzinfo=NEW_YORK)
CLIENT_PHONE = "+15550102030"
THERAPIST_PHONE = "+15550101001"


def post_signed_sms(client, body: str, *, sid: str, sender: str = CLIENT_PHONE):
    """A Twilio-signed inbound SMS, as Twilio posts it."""
    params = {"From": sender, "To": FROM_NUMBER, "Body": body, "MessageSid": sid}
    url = "http://testserver" + reverse("sms_inbound")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return client.post(reverse("sms_inbound"), params, HTTP_X_TWILIO_SIGNATURE=signature)


def crisis_week(world, *, starts_at=MONDAY_9AM, days=7, cadence=CheckInCadence.DAILY, **terms):
    """An active agreement with daily check-ins at 10:00 by SMS (unless ``terms`` say else),
    and a crisis period of ``days`` from ``starts_at``."""
    agreed = {
        "check_ins_enabled": True,
        "check_in_local_time": time(10, 0),
        "check_in_channel": "sms",
        "check_in_answer_hours": 8,
        **terms,
    }
    agreement = activate_agreement(world, **agreed)
    period = services.crisis_period_start(
        client=world.client,
        by=world.therapist.user,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(days=days),
        check_in_cadence=cadence,
    )
    return agreement, period
