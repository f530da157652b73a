"""The safety invariants, property-tested through the real intake path and database.

1. Nothing is dropped: every inbound message ends with a decision and is seen by a clinician
   (inbox, session prep or escalation); unknown senders go to the practice.
2. Crisis, declared or detected, always escalates with crisis help at once, whatever the
   channel, hour, frequency or agreement, even with no agreement at all.
3. Detection can raise the declared urgency, never lower it; urgent is never shown the crisis
   screen (crisis help first) unless crisis was declared or detected.
5. Each decision records the agreement version it was made against and why.
8. What the client is told is what will happen: an escalation's reply names whoever its own
   policy snapshot contacts now.

Invariant 6 (a declared emergency is never refused) is tested through every way in, pages and
API included, in ``test_safety_invariants_emergency``.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements import services
from agreements.models import Channel
from messaging.escalation.promises import escalation_promised
from messaging.inbox import selectors as inbox_selectors
from messaging.intake import selectors as intake_selectors
from messaging.intake.services import message_receive
from messaging.models import ContactEvent, Escalation, EventType, MessageStatus
from messaging.triage.categories import Category

CRISIS_TEXTS = [
    "i cant do this anymore, i have the pills counted out",
    "sorted out who gets my cat. thank you for everything",
    "I'm standing on the bridge",
    "he's hitting me right now, I locked myself in the bathroom",
    "everyone would be better off without me, tonight is the night",
]
OTHER_TEXTS = [
    "can we move tuesday to 3pm?",
    "could you resend the invoice",
    "this commute is murder lol, running 5 late",
    "I had a dream about my dad again",
    "back in college I tried to overdose but I'm doing ok now",
    "I ran out of my meds and the pharmacy is closed",
    "",
]
START = datetime(2026, 10, 26, 0, 0, tzinfo=ZoneInfo("America/New_York"))

channel_rules = st.fixed_dictionaries(
    {
        "enabled": st.booleans(),
        "allow_logistics": st.booleans(),
        "allow_clinical": st.booleans(),
        "allow_urgent": st.booleans(),
        "allow_crisis": st.booleans(),
        "after_hours_allowed": st.booleans(),
    }
)
agreements = st.none() | st.fixed_dictionaries(
    {
        "terms": st.fixed_dictionaries(
            {
                "frequency_limit_per_week": st.none() | st.integers(0, 3),
                "hold_clinical_for_session": st.booleans(),
            }
        ),
        "rules": st.fixed_dictionaries({c: channel_rules for c in Channel.values}),
    }
)
messages = st.fixed_dictionaries(
    {
        "text": st.sampled_from(CRISIS_TEXTS + OTHER_TEXTS) | st.text(max_size=80),
        "channel": st.sampled_from(Channel.values),
        # A fortnight that spans the US clock change on 1 November, at any minute.
        "minutes": st.integers(0, 14 * 24 * 60),
        "declared_purpose": st.none() | st.sampled_from(["logistics", "clinical", "urgent"]),
        "declared_emergency": st.none() | st.booleans(),
        "sender_known": st.booleans(),
    }
)


def _install(world, spec):
    """Make the client's active agreement match ``spec`` (a new accepted version)."""
    if spec is None:
        return None
    user = world.therapist.user
    draft = services.agreement_start_draft(client=world.client, by=user)
    services.agreement_update_draft(
        agreement=draft,
        by=user,
        terms=spec["terms"],
        channel_rules=spec["rules"],
        response_windows={},
    )
    if not any(
        r["enabled"] and any(v for k, v in r.items() if k.startswith("allow_"))
        for r in spec["rules"].values()
    ):
        services.agreement_update_draft(
            agreement=draft,
            by=user,
            terms={},
            channel_rules={"portal": {"enabled": True, "allow_logistics": True}},
            response_windows={},
        )
    services.agreement_propose(agreement=draft, by=user)
    return services.agreement_accept(agreement=draft, by=world.client.user)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=agreements, incoming=messages)
def test_safety_invariants_hold_through_intake(world, spec, incoming):
    agreement = _install(world, spec) if incoming["sender_known"] else None
    if incoming["sender_known"] and spec is None:
        # The client may have an earlier active version from another example: end it.
        current = intake_selectors.active_agreement(world.client)
        if current is not None:
            services.agreement_end(agreement=current, by=world.therapist.user)
    received_at = START + timedelta(minutes=incoming["minutes"])
    received = message_receive(
        practice=world.practice,
        channel=incoming["channel"],
        body=incoming["text"],
        sender=world.client if incoming["sender_known"] else None,
        sender_address="" if incoming["sender_known"] else "+15550007777",
        declared_purpose=incoming["declared_purpose"],
        declared_emergency=incoming["declared_emergency"],
        received_at=received_at,
    )
    message, decision = received.message, received.decision

    # 1. Nothing dropped: a decision, and a clinician will see it.
    assert message.pk and message.current_decision_id == decision.pk
    assert decision.rules, "every decision says why"
    events = set(ContactEvent.objects.filter(message=message).values_list("event_type", flat=True))
    assert {EventType.MESSAGE_RECEIVED, EventType.MESSAGE_TRIAGED} <= events
    if decision.disposition == "escalate":
        assert EventType.ESCALATION_REQUESTED in events
        assert message.status == MessageStatus.ESCALATED
    elif decision.disposition == "deliver":
        therapist = world.therapist
        assert message in inbox_selectors.inbox_for_therapist(therapist=therapist)
    else:
        assert message.client is not None, "unknown senders are never held"
        held = inbox_selectors.session_prep(client=world.client, now=received_at)["held_messages"]
        assert message in held
    if not incoming["sender_known"]:
        assert message.practice == world.practice and message.client is None

    # 2. Crisis escalates with crisis help first, whatever else is true.
    detected = Category(decision.detected_category) if decision.detected_category else None
    if (
        incoming["declared_emergency"]
        or detected == Category.CRISIS
        or decision.category == "crisis"
    ):
        assert decision.category == "crisis"
        assert decision.disposition == "escalate"
        assert received.auto_reply.body.startswith("If you are in danger now, call 911")
        assert "988" in received.auto_reply.body
        assert received.auto_reply.channel == incoming["channel"]

    else:
        # Urgent (or anything else not a crisis) never opens with the crisis screen.
        assert not received.auto_reply.body.startswith("If you are in danger now")

    # 3. Never lower than declared.
    declared = "crisis" if incoming["declared_emergency"] else incoming["declared_purpose"]
    if declared:
        assert Category(decision.category).severity >= Category(declared).severity

    # 8. The reply names who the escalation's own snapshot is contacting now.
    if decision.disposition == "escalate":
        # A repeated crisis from the same client joins the escalation already paging for them.
        escalation = message.joined_escalation or Escalation.objects.get(message=message)
        promised = escalation_promised(escalation, now=received_at)
        assert promised.contacting and promised.contacting in received.auto_reply.body

    # 5. The agreement version it was made against.
    if incoming["sender_known"] and agreement is not None:
        assert decision.agreement_version == agreement.version
    else:
        assert decision.agreement_version is None

    # 9. Scheduling and admin is never held until the session it is about; and a known client
    # told their message is held or delivered is told how to say it can't wait.
    if decision.category == "logistics":
        assert decision.disposition == "deliver"
    if incoming["sender_known"] and decision.disposition != "escalate":
        assert "If this can't wait, " in received.auto_reply.body
