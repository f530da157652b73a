"""Crisis help names the practice's own lines only when they are configured.

Pure Python apart from the last tests (the web card): over every combination of configured and
unconfigured numbers, each crisis-help text gives the emergency number and the crisis line,
names a practice line only with its number, and mentions no number the practice hasn't set.
"""

from __future__ import annotations

import html as html_text
import re
from dataclasses import replace
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from messaging.triage import crisis_help, engine
from messaging.triage.crisis_help import EmergencyNumbers
from messaging.triage.replies import auto_reply
from tests.factories import PROPERTY_SETTINGS, triage_cases

US = EmergencyNumbers("911", "988 Suicide & Crisis Lifeline", "988", "988")
MAIN = "+15550100100"
AFTER_HOURS = "+15550100199"

e164 = st.builds(
    lambda country, rest: f"+{country}{rest}",
    st.sampled_from(["1", "44", "61", "353"]),
    st.text("0123456789", min_size=7, max_size=11),
)
numbers = st.builds(
    EmergencyNumbers,
    emergency_number=st.sampled_from(["911", "112", "999", "000"]),
    crisis_line_name=st.sampled_from(
        ["988 Suicide & Crisis Lifeline", "Samaritans", "Lifeline", "Crisis Text Line"]
    ),
    crisis_line_number=st.sampled_from(["988", "116 123", "13 11 14"]),
    crisis_text=st.sampled_from(["", "988", "Text HOME to 741741", "0477 13 11 14"]),
    phone_line=st.just("") | e164,
    after_hours_line=st.just("") | e164 | st.just(MAIN),
)


def unexplained_digits(text: str, configured: EmergencyNumbers) -> str:
    """What is left of ``text``'s digits once every configured number and name is taken out."""
    for known in sorted(
        (
            configured.crisis_line_name,
            configured.crisis_text,
            *configured.callable_numbers(),
        ),
        key=len,
        reverse=True,
    ):
        if known.strip():
            text = text.replace(known.strip(), " ")
    return "".join(re.findall(r"\d", text))


def assert_is_crisis_help(text: str, configured: EmergencyNumbers) -> None:
    assert f"call {configured.emergency_number}." in text
    assert configured.crisis_line_number in text
    assert unexplained_digits(text, configured) == ""
    for line in (configured.phone_line, configured.after_hours_line):
        if line:
            assert line in text
    if not (configured.phone_line or configured.after_hours_line):
        assert "practice" not in text
    if not configured.after_hours_line:
        assert "after hours" not in text.lower()


@PROPERTY_SETTINGS
@given(configured=numbers)
def test_help_now_names_only_configured_numbers(configured):
    assert_is_crisis_help(crisis_help.help_now(configured), configured)
    assert_is_crisis_help(crisis_help.safe_reply_text(configured), configured)


@PROPERTY_SETTINGS
@given(configured=numbers)
def test_the_danger_line_names_only_the_emergency_numbers(configured):
    line = crisis_help.danger_line(configured)
    assert configured.emergency_number in line and configured.crisis_line_number in line
    assert unexplained_digits(line, configured) == ""


@PROPERTY_SETTINGS
@given(configured=numbers, case=triage_cases())
def test_every_auto_reply_gives_help_in_configured_numbers_only(configured, case):
    inbound, context = case
    decision = engine.triage(inbound, context)
    reply = auto_reply(
        decision,
        now=inbound.received_at,
        time_zone="America/New_York",
        client_first_name="Alex",
        therapist_name="Dr Chen",
        emergency=configured,
        safety_plan=None,
    )
    if reply.includes_crisis_help:
        help_lines, rest = reply.text.split("\n", 1)
        assert help_lines == crisis_help.help_now(configured)
        assert_is_crisis_help(help_lines, configured)
        assert unexplained_digits(rest, configured) == ""
    else:
        # The reply's own times and dates come first; the danger line is always last.
        last = reply.text.splitlines()[-1]
        assert last == crisis_help.danger_line(configured)
        assert unexplained_digits(last, configured) == ""


def test_the_wording_for_each_combination_of_lines():
    def words(**lines: str) -> str:
        return crisis_help.practice_lines(replace(US, **lines))

    assert words() == ""
    assert words(phone_line=MAIN) == f"To reach the practice, call {MAIN}."
    assert words(after_hours_line=AFTER_HOURS) == (
        f"After hours, the practice's line is {AFTER_HOURS}."
    )
    assert words(phone_line=MAIN, after_hours_line=AFTER_HOURS) == (
        f"To reach the practice, call {MAIN}; after hours, call {AFTER_HOURS}."
    )
    assert words(phone_line=MAIN, after_hours_line=MAIN) == (
        f"You can reach the practice on {MAIN}, in office hours and after."
    )
    assert crisis_help.help_now(replace(US, phone_line=MAIN, after_hours_line=AFTER_HOURS)) == (
        "If you are in danger now, call 911. You can call or text 988 "
        "(988 Suicide & Crisis Lifeline) any time. "
        f"To reach the practice, call {MAIN}; after hours, call {AFTER_HOURS}."
    )


def test_the_numbers_are_read_from_anything_carrying_them():
    practice = SimpleNamespace(
        emergency_number="112",
        crisis_line_name="Samaritans",
        crisis_line_number="116 123",
        crisis_text="",
        phone_line=MAIN,
        after_hours_line="",
    )
    assert EmergencyNumbers.of(practice) == EmergencyNumbers(
        "112", "Samaritans", "116 123", "", phone_line=MAIN, after_hours_line=""
    )


@PROPERTY_SETTINGS
@given(configured=numbers)
def test_the_web_card_links_every_configured_number_and_no_other(configured):
    from django.utils.html import strip_tags

    from messaging.templatetags.crisis_help_tags import crisis_help_now

    html = str(crisis_help_now(SimpleNamespace(**configured.__dict__)))
    assert html_text.unescape(strip_tags(html)) == crisis_help.help_now(configured)
    linked = set(re.findall(r'href="tel:([^"]+)"', html))
    assert linked == {re.sub(r"[^\d+]", "", n) for n in configured.callable_numbers()}


def test_a_time_in_an_auto_reply_is_not_mistaken_for_a_number():
    # Guards the helper the properties lean on: it must see digits it can't explain.
    assert unexplained_digits("call 911 at 15:00", US) == "1500"
    assert unexplained_digits(f"call {MAIN}", US) == "15550100100"
    assert unexplained_digits(f"call {MAIN}", replace(US, phone_line=MAIN)) == ""
