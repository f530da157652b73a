"""Practices, people and the contact agreements between a therapist and each client.

Writes happen in ``agreements.services``; reads and permission checks in ``agreements.selectors``.
"""

import zoneinfo
from datetime import time, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from contactpolicy.fields import EncryptedTextField

from .countries import COUNTRY_CHOICES

TIME_ZONE_CHOICES = sorted((tz, tz) for tz in zoneinfo.available_timezones() if "/" in tz)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with their email address."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    name = models.CharField(max_length=150)
    phone = models.CharField(max_length=32, blank=True, help_text="For SMS, in +1… form.")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    objects = UserManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


class Practice(models.Model):
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, choices=COUNTRY_CHOICES, default="US")
    time_zone = models.CharField(
        max_length=64, choices=TIME_ZONE_CHOICES, default="America/New_York"
    )
    emergency_number = models.CharField(max_length=32, default="911")
    crisis_line_name = models.CharField(max_length=100, default="988 Suicide & Crisis Lifeline")
    crisis_line_number = models.CharField(max_length=32, default="988")
    crisis_text = models.CharField(max_length=100, blank=True, default="Text 988")
    phone_line = models.CharField(
        "main phone line",
        max_length=32,
        blank=True,
        help_text="The practice's phone number for clients, in +1… (E.164) form.",
    )
    after_hours_line = models.CharField(
        "after-hours and crisis line",
        max_length=32,
        blank=True,
        help_text="Answered out of office hours (e.g. the answering service), in +1… form.",
    )
    voice_greeting = models.CharField(
        "phone greeting",
        max_length=500,
        blank=True,
        help_text="What the answering service says first, in your words (e.g. “Thank you for "
        "calling Riverside Counselling.”). Office hours and the emergency question follow.",
    )
    inbound_sms_number = models.CharField(
        max_length=32, blank=True, help_text="The practice's SMS number, e.g. +15551230000."
    )
    inbound_email = models.EmailField(
        blank=True, help_text="The address clients email, e.g. messages@practice.example."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Practice admin"
    THERAPIST = "therapist", "Therapist"
    CLIENT = "client", "Client"
    OPERATOR = "operator", "Answering-service operator"


class Membership(models.Model):
    """A person's place in a practice. A client membership names the client's therapist."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    on_call_eligible = models.BooleanField(default=False)
    therapist = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clients",
        limit_choices_to={"role": Role.THERAPIST},
    )
    time_zone = models.CharField(
        max_length=64, choices=TIME_ZONE_CHOICES, default="America/New_York"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "practice"], name="one_membership_per_practice"
            ),
            models.CheckConstraint(
                condition=Q(role="client", therapist__isnull=False) | ~Q(role="client"),
                name="client_has_therapist",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.practice})"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT


class Invitation(models.Model):
    """A single-use invitation; the link carries a signed, expiring token for this row."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField()
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=16, choices=Role.choices)
    on_call_eligible = models.BooleanField(default=False)
    therapist = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} as {self.get_role_display()}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def expires_at(self):
        return self.created_at + timedelta(seconds=settings.INVITATION_MAX_AGE)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class OfficeHours(models.Model):
    """One weekly window of a therapist's office hours, in the therapist's time zone."""

    therapist = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="office_hours")
    weekday = models.IntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name_plural = "office hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="hours_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class AwayPeriod(models.Model):
    """While a therapist is away, a covering therapist's office hours apply."""

    therapist = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="away_periods")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    covering_therapist = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="covering_for"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="away_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.therapist.user} away {self.starts_at:%Y-%m-%d} – {self.ends_at:%Y-%m-%d}"


# The ways we reach out to a client (check-ins, caring contacts): never the phone line.
OUTREACH_CHANNEL_CHOICES = [
    ("portal", "Client portal"),
    ("sms", "Text message (SMS)"),
    ("email", "Email"),
]


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed to the client"
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Superseded"
    ENDED = "ended", "Ended"


