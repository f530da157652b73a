"""Check-ins, caring messages and "can this wait?" are terms of the agreement: the client reads
them in plain words and accepts them, and a change is a new version with a new digest."""

from datetime import time

from django.urls import reverse

from agreements import services
from agreements.terms import agreement_terms, terms_digest
from tests.factories import activate_agreement, sign_in


def _between(agreement) -> dict[str, str]:
    return {t.label: t.value for t in agreement_terms(agreement) if t.section == "Between sessions"}


def test_off_by_default_and_said_so(world):
    terms = _between(activate_agreement(world))
    assert terms["Check-ins"].startswith("Not used")
    assert terms["Caring messages"] == "Not used."
    assert terms["“Can this wait?”"] == "Not used."


def test_the_client_reads_what_is_on_and_how(world, client):
    agreement = activate_agreement(
        world,
        check_ins_enabled=True,
        check_in_local_time=time(18, 30),
        check_in_channel="sms",
        check_in_answer_hours=6,
        missed_check_in_pages=True,
        caring_contacts_enabled=True,
        caring_contacts_channel="email",
        can_this_wait=True,
    )
    terms = _between(agreement)
    assert "by text message at 6:30 pm your time" in terms["Check-ins"]
    assert "within 6 hours your therapist is told and paged." in terms["Check-ins"]
    assert "by email for up to a year" in terms["Caring messages"]
    assert "reply STOP" in terms["Caring messages"]
    assert "never an urgent one" in terms["“Can this wait?”"]
    sign_in(client, world.client)
    page = client.get(reverse("client_agreement")).content.decode()
    assert "6:30 pm your time" in page and "Between sessions" in page


def test_turning_one_on_is_a_new_version_with_a_new_digest(world):
    active = activate_agreement(world)
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    assert terms_digest(agreement_terms(draft)) == terms_digest(agreement_terms(active))
    draft = services.agreement_update_draft(
        agreement=draft,
        by=world.therapist.user,
        terms={"can_this_wait": True},
        channel_rules={},
        response_windows={},
    )
    assert terms_digest(agreement_terms(draft)) != terms_digest(agreement_terms(active))
    assert draft.version == active.version + 1
