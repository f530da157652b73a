"""Every write to practices, people and agreements, each logged in the same transaction."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from messaging.contactlog.services import contact_event_record
from messaging.escalation.machine import DEFAULT_POLICY
from messaging.models import EscalationPolicy, EscalationStep, EventType, StepAction

from ..calendars import DEFAULT_OFFICE_HOURS
from ..countries import emergency_defaults
from ..models import (
    AgreementAcceptance,
    AgreementStatus,
    AwayPeriod,
    Channel,
    ChannelRule,
    CheckInCadence,
    ContactAgreement,
    CrisisPeriod,
    Invitation,
    Membership,
    OfficeHours,
    Practice,
    Purpose,
    ResponseWindow,
    Role,
    SafetyPlan,
    User,
    WindowUnit,
)
from ..terms import agreement_terms, terms_digest

INVITATION_SALT = "contactpolicy.invitation"


class AgreementNotEditable(ValidationError):
    pass


class InvitationInvalid(Exception):
    """The link cannot be used; the message says why in words a person understands."""


# --- practices and people ----------------------------------------------------------------


def practice_create(
    *, name: str, country: str = "US", time_zone: str = "America/New_York"
) -> Practice:
    defaults = emergency_defaults(country)
    with transaction.atomic():
        practice = Practice.objects.create(
            name=name,
            country=country,
            time_zone=time_zone,
            emergency_number=defaults.emergency_number,
            crisis_line_name=defaults.crisis_line_name,
            crisis_line_number=defaults.crisis_line_number,
            crisis_text=defaults.crisis_text,
        )
        # The practice's own copy of the engine's standard chain, so admins can edit it.
        policy = EscalationPolicy.objects.create(
            practice=practice,
            name=DEFAULT_POLICY.name,
            description="The client's therapist first, then whoever is on call, then the practice.",
            is_default=True,
            repeat_count=DEFAULT_POLICY.repeat_count,
        )
        EscalationStep.objects.bulk_create(
            EscalationStep(
                policy=policy,
                position=n,
                action=StepAction(step.action.value),
                wait_minutes=int(step.wait.total_seconds() // 60),
            )
            for n, step in enumerate(DEFAULT_POLICY.steps)
        )
    return practice


def practice_update_settings(*, practice: Practice, by: User, changes: dict[str, Any]) -> Practice:
    allowed = {
        "name",
        "country",
        "time_zone",
        "emergency_number",
        "crisis_line_name",
        "crisis_line_number",
        "crisis_text",
        "inbound_sms_number",
        "inbound_email",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"Not practice settings: {sorted(unknown)}")
    with transaction.atomic():
        practice = Practice.objects.select_for_update().get(pk=practice.pk)
        changed = {k: v for k, v in changes.items() if getattr(practice, k) != v}
        for field, value in changed.items():
            setattr(practice, field, value)
        if changed:
            practice.save(update_fields=list(changed))
            contact_event_record(
                practice=practice,
                event_type=EventType.PRACTICE_SETTINGS_CHANGED,
                actor=by,
                summary="Practice settings changed: " + ", ".join(sorted(changed)),
                details={"fields": sorted(changed)},
            )
    return practice


def membership_create(
    *,
    user: User,
    practice: Practice,
    role: Role,
    therapist: Membership | None = None,
    on_call_eligible: bool = False,
    time_zone: str | None = None,
) -> Membership:
    if role == Role.CLIENT and therapist is None:
        raise ValidationError("A client needs a therapist.")
    with transaction.atomic():
        membership = Membership.objects.create(
            user=user,
            practice=practice,
            role=role,
            therapist=therapist if role == Role.CLIENT else None,
            on_call_eligible=on_call_eligible and role == Role.THERAPIST,
            time_zone=time_zone or practice.time_zone,
        )
        if role == Role.CLIENT:
            SafetyPlan.objects.create(client=membership)
        if role == Role.THERAPIST:
            office_hours_replace(therapist=membership, by=user, windows=list(DEFAULT_OFFICE_HOURS))
    return membership


def invitation_create(
    *,
    practice: Practice,
    by: User,
    email: str,
    name: str,
    role: Role,
    therapist: Membership | None = None,
    on_call_eligible: bool = False,
) -> tuple[Invitation, str]:
    """Invite someone; returns the invitation and the path of its link (also emailed)."""
    email = email.strip().lower()
    if Membership.objects.filter(practice=practice, user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already a member of the practice."})
    if role == Role.CLIENT and therapist is None:
        raise ValidationError("A client is invited by their therapist.")
    with transaction.atomic():
        # A new invitation replaces any open one for the same address.
        Invitation.objects.filter(
            practice=practice, email__iexact=email, accepted_at=None, revoked_at=None
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            practice=practice,
            email=email,
            name=name,
            role=role,
            therapist=therapist,
            on_call_eligible=on_call_eligible,
            invited_by=by,
        )
        contact_event_record(
            practice=practice,
            event_type=EventType.INVITATION_SENT,
            actor=by,
            summary=f"{by} invited {email} as {invitation.get_role_display().lower()}",
            details={"invitation": invitation.pk, "role": role},
        )
        path = reverse("invitation_accept", args=[invitation_token(invitation)])
        transaction.on_commit(lambda: _send_invitation_email(invitation, path))
    return invitation, path


def _send_invitation_email(invitation: Invitation, path: str) -> None:
    base = settings.SITE_URL.rstrip("/")
    send_mail(
        subject=f"You're invited to {invitation.practice.name} on Contact Policy",
        message=(
            f"Hello {invitation.name},\n\n"
            f"{invitation.invited_by} has invited you to {invitation.practice.name}.\n"
            f"Set your password here (the link works once and expires in "
            f"{settings.INVITATION_MAX_AGE // 86400} days):\n\n{base}{path}\n"
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_token(invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=INVITATION_SALT).sign(str(invitation.pk))


def invitation_from_token(token: str) -> Invitation:
    signer = signing.TimestampSigner(salt=INVITATION_SALT)
    try:
        pk = signer.unsign(token, max_age=timedelta(seconds=settings.INVITATION_MAX_AGE))
    except signing.SignatureExpired as exc:
        raise InvitationInvalid(
            "This invitation has expired. Ask for a new one and we'll send a fresh link."
        ) from exc
    except signing.BadSignature as exc:
        raise InvitationInvalid(
            "This invitation link isn't valid. Check it was copied whole."
        ) from exc
    invitation = Invitation.objects.select_related("practice").filter(pk=pk).first()
    if invitation is None or invitation.revoked_at is not None:
        raise InvitationInvalid("This invitation was replaced or withdrawn. Ask for a new one.")
    if invitation.accepted_at is not None:
        raise InvitationInvalid("This invitation has already been used. Sign in instead.")
    return invitation


def invitation_accept(*, invitation: Invitation, password: str, name: str) -> User:
    """Create the account and membership. Single use: the row lock makes a double submit lose."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_open:
            raise InvitationInvalid("This invitation has already been used. Sign in instead.")
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise InvitationInvalid(
                "An account with this email already exists. Ask the practice to add it instead."
            )
        user = User.objects.create_user(email=invitation.email, password=password, name=name)
        membership_create(
            user=user,
            practice=invitation.practice,
            role=Role(invitation.role),
            therapist=invitation.therapist,
            on_call_eligible=invitation.on_call_eligible,
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        contact_event_record(
            practice=invitation.practice,
            event_type=EventType.INVITATION_ACCEPTED,
            actor=user,
            summary=f"{user} joined as {invitation.get_role_display().lower()}",
            details={"invitation": invitation.pk},
        )
    return user


# --- office hours and away periods ---------------------------------------------------------


def therapist_set_time_zone(*, therapist: Membership, by: User, time_zone: str) -> Membership:
    """Office hours are wall-clock times in this zone."""
    if therapist.time_zone != time_zone:
        with transaction.atomic():
            therapist.time_zone = time_zone
            therapist.save(update_fields=["time_zone"])
            contact_event_record(
                practice=therapist.practice,
                event_type=EventType.OFFICE_HOURS_CHANGED,
                actor=by,
                summary=f"Time zone of {therapist.user} set to {time_zone}",
                details={"time_zone": time_zone},
            )
    return therapist


def office_hours_replace(
    *, therapist: Membership, by: User, windows: list[tuple[int, time, time]]
) -> list[OfficeHours]:
    for weekday, start, end in windows:
        if not 0 <= weekday <= 6 or end <= start:
            raise ValidationError("Each window needs a weekday and an end after its start.")
    with transaction.atomic():
        Membership.objects.select_for_update().get(pk=therapist.pk)
        therapist.office_hours.all().delete()
        rows = OfficeHours.objects.bulk_create(
            OfficeHours(therapist=therapist, weekday=w, start=s, end=e) for w, s, e in windows
        )
        contact_event_record(
            practice=therapist.practice,
            event_type=EventType.OFFICE_HOURS_CHANGED,
            actor=by,
            summary=f"Office hours of {therapist.user} set ({len(rows)} windows)",
            details={"windows": [[w, s.isoformat(), e.isoformat()] for w, s, e in windows]},
        )
    return rows


def office_hours_update(
    *, therapist: Membership, by: User, time_zone: str, windows: list[tuple[int, time, time]]
) -> list[OfficeHours]:
    """The office-hours page saves zone and windows together: due times need both or neither."""
    with transaction.atomic():
        therapist_set_time_zone(therapist=therapist, by=by, time_zone=time_zone)
        return office_hours_replace(therapist=therapist, by=by, windows=windows)


def away_period_add(
    *,
    therapist: Membership,
    by: User,
    starts_at: datetime,
    ends_at: datetime,
    covering_therapist: Membership | None,
    note: str = "",
) -> AwayPeriod:
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must be after the start."})
    if covering_therapist is not None and (
        covering_therapist.pk == therapist.pk
        or covering_therapist.practice_id != therapist.practice_id
        or covering_therapist.role != Role.THERAPIST
    ):
        raise ValidationError({"covering_therapist": "Choose another therapist of the practice."})
    with transaction.atomic():
        period = AwayPeriod.objects.create(
            therapist=therapist,
            starts_at=starts_at,
            ends_at=ends_at,
            covering_therapist=covering_therapist,
            note=note,
        )
        contact_event_record(
            practice=therapist.practice,
            event_type=EventType.AWAY_PERIOD_ADDED,
            actor=by,
            summary=f"{therapist.user} away {starts_at:%Y-%m-%d} to {ends_at:%Y-%m-%d}"
            + (f", covered by {covering_therapist.user}" if covering_therapist else ""),
            details={"away_period": period.pk},
        )
    return period


def away_period_remove(*, period: AwayPeriod, by: User) -> None:
    with transaction.atomic():
        contact_event_record(
            practice=period.therapist.practice,
            event_type=EventType.AWAY_PERIOD_REMOVED,
            actor=by,
            summary=f"Away period of {period.therapist.user} removed",
            details={
                "starts_at": period.starts_at.isoformat(),
                "ends_at": period.ends_at.isoformat(),
            },
        )
        period.delete()


# --- agreements --------------------------------------------------------------------------

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


# --- crisis periods and safety plans ------------------------------------------------------


def crisis_period_start(
    *,
    client: Membership,
    by: User,
    starts_at: datetime,
    ends_at: datetime,
    check_in_cadence: CheckInCadence,
    note: str = "",
) -> CrisisPeriod:
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must be after the start."})
    with transaction.atomic():
        Membership.objects.select_for_update().get(pk=client.pk)
        now = timezone.now()
        # One crisis period at a time: a new one replaces what is still running.
        for running in client.crisis_periods.filter(ended_early_at=None, ends_at__gt=now):
            running.ended_early_at = max(now, running.starts_at)
            running.save(update_fields=["ended_early_at"])
        period = CrisisPeriod.objects.create(
            client=client,
            starts_at=starts_at,
            ends_at=ends_at,
            check_in_cadence=check_in_cadence,
            note=note,
            created_by=by,
        )
        contact_event_record(
            practice=client.practice,
            event_type=EventType.CRISIS_PERIOD_STARTED,
            actor=by,
            client=client,
            summary=f"Crisis period until {ends_at:%Y-%m-%d %H:%M %Z}, check-ins "
            f"{period.get_check_in_cadence_display().lower()}",
            details={"crisis_period": period.pk},
        )
    return period


def crisis_period_end(*, period: CrisisPeriod, by: User) -> CrisisPeriod:
    with transaction.atomic():
        period = CrisisPeriod.objects.select_for_update().get(pk=period.pk)
        now = timezone.now()
        if period.ended_early_at or period.ends_at <= now:
            return period
        period.ended_early_at = max(now, period.starts_at)
        period.save(update_fields=["ended_early_at"])
        contact_event_record(
            practice=period.client.practice,
            event_type=EventType.CRISIS_PERIOD_ENDED,
            actor=by,
            client=period.client,
            summary="Crisis period ended early",
            details={"crisis_period": period.pk},
        )
    return period


def safety_plan_update(*, client: Membership, by: User, sections: dict[str, str]) -> SafetyPlan:
    unknown = set(sections) - set(SafetyPlan.SECTIONS)
    if unknown:
        raise ValueError(f"Not safety plan sections: {sorted(unknown)}")
    with transaction.atomic():
        plan, _ = SafetyPlan.objects.select_for_update().get_or_create(client=client)
        changed = [k for k, v in sections.items() if getattr(plan, k) != v]
        for field in changed:
            setattr(plan, field, sections[field])
        plan.updated_at = timezone.now()
        plan.updated_by = by
        plan.save(update_fields=[*changed, "updated_at", "updated_by"])
        contact_event_record(
            practice=client.practice,
            event_type=EventType.SAFETY_PLAN_UPDATED,
            actor=by,
            client=client,
            summary=f"Safety plan updated by {by}",
            details={"sections": changed},
        )
    return plan