class ContactAgreement(models.Model):
    """One version of the terms between a therapist and a client.

    Only drafts change. Proposing freezes a version for the client to read; accepting makes it
    active and supersedes the previous active version. A change to active terms is a new draft.
    """

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="agreements")
    client = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="agreements")
    therapist = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="agreements_as_therapist"
    )
    version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    frequency_limit_per_week = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Non-crisis messages per week that are fine. Leave empty for no limit.",
    )
    hold_clinical_for_session = models.BooleanField(
        default=True,
        help_text="Therapy content is kept for the next session instead of answered by message.",
    )
    crisis_instructions = models.TextField(
        blank=True,
        help_text="What the client should do in a crisis, in your own words.",
    )
    escalation_policy = models.ForeignKey(
        "messaging.EscalationPolicy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text="Who is paged, in what order, when this client is in crisis.",
    )
    note_to_client = models.TextField(
        blank=True, help_text="A few words for the client shown at the top of the agreement."
    )
    review_due = models.DateField(null=True, blank=True)
    # Between sessions: check-ins in a crisis period, caring contacts after one, "can this wait?".
    check_ins_enabled = models.BooleanField(
        default=False,
        help_text="During a crisis period, we send a short check-in at the agreed cadence.",
    )
    check_in_local_time = models.TimeField(
        default=time(10, 0), help_text="When check-ins are sent, in the client's time zone."
    )
    check_in_channel = models.CharField(
        max_length=16, choices=OUTREACH_CHANNEL_CHOICES, default="portal"
    )
    check_in_answer_hours = models.PositiveSmallIntegerField(
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
        help_text="A check-in not answered within this many hours is flagged to the therapist.",
    )
    missed_check_in_pages = models.BooleanField(
        default=False,
        help_text="A missed check-in also pages the therapist (text or call), not only flags it.",
    )
    caring_contacts_enabled = models.BooleanField(
        default=False,
        help_text="After a crisis, the therapist may send a year of brief caring messages.",
    )
    caring_contacts_channel = models.CharField(
        max_length=16, choices=OUTREACH_CHANNEL_CHOICES, default="portal"
    )
    can_this_wait = models.BooleanField(
        default=False,
        help_text="Before sending a non-urgent message, the client is offered their own coping "
        "steps and the choice to keep it as a note for the session.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    proposed_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["client", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["client", "version"], name="agreement_version_unique"),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status="active"),
                name="one_active_agreement_per_client",
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status__in=["draft", "proposed"]),
                name="one_open_draft_per_client",
            ),
        ]
        indexes = [models.Index(fields=["therapist", "status", "review_due"])]

    def __str__(self) -> str:
        return f"Agreement v{self.version} for {self.client.user} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == AgreementStatus.DRAFT


class Channel(models.TextChoices):
    PORTAL = "portal", "Client portal"
    SMS = "sms", "Text message (SMS)"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone (answering service)"


class Purpose(models.TextChoices):
    LOGISTICS = "logistics", "Scheduling and admin"
    CLINICAL = "clinical", "Therapy content"
    URGENT = "urgent", "Urgent"
    CRISIS = "crisis", "Crisis"


