"""Contact agreements: a draft, its terms, the proposal, the client's acceptance and the end.

Active versions never change; a change is a new draft, proposed and accepted in turn.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from messaging.contactlog.services import contact_event_record
from messaging.models import EscalationPolicy, EventType

from ..models import (
    AgreementAcceptance,
    AgreementStatus,
    Channel,
    ChannelRule,
    ContactAgreement,
    Membership,
    Purpose,
    ResponseWindow,
    Role,
    User,
    WindowUnit,
)
from ..terms import agreement_terms, terms_digest


class AgreementNotEditable(ValidationError):
    pass


DEFAULT_CHANNEL_RULES: dict[str, dict[str, bool]] = {
    Channel.PORTAL: dict(allow_logistics=True, allow_clinical=True, allow_urgent=True),
    Channel.SMS: dict(allow_logistics=True),
    Channel.EMAIL: dict(allow_logistics=True),
    Channel.PHONE: dict(allow_urgent=True, allow_crisis=True, after_hours_allowed=True),
}

DEFAULT_RESPONSE_WINDOWS: dict[str, tuple[int, str]] = {
    Purpose.URGENT: (4, WindowUnit.BUSINESS_HOURS),
    Purpose.LOGISTICS: (2, WindowUnit.BUSINESS_DAYS),
    Purpose.CLINICAL: (3, WindowUnit.BUSINESS_DAYS),
}

AGREEMENT_TERM_FIELDS = (
    "frequency_limit_per_week",
    "hold_clinical_for_session",
    "crisis_instructions",
    "escalation_policy",
    "note_to_client",
    "review_due",
    "check_ins_enabled",
    "check_in_local_time",
    "check_in_channel",
    "check_in_answer_hours",
    "missed_check_in_pages",
    "caring_contacts_enabled",
    "caring_contacts_channel",
    "can_this_wait",
)
CHANNEL_RULE_FIELDS = (
    "enabled",
    "allow_logistics",
    "allow_clinical",
    "allow_urgent",
    "allow_crisis",
    "after_hours_allowed",
)


def _lock_client_agreements(client: Membership) -> list[ContactAgreement]:
    # Locking the client row serialises every transition of this client's agreements.
    Membership.objects.select_for_update().get(pk=client.pk)
    return list(ContactAgreement.objects.filter(client=client).order_by("version"))


def agreement_start_draft(*, client: Membership, by: User) -> ContactAgreement:
    """The client's open draft: an existing one, a copy of the active version, or new terms."""
    if client.role != Role.CLIENT:
        raise ValidationError("Agreements are made with clients.")
    with transaction.atomic():
        versions = _lock_client_agreements(client)
        for agreement in versions:
            if agreement.status == AgreementStatus.DRAFT:
                return agreement
            if agreement.status == AgreementStatus.PROPOSED:
                raise AgreementNotEditable(
                    "A version is waiting for the client. Withdraw it before making changes."
                )
        active = next((a for a in versions if a.status == AgreementStatus.ACTIVE), None)
        base = active or (versions[-1] if versions else None)
        draft = ContactAgreement.objects.create(
            practice=client.practice,
            client=client,
            therapist=client.therapist,
            version=(versions[-1].version + 1) if versions else 1,
            created_by=by,
            **(
                {field: getattr(base, field) for field in AGREEMENT_TERM_FIELDS}
                if base
                else {
                    "escalation_policy": EscalationPolicy.objects.filter(
                        practice=client.practice, is_default=True
                    ).first(),
                    "review_due": timezone.localdate() + timedelta(days=90),
                }
            ),
        )
        if base:
            rules = {
                r.channel: {f: getattr(r, f) for f in CHANNEL_RULE_FIELDS}
                for r in base.channel_rules.all()
            }
            windows = {w.category: (w.amount, w.unit) for w in base.response_windows.all()}
        else:
            rules = DEFAULT_CHANNEL_RULES
            windows = DEFAULT_RESPONSE_WINDOWS
        ChannelRule.objects.bulk_create(
            ChannelRule(agreement=draft, channel=channel, **rules.get(channel, {"enabled": False}))
            for channel in Channel.values
        )
        ResponseWindow.objects.bulk_create(
            ResponseWindow(agreement=draft, category=category, amount=amount, unit=unit)
            for category, (amount, unit) in windows.items()
        )
        contact_event_record(
            practice=client.practice,
            event_type=EventType.AGREEMENT_DRAFTED,
            actor=by,
            client=client,
            agreement=draft,
            summary=f"Draft v{draft.version} of {client.user}'s agreement started",
        )
    return draft


def _lock_draft(agreement: ContactAgreement) -> ContactAgreement:
    agreement = ContactAgreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status != AgreementStatus.DRAFT:
        raise AgreementNotEditable(
            f"Version {agreement.version} is {agreement.get_status_display().lower()} and can't "
            "change. Start a new draft instead."
        )
    return agreement


@dataclass(frozen=True)
class WindowTerms:
    amount: int
    unit: str


