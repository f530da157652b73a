"""The call-flow rules on their own (pure, no database): properties of what a caller hears."""

from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st

from messaging.triage.crisis_help import EmergencyNumbers
from messaging.voice import callflow
from tests.factories import PROPERTY_SETTINGS

NUMBERS = EmergencyNumbers("911", "988 Suicide & Crisis Lifeline", "988", "Text 988")
URLS = callflow.Urls(*(f"https://x.test/{name}/" for name in "abcdef"))


@PROPERTY_SETTINGS
@given(before=st.text(max_size=40), after=st.text(max_size=40), digits=st.text(max_size=3))
def test_saying_emergency_is_always_an_emergency(before, after, digits):
    speech = f"{before} emergency {after}"
    assert callflow.choice_of("", speech) == callflow.Choice.EMERGENCY
    assert callflow.choice_of("1" + digits, "") == callflow.Choice.EMERGENCY


@PROPERTY_SETTINGS
@given(digits=st.text(max_size=5), speech=st.text(max_size=200))
def test_every_answer_is_a_choice(digits, speech):
    assert callflow.choice_of(digits, speech) in set(callflow.Choice)


clinicians = st.lists(
    st.builds(
        callflow.Clinician,
        user_id=st.integers(1, 100),
        name=st.text(max_size=20),
        number=st.from_regex(r"\+1555\d{7}", fullmatch=True),
        whisper_url=st.just("https://x.test/w/"),
    ),
    max_size=3,
)
chains = st.builds(
    callflow.Chain,
    state=st.sampled_from(["active", "acknowledged", "exhausted", "resolved"]),
    step=st.sampled_from(["a", "b"]),
    clinicians=clinicians.map(tuple),
    seconds_left=st.integers(0, 10_000),
    dialled_step=st.sampled_from(["", "a", "b"]),
    taken=st.booleans(),
    taken_by_name=st.text(max_size=20),
)


@PROPERTY_SETTINGS
@given(chain=chains)
def test_an_emergency_call_always_has_a_next_step(chain):
    """Rung, held for the engine's next step, offered 988 and a message, or over: never silence,
    never a dial past Twilio's limit, never ringing a step twice."""
    root = ElementTree.fromstring(str(callflow.connect(chain=chain, numbers=NUMBERS, urls=URLS)))
    tags = {element.tag for element in root}
    if chain.taken:
        assert tags == {"Hangup"}
    elif callflow.rings(chain):
        dial = root.find("Dial")
        assert 5 <= int(dial.get("timeout")) <= callflow.DIAL_MAX_SECONDS
        assert [n.text for n in dial.iter("Number")] == [c.number for c in chain.clinicians]
        assert chain.step != chain.dialled_step
    elif chain.state == "active":
        assert "Gather" in tags and "Redirect" in tags  # holding, 9 for the crisis line
    else:
        assert "Record" in tags and "press 9" in " ".join(e.text or "" for e in root.iter("Say"))