class ChannelRule(models.Model):
    """What one channel may be used for under an agreement."""

    agreement = models.ForeignKey(
        ContactAgreement, on_delete=models.CASCADE, related_name="channel_rules"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    enabled = models.BooleanField(default=True)
    allow_logistics = models.BooleanField("scheduling and admin", default=True)
    allow_clinical = models.BooleanField("therapy content", default=False)
    allow_urgent = models.BooleanField("urgent", default=False)
    allow_crisis = models.BooleanField("crisis", default=False)
    after_hours_allowed = models.BooleanField(
        "after hours",
        default=False,
        help_text="Outside office hours, messages still arrive but wait for the next opening.",
    )

    class Meta:
        ordering = ["agreement", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "channel"], name="one_rule_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} rule"

    def allows(self, purpose: str) -> bool:
        return self.enabled and getattr(self, f"allow_{purpose}")

    @property
    def allowed_purposes(self) -> list[str]:
        return [p.value for p in Purpose if self.allows(p.value)]


class WindowUnit(models.TextChoices):
    BUSINESS_HOURS = "hours", "business hours"
    BUSINESS_DAYS = "days", "business days"


class ResponseWindow(models.Model):
    """How soon a category gets a reply, counted in office time."""

    agreement = models.ForeignKey(
        ContactAgreement, on_delete=models.CASCADE, related_name="response_windows"
    )
    category = models.CharField(
        max_length=16,
        choices=[(p.value, p.label) for p in Purpose if p != Purpose.CRISIS],
    )
    amount = models.PositiveIntegerField()
    unit = models.CharField(max_length=8, choices=WindowUnit.choices)

    class Meta:
        ordering = ["agreement", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "category"], name="one_window_per_category"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="window_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.amount} {self.get_unit_display()}"

    @property
    def duration(self) -> timedelta | None:
        return timedelta(hours=self.amount) if self.unit == WindowUnit.BUSINESS_HOURS else None


class AgreementAcceptance(models.Model):
    agreement = models.OneToOneField(
        ContactAgreement, on_delete=models.PROTECT, related_name="acceptance"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(default=timezone.now)
    terms_digest = models.CharField(
        max_length=64, help_text="SHA-256 of the terms the client read and accepted."
    )

    def __str__(self) -> str:
        return f"Accepted by {self.accepted_by} at {self.accepted_at:%Y-%m-%d %H:%M}"


class CheckInCadence(models.TextChoices):
    TWICE_DAILY = "twice_daily", "Twice a day"
    DAILY = "daily", "Daily"
    EVERY_OTHER_DAY = "every_other_day", "Every other day"
    WEEKLY = "weekly", "Weekly"


CADENCE_INTERVALS = {
    CheckInCadence.TWICE_DAILY: timedelta(hours=12),
    CheckInCadence.DAILY: timedelta(days=1),
    CheckInCadence.EVERY_OTHER_DAY: timedelta(days=2),
    CheckInCadence.WEEKLY: timedelta(days=7),
}


class CrisisPeriod(models.Model):
    """A temporary period of closer contact. It ends by itself at ``ends_at``.

    Kept outside the versioned agreement on purpose: in a crisis the therapist must not have to
    wait for the client to accept a new version.
    """

    client = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="crisis_periods")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    check_in_cadence = models.CharField(max_length=16, choices=CheckInCadence.choices)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_early_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="crisis_period_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"Crisis period for {self.client.user} until {self.ends_at:%Y-%m-%d}"

    @property
    def check_in_interval(self) -> timedelta:
        return CADENCE_INTERVALS[CheckInCadence(self.check_in_cadence)]


class SafetyPlan(models.Model):
    """The client's safety plan, after Stanley & Brown's six steps."""

    client = models.OneToOneField(Membership, on_delete=models.PROTECT, related_name="safety_plan")
    warning_signs = EncryptedTextField(
        "1. Warning signs",
        blank=True,
        help_text="Thoughts, images, moods, situations or behaviours that a crisis may be coming.",
    )
    coping_strategies = EncryptedTextField(
        "2. Things I can do on my own",
        blank=True,
        help_text="Internal coping strategies: what takes my mind off things without anyone else.",
    )
    distractions = EncryptedTextField(
        "3. People and places that help me feel better",
        blank=True,
        help_text="People and social settings that provide distraction.",
    )
    people_to_ask = EncryptedTextField(
        "4. People I can ask for help", blank=True, help_text="Names and phone numbers."
    )
    professionals = EncryptedTextField(
        "5. Professionals and services I can contact",
        blank=True,
        help_text="Therapist, doctor, urgent care, crisis lines.",
    )
    safe_environment = EncryptedTextField(
        "6. Making my environment safe",
        blank=True,
        help_text="Steps to keep lethal means out of reach.",
    )
    reasons_for_living = EncryptedTextField("The one thing most important to me", blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    SECTIONS = (
        "warning_signs",
        "coping_strategies",
        "distractions",
        "people_to_ask",
        "professionals",
        "safe_environment",
        "reasons_for_living",
    )

    def __str__(self) -> str:
        return f"Safety plan for {self.client.user}"

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, field).strip() for field in self.SECTIONS)

    def sections(self) -> list[tuple[str, str]]:
        return [
            (self._meta.get_field(field).verbose_name, getattr(self, field))
            for field in self.SECTIONS
        ]


class TherapySession(models.Model):
    """A booked session. Held messages and shared notes wait for the next one."""

    client = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="sessions")
    therapist = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="sessions_as_therapist"
    )
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(default=50)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["client", "starts_at"])]

    def __str__(self) -> str:
        return f"Session with {self.client.user} at {self.starts_at:%Y-%m-%d %H:%M}"


class ApiTokenScope(models.TextChoices):
    READ = "read", "Read my messages"
    WRITE = "write", "Read and send messages"


def api_token_default_expiry():
    from agreements.tokens import DEFAULT_LIFETIME

    return timezone.now() + DEFAULT_LIFETIME


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored; the token is shown once. It
    expires (90 days by default) and carries a scope: read only, or read and send."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="The first characters, to recognise it.")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(default=api_token_default_expiry)
    scope = models.CharField(
        max_length=8, choices=ApiTokenScope.choices, default=ApiTokenScope.WRITE
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class PasswordResetRequest(models.Model):
    """One request for a password reset email, kept an hour to throttle by address and email.

    The email is kept as typed (lowercased) whether or not an account has it, so the throttle
    says nothing about which addresses are registered."""

    email = models.CharField(max_length=254)
    client_address = models.CharField(max_length=64)
    requested_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [
            # password_reset_allowed: requests for one email, or from one address, this hour.
            models.Index(fields=["email", "requested_at"], name="reset_by_email"),
            models.Index(fields=["client_address", "requested_at"], name="reset_by_address"),
        ]

    def __str__(self) -> str:
        return f"reset request from {self.client_address} at {self.requested_at:%Y-%m-%d %H:%M}"