def agreement_update_draft(
    *,
    agreement: ContactAgreement,
    by: User,
    terms: dict[str, Any],
    channel_rules: dict[str, dict[str, bool]],
    response_windows: dict[str, WindowTerms | None],
) -> ContactAgreement:
    """Replace a draft's terms. Only drafts change; proposed and active versions are frozen."""
    unknown = set(terms) - set(AGREEMENT_TERM_FIELDS)
    if unknown:
        raise ValueError(f"Not agreement terms: {sorted(unknown)}")
    policy = terms.get("escalation_policy")
    if policy is not None and policy.practice_id != agreement.practice_id:
        raise ValidationError({"escalation_policy": "Choose a policy of this practice."})
    with transaction.atomic():
        agreement = _lock_draft(agreement)
        for field, value in terms.items():
            setattr(agreement, field, value)
        agreement.save(update_fields=list(terms))
        for rule in agreement.channel_rules.all():
            values = channel_rules.get(rule.channel)
            if values is None:
                continue
            for field in CHANNEL_RULE_FIELDS:
                setattr(rule, field, bool(values.get(field, False)))
            rule.save(update_fields=list(CHANNEL_RULE_FIELDS))
        for category, window in response_windows.items():
            if window is None:
                ResponseWindow.objects.filter(agreement=agreement, category=category).delete()
            else:
                ResponseWindow.objects.update_or_create(
                    agreement=agreement,
                    category=category,
                    defaults={"amount": window.amount, "unit": window.unit},
                )
        contact_event_record(
            practice=agreement.practice,
            event_type=EventType.AGREEMENT_EDITED,
            actor=by,
            client=agreement.client,
            agreement=agreement,
            summary=f"Draft v{agreement.version} edited",
        )
    return agreement


def agreement_propose(*, agreement: ContactAgreement, by: User) -> ContactAgreement:
    with transaction.atomic():
        agreement = _lock_draft(agreement)
        if not any(r.enabled and r.allowed_purposes for r in agreement.channel_rules.all()):
            raise ValidationError("Allow at least one way to get in touch before proposing.")
        agreement.status = AgreementStatus.PROPOSED
        agreement.proposed_at = timezone.now()
        agreement.save(update_fields=["status", "proposed_at"])
        contact_event_record(
            practice=agreement.practice,
            event_type=EventType.AGREEMENT_PROPOSED,
            actor=by,
            client=agreement.client,
            agreement=agreement,
            summary=f"Version {agreement.version} proposed to {agreement.client.user}",
        )
    return agreement


def agreement_withdraw(*, agreement: ContactAgreement, by: User) -> ContactAgreement:
    """Take a proposal back into draft so the therapist can change it."""
    with transaction.atomic():
        agreement = ContactAgreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.status != AgreementStatus.PROPOSED:
            raise AgreementNotEditable("Only a proposed version can be withdrawn.")
        agreement.status = AgreementStatus.DRAFT
        agreement.proposed_at = None
        agreement.save(update_fields=["status", "proposed_at"])
        contact_event_record(
            practice=agreement.practice,
            event_type=EventType.AGREEMENT_WITHDRAWN,
            actor=by,
            client=agreement.client,
            agreement=agreement,
            summary=f"Proposal of version {agreement.version} withdrawn",
        )
    return agreement


def agreement_accept(*, agreement: ContactAgreement, by: User) -> ContactAgreement:
    """The client accepts a proposed version: it becomes active, the previous one superseded."""
    with transaction.atomic():
        versions = _lock_client_agreements(agreement.client)
        agreement = next(a for a in versions if a.pk == agreement.pk)
        if agreement.client.user_id != by.pk:
            raise ValidationError("Only the client can accept their agreement.")
        if agreement.status != AgreementStatus.PROPOSED:
            raise AgreementNotEditable("This version is not waiting for acceptance.")
        now = timezone.now()
        for previous in versions:
            if previous.status == AgreementStatus.ACTIVE:
                previous.status = AgreementStatus.SUPERSEDED
                previous.superseded_at = now
                previous.save(update_fields=["status", "superseded_at"])
                contact_event_record(
                    practice=previous.practice,
                    event_type=EventType.AGREEMENT_SUPERSEDED,
                    actor=by,
                    client=previous.client,
                    agreement=previous,
                    summary=f"Version {previous.version} superseded by {agreement.version}",
                )
        agreement.status = AgreementStatus.ACTIVE
        agreement.activated_at = now
        agreement.save(update_fields=["status", "activated_at"])
        AgreementAcceptance.objects.create(
            agreement=agreement,
            accepted_by=by,
            accepted_at=now,
            terms_digest=terms_digest(agreement_terms(agreement)),
        )
        contact_event_record(
            practice=agreement.practice,
            event_type=EventType.AGREEMENT_ACCEPTED,
            actor=by,
            client=agreement.client,
            agreement=agreement,
            summary=f"{by} accepted version {agreement.version}",
        )
    return agreement


def agreement_end(*, agreement: ContactAgreement, by: User) -> ContactAgreement:
    """End the active agreement (e.g. therapy has ended). Crisis help still works without one."""
    with transaction.atomic():
        agreement = ContactAgreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.status != AgreementStatus.ACTIVE:
            raise AgreementNotEditable("Only the active agreement can be ended.")
        agreement.status = AgreementStatus.ENDED
        agreement.ended_at = timezone.now()
        agreement.save(update_fields=["status", "ended_at"])
        contact_event_record(
            practice=agreement.practice,
            event_type=EventType.AGREEMENT_ENDED,
            actor=by,
            client=agreement.client,
            agreement=agreement,
            summary=f"Version {agreement.version} ended",
        )
    return agreement
