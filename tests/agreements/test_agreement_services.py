"""Agreement versions: drafts change, proposals freeze, acceptance activates and supersedes."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agreements import services
from agreements.models import AgreementStatus, ContactAgreement
from agreements.terms import agreement_terms, terms_diff
from messaging.models import ContactEvent, EventType


def _accept_new_version(world, **terms):
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    if terms:
        services.agreement_update_draft(
            agreement=draft,
            by=world.therapist.user,
            terms=terms,
            channel_rules={},
            response_windows={},
        )
    services.agreement_propose(agreement=draft, by=world.therapist.user)
    return services.agreement_accept(agreement=draft, by=world.client.user)


def test_new_draft_has_sensible_defaults(world):
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    assert draft.version == 1
    assert draft.status == AgreementStatus.DRAFT
    assert draft.escalation_policy.is_default
    assert {r.channel for r in draft.channel_rules.all()} == {"portal", "sms", "email", "phone"}
    assert {w.category for w in draft.response_windows.all()} == {"urgent", "logistics", "clinical"}
    assert ContactEvent.objects.filter(
        agreement=draft, event_type=EventType.AGREEMENT_DRAFTED
    ).exists()


def test_starting_a_draft_twice_returns_the_same_draft(world):
    first = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    second = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    assert first.pk == second.pk


def test_accepting_activates_and_supersedes_the_previous_version(world):
    v1 = _accept_new_version(world, frequency_limit_per_week=3)
    assert v1.status == AgreementStatus.ACTIVE
    assert v1.acceptance.accepted_by == world.client.user
    v2 = _accept_new_version(world, frequency_limit_per_week=5)
    v1.refresh_from_db()
    assert (v1.status, v2.status) == (AgreementStatus.SUPERSEDED, AgreementStatus.ACTIVE)
    assert v2.version == 2
    assert ContactAgreement.objects.filter(client=world.client, status="active").count() == 1
    events = set(
        ContactEvent.objects.filter(client=world.client).values_list("event_type", flat=True)
    )
    assert {EventType.AGREEMENT_ACCEPTED, EventType.AGREEMENT_SUPERSEDED} <= events


def test_the_database_allows_only_one_active_agreement_per_client(world):
    v1 = _accept_new_version(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactAgreement.objects.create(
            practice=world.practice,
            client=world.client,
            therapist=world.therapist,
            version=v1.version + 1,
            status=AgreementStatus.ACTIVE,
            created_by=world.therapist.user,
        )


def test_active_and_proposed_versions_never_change(world):
    active = _accept_new_version(world, frequency_limit_per_week=3)
    with pytest.raises(services.AgreementNotEditable):
        services.agreement_update_draft(
            agreement=active,
            by=world.therapist.user,
            terms={"frequency_limit_per_week": 10},
            channel_rules={},
            response_windows={},
        )
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    services.agreement_propose(agreement=draft, by=world.therapist.user)
    with pytest.raises(services.AgreementNotEditable):
        services.agreement_update_draft(
            agreement=draft,
            by=world.therapist.user,
            terms={"frequency_limit_per_week": 10},
            channel_rules={},
            response_windows={},
        )
    active.refresh_from_db()
    assert active.frequency_limit_per_week == 3


def test_a_change_to_active_terms_is_a_new_draft_copied_from_it(world):
    active = _accept_new_version(world, frequency_limit_per_week=3, hold_clinical_for_session=False)
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    assert draft.pk != active.pk
    assert draft.version == 2
    assert draft.frequency_limit_per_week == 3
    assert draft.hold_clinical_for_session is False
    assert [t.value for t in agreement_terms(draft)] == [t.value for t in agreement_terms(active)]


def test_only_the_client_accepts_and_only_a_proposal(world):
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    with pytest.raises(services.AgreementNotEditable):
        services.agreement_accept(agreement=draft, by=world.client.user)
    services.agreement_propose(agreement=draft, by=world.therapist.user)
    with pytest.raises(ValidationError):
        services.agreement_accept(agreement=draft, by=world.therapist.user)


def test_withdrawing_a_proposal_makes_it_editable_again(world):
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    services.agreement_propose(agreement=draft, by=world.therapist.user)
    with pytest.raises(services.AgreementNotEditable):
        services.agreement_start_draft(client=world.client, by=world.therapist.user)
    services.agreement_withdraw(agreement=draft, by=world.therapist.user)
    assert (
        services.agreement_start_draft(client=world.client, by=world.therapist.user).pk == draft.pk
    )


def test_proposing_needs_at_least_one_way_to_get_in_touch(world):
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    services.agreement_update_draft(
        agreement=draft,
        by=world.therapist.user,
        terms={},
        channel_rules={c: {"enabled": False} for c in ("portal", "sms", "email", "phone")},
        response_windows={},
    )
    with pytest.raises(ValidationError):
        services.agreement_propose(agreement=draft, by=world.therapist.user)


def test_version_diff_names_each_changed_term(world):
    v1 = _accept_new_version(world, frequency_limit_per_week=3, review_due=date(2027, 1, 15))
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    draft = services.agreement_update_draft(
        agreement=draft,
        by=world.therapist.user,
        terms={"frequency_limit_per_week": None},
        channel_rules={
            "sms": dict(
                enabled=True, allow_logistics=True, allow_urgent=True, after_hours_allowed=True
            )
        },
        response_windows={"urgent": services.WindowTerms(2, "hours")},
    )
    changes = {c.label: c for c in terms_diff(agreement_terms(v1), agreement_terms(draft))}
    assert set(changes) == {"Messages per week", "Text message (SMS)", "Urgent matters"}
    assert changes["Messages per week"].before == "Up to 3 a week (a crisis never counts)."
    assert changes["Messages per week"].after == "No set limit."
    assert "within 2 business hours" in changes["Urgent matters"].after
    assert "urgent matters" in changes["Text message (SMS)"].after


def test_policy_from_another_practice_is_refused(world):
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    foreign_policy = world.other_practice.escalation_policies.get()
    with pytest.raises(ValidationError):
        services.agreement_update_draft(
            agreement=draft,
            by=world.therapist.user,
            terms={"escalation_policy": foreign_policy},
            channel_rules={},
            response_windows={},
        )


def test_contact_log_rows_cannot_be_changed_or_deleted_by_raw_sql(world):
    from django.db import DatabaseError, connection

    event = ContactEvent.objects.filter(practice=world.practice).first()
    assert event is not None
    for statement in (
        "UPDATE messaging_contactevent SET summary = 'rewritten' WHERE id = %s",
        "DELETE FROM messaging_contactevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    event.refresh_from_db()
    assert event.summary != "rewritten"
