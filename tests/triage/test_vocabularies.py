"""The database's and the forms' choices are the pure rules' own values, nothing more or less.

The labels are for people and live with the choices; the values must be exactly what the
triage engine and the escalation machine decide, or a decision could not be stored or shown.
"""

import pytest

from agreements.models import Channel, Purpose
from messaging.escalation import machine
from messaging.inbox.forms import RetriageForm
from messaging.intake.forms import PURPOSE_CHOICES
from messaging.models import Disposition, EscalationState, StepAction
from messaging.triage import engine
from messaging.triage.categories import Category


def values(enum) -> set[str]:
    return {member.value for member in enum}


@pytest.mark.parametrize(
    ("choices", "rules"),
    [
        (Disposition, engine.Disposition),
        (Purpose, Category),
        (StepAction, machine.Action),
        (EscalationState, machine.State),
    ],
    ids=["disposition", "purpose", "step action", "escalation state"],
)
def test_the_choices_are_the_rules_values(choices, rules):
    assert set(choices.values) == values(rules)


def test_the_channels_are_the_ones_triage_knows():
    assert tuple(Channel.values) == engine.CHANNELS


def test_a_client_chooses_any_category_but_crisis_which_the_emergency_question_asks():
    assert {value for value, _ in PURPOSE_CHOICES} == values(Category) - {Category.CRISIS}


def test_a_clinician_re_triages_to_any_category_and_disposition():
    form = RetriageForm()
    assert {value for value, _ in form.fields["category"].choices} == values(Category)
    assert {value for value, _ in form.fields["disposition"].choices} == values(engine.Disposition)
