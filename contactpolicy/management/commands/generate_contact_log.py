"""Fill a practice's contact log with realistic synthetic events, for scale tests and benchmarks.

    python manage.py generate_contact_log --rows 1000000 [--practice-id N] [--days 365]

Rows look like a year of a busy practice: message received / triaged / auto-reply / read /
replied events for the practice's clients, more in office hours than at night, with crises
escalated and acknowledged. They carry the same denormalised columns the review filters use.
No message bodies are generated: the log holds metadata only.
"""

import random
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from agreements.models import Membership, Practice, Role
from contactpolicy.progress import Progress, command_stream
from messaging.contactlog.services import contact_events_bulk_record
from messaging.models import ContactEvent, EventType

CHANNEL_WEIGHTS = {"portal": 55, "sms": 25, "email": 15, "phone": 5}
CATEGORY_WEIGHTS = {"logistics": 45, "clinical": 35, "urgent": 15, "crisis": 5}
DISPOSITION_FOR = {
    "logistics": ["deliver", "deliver", "deliver", "hold_for_session"],
    "clinical": ["hold_for_session", "hold_for_session", "deliver"],
    "urgent": ["deliver"],
    "crisis": ["escalate"],
}
FLOW = {
    "deliver": [
        EventType.MESSAGE_RECEIVED,
        EventType.MESSAGE_TRIAGED,
        EventType.AUTO_REPLY_SENT,
        EventType.MESSAGE_READ,
        EventType.MESSAGE_REPLIED,
    ],
    "hold_for_session": [
        EventType.MESSAGE_RECEIVED,
        EventType.MESSAGE_TRIAGED,
        EventType.AUTO_REPLY_SENT,
        EventType.MESSAGES_SEEN_IN_PREP,
    ],
    "escalate": [
        EventType.MESSAGE_RECEIVED,
        EventType.MESSAGE_TRIAGED,
        EventType.ESCALATION_REQUESTED,
        EventType.ESCALATION_STARTED,
        EventType.AUTO_REPLY_SENT,
        EventType.ESCALATION_STEP,
        EventType.NOTIFICATION_SENT,
        EventType.ESCALATION_ACKNOWLEDGED,
        EventType.ESCALATION_OUTCOME,
    ],
}
# Messages arrive mostly in the working day; a few at night.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 6, 9, 10, 10, 9, 9, 9, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1]
BATCH = 5000


class Command(BaseCommand):
    help = "Generate realistic contact-log rows (metadata only) for scale tests and benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--practice-id", type=int)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, rows: int, practice_id: int | None, days: int, seed: int, **options):
        if rows < 1:
            raise CommandError("--rows must be at least 1")
        practice = (
            Practice.objects.filter(pk=practice_id).first()
            if practice_id
            else Practice.objects.order_by("pk").first()
        )
        if practice is None:
            raise CommandError("No practice: run `manage.py seed_demo` or pass --practice-id.")
        clients = list(
            Membership.objects.filter(practice=practice, role=Role.CLIENT).select_related(
                "user", "therapist__user"
            )
        )
        if not clients:
            raise CommandError(f"{practice} has no clients to generate events for.")
        rng = random.Random(seed)
        now = timezone.now()
        written = 0
        batch: list[ContactEvent] = []
        progress = Progress("Contact-log rows", total=rows, stream=command_stream(self.stderr))
        while written < rows:
            client = rng.choice(clients)
            channel = rng.choices(list(CHANNEL_WEIGHTS), weights=CHANNEL_WEIGHTS.values())[0]
            category = rng.choices(list(CATEGORY_WEIGHTS), weights=CATEGORY_WEIGHTS.values())[0]
            disposition = rng.choice(DISPOSITION_FOR[category])
            day = now - timedelta(days=rng.randrange(days))
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            at = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
            for step, event_type in enumerate(FLOW[disposition]):
                if written + len(batch) >= rows:
                    break
                at += timedelta(seconds=rng.randrange(1, 600) if step else 0)
                actor = client.therapist.user if event_type in _STAFF_EVENTS else None
                batch.append(
                    ContactEvent(
                        practice=practice,
                        occurred_at=at,
                        event_type=event_type,
                        actor=actor,
                        client=client,
                        therapist=client.therapist,
                        channel=channel,
                        category=category,
                        disposition=disposition,
                        summary=f"{EventType(event_type).label}: {client.user.name}, {channel}",
                        details={"generated": True},
                    )
                )
            if len(batch) >= BATCH or written + len(batch) >= rows:
                # Chained like every other row (one head lock per batch), so the generated
                # log verifies.
                batch.sort(key=lambda event: event.occurred_at)
                with transaction.atomic():
                    contact_events_bulk_record(practice=practice, events=batch)
                written += len(batch)
                progress.advance(len(batch))
                batch = []
        progress.finish()
        self.stdout.write(self.style.SUCCESS(f"Wrote {written:,} contact-log rows for {practice}."))


_STAFF_EVENTS = {
    EventType.MESSAGE_READ,
    EventType.MESSAGE_REPLIED,
    EventType.MESSAGES_SEEN_IN_PREP,
    EventType.ESCALATION_ACKNOWLEDGED,
    EventType.ESCALATION_OUTCOME,
}
