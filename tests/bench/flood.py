"""``python -m tests.bench.flood``: routine messages through the real intake path, at a steady
rate, until killed. The benchmark runs it as one more app process of its stack (same settings,
same broker) to load the machine while it times crisis messages.

Each message is a client's email about scheduling or billing: triaged, answered by an automatic
email (a routine send, for the routine worker), never escalated.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time

ROUTINE_BODIES = [
    "Can we move Thursday's session to 4 pm?",
    "What's the invoice total for last month?",
    "I need a receipt for my insurance, please.",
    "Running ten minutes late next week, sorry.",
    "Is the office open on the holiday Monday?",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.flood")
    parser.add_argument("--rate", type=float, required=True, help="messages per second")
    parser.add_argument("--practice", type=int, required=True, help="the practice's id")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from agreements.models import Membership, Practice, Role
    from messaging.intake.services import message_receive

    practice = Practice.objects.get(pk=args.practice)
    clients = list(Membership.objects.filter(practice=practice, role=Role.CLIENT).order_by("pk"))
    start = time.monotonic()
    for n in itertools.count():
        time.sleep(max(0.0, start + n / args.rate - time.monotonic()))
        received = message_receive(
            practice=practice,
            channel="email",
            body=ROUTINE_BODIES[n % len(ROUTINE_BODIES)],
            sender=clients[n % len(clients)],
            declared_purpose="logistics",
        )
        if received.decision.disposition == "escalate":
            print(f"routine message {n} escalated", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
