"""The explainable risk detector: hard cases, offsets, and the labelled data sets.

Pure Python (no database). Each hard case from the triage brief has a specific example, and
where evidence is expected we assert that ``text[start:end]`` is exactly the phrase the
clinician will see highlighted.

These tests pin the *rules*: ``detect`` below is ``detect(text, use_model=False)``. The
language model's second opinion (which may raise a rule decision to crisis, never lower it)
is tested in ``test_second_opinion.py``; its known false alarms on hand-written negatives
here ("the pills are finally helping i think") are part of the trade-off documented in
``messaging/triage/data/README.md`` -> Second opinion.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from messaging.triage import detector
from messaging.triage.categories import Category
from messaging.triage.detector import Detection, Match, normalise
from messaging.triage.evaluation import evaluate


def detect(text: str) -> Detection:
    """The rules alone (see the module docstring)."""
    return detector.detect(text, use_model=False)


DATA = Path(__file__).resolve().parents[2] / "messaging" / "triage" / "data"

CRISIS = Category.CRISIS
URGENT = Category.URGENT
CLINICAL = Category.CLINICAL
LOGISTICS = Category.LOGISTICS


def find(matches: tuple[Match, ...], phrase: str, signal: str | None = None) -> Match:
    """The match whose highlighted text is ``phrase`` (case-insensitive)."""
    for match in matches:
        if match.phrase.lower() == phrase.lower() and (signal is None or match.signal == signal):
            return match
    shown = [(m.phrase, m.signal) for m in matches]
    raise AssertionError(f"no match {phrase!r} ({signal}) among {shown}")


def assert_highlight(text: str, match: Match) -> None:
    assert 0 <= match.start < match.end <= len(text)
    assert text[match.start : match.end] == match.phrase


def crisis_with(text: str, phrase: str, signal: str | None = None) -> Match:
    detection = detect(text)
    assert detection.category is CRISIS, detection.reasons
    match = find(detection.matches, phrase, signal)
    assert_highlight(text, match)
    return match


def not_crisis_with_discounted(text: str, phrase: str, why: str) -> Detection:
    detection = detect(text)
    assert detection.category is not CRISIS, detection.reasons
    match = find(detection.suppressed, phrase)
    assert_highlight(text, match)
    assert why in match.reason, match.reason
    return detection


# --------------------------------------------------------------------------- indirect crisis


class TestIndirectCrisis:
    @pytest.mark.parametrize(
        ("text", "phrase", "signal"),
        [
            (
                "I won't be a problem for anyone much longer",
                "won't be a problem for anyone much longer",
                "finality",
            ),
            ("sorted out who gets my cat, thank you for everything", "who gets my cat", "finality"),
            ("gave my sister my ring and my dog today", "gave my sister my ring", "finality"),
            ("please tell my mum i'm sorry. goodbye", "please tell my mum i'm sorry", "finality"),
            ("everyone would be better off without me", "better off without me", "burden"),
            ("I've been saving up my pills", "saving up my pills", "plan"),
            ("I'm standing on the bridge", "standing on the bridge", "means_at_hand"),
            ("i've written a note. it's on my bed", "written a note", "plan"),
            ("the voice keeps telling me to jump", "voice keeps telling me to", None),
            ("he's outside my house with a bat. please help", "he's outside my house", None),
            ("i'm going to hurt my coworker", "going to hurt my coworker", "harm_to_others"),
        ],
    )
    def test_indirect_signs_are_crisis(self, text: str, phrase: str, signal: str | None) -> None:
        crisis_with(text, phrase, signal)

    def test_most_crisis_messages_never_say_suicide(self) -> None:
        assert detect("nobody would even notice if i was gone").category is CRISIS
        assert detect("i just want to go to sleep and not wake up").category is CRISIS

    def test_when_in_doubt_about_own_risk_choose_crisis(self) -> None:
        # A joke-then-retraction about the client's own risk is not a safety statement.
        text = "i want to kill myself lol no but seriously, i'm really not ok"
        crisis_with(text, "kill myself", "ideation")


# --------------------------------------------------------------------------- negation


class TestNegation:
    def test_not_going_to_kill_myself_just_venting(self) -> None:
        text = "I'm not going to kill myself, just venting. today was crap"
        not_crisis_with_discounted(text, "kill myself", 'negated ("not")')

    def test_never_act_on_it_discounts_thoughts(self) -> None:
        text = "i have thoughts about ending it sometimes but i'd never act on it"
        detection = not_crisis_with_discounted(text, "thoughts about ending it", "will not act")
        assert "never act on it" in detection.suppressed[0].reason

    def test_no_suicidal_thoughts_this_week(self) -> None:
        text = "no suicidal thoughts this week, first time in ages"
        not_crisis_with_discounted(text, "suicidal", 'negated ("no")')

    def test_hedged_negation_is_not_a_safety_statement(self) -> None:
        crisis_with("i cant promise i wont hurt myself tonight", "hurt myself", "self_harm")

    def test_cant_stop_thinking_is_not_a_negation(self) -> None:
        crisis_with("cant stop thinking about killing myself", "thinking about killing myself")

    def test_negation_does_not_reach_across_and(self) -> None:
        text = "i see no future. i've stopped eating and i have the pills"
        crisis_with(text, "have the pills", "means_at_hand")

    def test_safety_statement_does_not_discount_acts(self) -> None:
        text = "i'm safe now but i took 30 tablets an hour ago"
        crisis_with(text, "took 30 tablets", "overdose")


# --------------------------------------------------------------------------- past tense


class TestHistory:
    def test_back_in_college_is_history(self) -> None:
        text = "back in college I tried to overdose. it still comes up around exams"
        not_crisis_with_discounted(text, "tried to overdose", 'in the past ("back in")')

    def test_tried_again_last_night_is_current(self) -> None:
        text = "I tried again last night. didn't work"
        crisis_with(text, "tried again last night", "intent")

    def test_history_plus_recent_act_is_crisis(self) -> None:
        text = "I used to cut when I was 15. cut again tonight and it won't stop bleeding"
        crisis_with(text, "cut again", "self_harm")

    def test_years_ago_voices_are_history(self) -> None:
        text = "i used to have voices telling me to hurt myself, years ago on the old meds"
        detection = detect(text)
        assert detection.category is not CRISIS
        assert any("in the past" in m.reason for m in detection.suppressed)


# --------------------------------------------------------------------------- third parties


class TestThirdParty:
    def test_friend_wants_to_die_is_not_the_clients_crisis(self) -> None:
        text = "my friend said she wants to die and i keep thinking about it"
        not_crisis_with_discounted(text, "wants to die", 'about someone else ("she")')

    def test_relative_recent_attempt_is_urgent(self) -> None:
        text = "my sister tried to kill herself last night, she's in hospital"
        detection = detect(text)
        assert detection.category is URGENT
        match = find(detection.matches, "kill herself", "someone_else_at_risk")
        assert_highlight(text, match)

    def test_third_party_in_danger_now_is_crisis(self) -> None:
        text = "my friend just told me she took a load of pills an hour ago and isn't answering"
        crisis_with(text, "took a load of pills", "overdose")

    def test_client_joining_in_is_their_own_risk(self) -> None:
        crisis_with("my friend said she wants to die and honestly so do i", "wants to die")

    def test_film_about_suicide_is_not_the_client(self) -> None:
        text = "i watched a film about suicide, it was sad"
        not_crisis_with_discounted(text, "suicide", "story, film or the news")


# --------------------------------------------------------------------------- figures of speech


class TestFiguresOfSpeech:
    @pytest.mark.parametrize(
        ("text", "phrase"),
        [
            ("this commute is murder", "murder"),
            ("I could kill for a coffee", "kill"),
            ("dying to see the new film", "dying"),
            ("my boss will kill me if I'm late", "kill"),
            ("ugh this weather is killing me lol", "killing"),
            ("i'd rather die than do karaoke again", "die"),
        ],
    )
    def test_idioms_are_discounted_and_shown(self, text: str, phrase: str) -> None:
        detection = not_crisis_with_discounted(text, phrase, "figure of speech")
        assert any(r.startswith("not counted: ") for r in detection.reasons)

    def test_partner_threat_is_never_an_idiom(self) -> None:
        text = "my boyfriend says he'll kill me if i leave and he's got a knife"
        crisis_with(text, "says he'll kill me", "being_harmed")

    def test_catch_the_bus_literally_is_logistics(self) -> None:
        text = "i'll catch the bus to the session, might be a few minutes late"
        assert detect(text).category is LOGISTICS


# --------------------------------------------------------------------------- slang, typos, emoji


class TestSlangTyposEmoji:
    @pytest.mark.parametrize(
        ("text", "phrase"),
        [
            ("thinking about sewerslide again", "sewerslide"),
            ("honestly just want to unalive at this point", "unalive"),
            ("kms", "kms"),
            ("i should just kys", "kys"),
            ("i'm going to end it all tonight", "end it all"),
            ("i just want to go to sleep and not wake up", "sleep and not wake up"),
        ],
    )
    def test_slang(self, text: str, phrase: str) -> None:
        crisis_with(text, phrase, "ideation")

    def test_catch_the_bus_as_euphemism_with_goodbye(self) -> None:
        crisis_with("i think im going to catch the bus tonight. bye", "catch the bus")

    def test_being_told_to_kys_is_bullying_not_intent(self) -> None:
        text = "some kids at school keep telling me to kys"
        detection = not_crisis_with_discounted(text, "kys", "someone else said this")
        assert detection.category is URGENT

    @pytest.mark.parametrize(
        ("text", "phrase", "signal"),
        [
            ("been thinking about sucide all day", "thinking about sucide", "ideation"),
            ("i want to kil myself so bad tonight", "kil myself", "ideation"),
            ("i overdoes on my tablets an hour ago", "overdoes on", "overdose"),
            ("going to hurt mysefl tonight", "hurt mysefl", "self_harm"),
        ],
    )
    def test_typos(self, text: str, phrase: str, signal: str) -> None:
        crisis_with(text, phrase, signal)

    def test_repeated_letters_and_curly_quotes_keep_offsets(self) -> None:
        text = "honestly I\u2019m soooo done. I waaant to diiiie"
        match = crisis_with(text, "waaant to diiiie", "ideation")
        assert text[match.start : match.end] == "waaant to diiiie"

    def test_upper_case(self) -> None:
        crisis_with("I'M GOING TO END IT ALL", "END IT ALL")

    @pytest.mark.parametrize(
        ("text", "emoji"),
        [
            ("\U0001f52b\U0001f52b im done", "\U0001f52b"),
            ("\U0001fa62 tonight", "\U0001fa62"),
            ("\u26b0\ufe0f soon. i'm so tired of all of it", "\u26b0\ufe0f"),
        ],
    )
    def test_emoji_in_context(self, text: str, emoji: str) -> None:
        crisis_with(text, emoji)

    def test_pill_emoji_alone_is_not_crisis(self) -> None:
        assert detect("picked up my prescription \U0001f48a").category is not CRISIS


# --------------------------------------------------------------------------- method / means


class TestMethodsAndMeans:
    @pytest.mark.parametrize(
        ("text", "phrase", "signal"),
        [
            ("took 30 tablets. im sorry", "took 30 tablets", "overdose"),
            ("just took like 40 of my paracetamol", "took like 40 of my paracetamol", "overdose"),
            ("i have the razor in my hand right now", "have the razor in my hand", None),
            ("sitting in the car with the engine running", "engine running", "means_at_hand"),
        ],
    )
    def test_acts_and_means_at_hand(self, text: str, phrase: str, signal: str | None) -> None:
        crisis_with(text, phrase, signal)

    def test_method_together_with_hopelessness(self) -> None:
        text = "no way out of this. there's a rope in the garage"
        detection = detect(text)
        assert detection.category is CRISIS
        rope = find(detection.matches, "rope", "method")
        assert_highlight(text, rope)
        assert rope.reason == "mentions a method (rope) together with hopelessness"

    def test_having_the_means_is_counted_once(self) -> None:
        text = "cant do this anymore. got the rope in the garage"
        match = crisis_with(text, "got the rope", "means_at_hand")
        assert match.weight < 1.0  # with hopelessness it is a crisis, alone it would not be
        assert not any(m.signal == "method" for m in detect(text).matches)

    def test_train_tracks_with_intent(self) -> None:
        crisis_with("I keep staring at the train tracks. it would be so quick", "train tracks")

    def test_car_exhaust(self) -> None:
        text = "sitting in the car with the exhaust pipe hose thing set up"
        crisis_with(text, "exhaust pipe hose thing set up", "means_at_hand")

    def test_method_words_alone_are_not_crisis(self) -> None:
        assert detect("the pills are finally helping i think").category is not CRISIS
        assert detect("went for a walk over the bridge, felt peaceful").category is not CRISIS
        assert detect("i'm picking up my pills tonight").category is not CRISIS


# --------------------------------------------------------------------------- other categories


class TestOtherCategories:
    @pytest.mark.parametrize(
        ("text", "category"),
        [
            ("having a panic attack at work, i'm safe but can you call me?", URGENT),
            ("i ran out of my venlafaxine and the pharmacy is shut", URGENT),
            ("my mum died this morning", URGENT),
            ("court letter came, i need something from you by friday for the hearing", URGENT),
            ("did the thought record homework, noticed i catastrophise", CLINICAL),
            ("had a weird dream about my old school", CLINICAL),
            ("can we move thursday's session to 3pm?", LOGISTICS),
            ("i paid the invoice but it still shows as outstanding", LOGISTICS),
        ],
    )
    def test_category(self, text: str, category: Category) -> None:
        assert detect(text).category is category

    def test_empty_message(self) -> None:
        # Nothing to hold for a session: delivered (logistics), never held as therapy content.
        detection = detect("")
        assert detection.category is LOGISTICS
        assert detection.matches == ()
        assert detection.score == 0.0


# --------------------------------------------------------------------------- data types


class TestDataTypes:
    def test_frozen(self) -> None:
        detection = detect("i want to die")
        with pytest.raises(dataclasses.FrozenInstanceError):
            detection.category = CLINICAL  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            detection.matches[0].weight = 0.0  # type: ignore[misc]

    def test_reasons_are_plain_language_and_include_discounted(self) -> None:
        detection = detect("this commute is murder but i'm going to end my life tonight")
        assert detection.category is CRISIS
        assert all(isinstance(r, str) and r for r in detection.reasons)
        assert any("end my life" in r for r in detection.reasons)
        assert any(r.startswith("not counted:") and "murder" in r for r in detection.reasons)

    def test_score_is_between_zero_and_one(self) -> None:
        for text in ["i want to die", "can we move to 3pm", "", "my mum died today"]:
            assert 0.0 <= detect(text).score <= 1.0

    def test_normalisation_maps_back_to_original(self) -> None:
        text = "I\u2019M   Sooo  TIRED"
        norm = normalise(text)
        assert norm.text == "im so tired"
        start = norm.text.index("so")
        assert norm.original_span(start, start + 2) == (text.index("Sooo"), text.index("Sooo") + 4)

    @settings(max_examples=300, deadline=None)
    @given(
        st.lists(
            st.sampled_from(
                [
                    *"abcdeiklmnorstuwy '.,!?\n\u2019\u201c",
                    *(
                        "kill myself ",
                        "not ",
                        "pills ",
                        "\U0001f48a",
                        "sooo",
                        "sucide ",
                        "used to ",
                    ),
                    *("\u26b0\ufe0f", "\u0130", "tonight ", "my friend ", "lol "),
                ]
            ),
            max_size=40,
        ).map("".join)
    )
    def test_every_highlight_points_at_the_original_text(self, text: str) -> None:
        detection = detect(text)
        for match in detection.matches + detection.suppressed:
            assert_highlight(text, match)


# --------------------------------------------------------------------------- families of meaning


class TestFamiliesOfMeaning:
    """Indirect crisis language grouped by what it means, not by one wording. The examples
    are new sentences, not copies of the labelled data."""

    @pytest.mark.parametrize(
        ("text", "phrase", "signal"),
        [
            # arrangements for after they are gone
            ("sorted my room so nobody has to clear it after", "so nobody has to clear", None),
            (
                "make sure my sister gets the letter in my desk",
                "make sure my sister gets the letter",
                None,
            ),
            ("tidied everything up for whoever finds it", "whoever finds", "arrangements"),
            ("please look after my boys for me", "please look after my boys", "arrangements"),
            # absence from the future
            (
                "wont be needing my prescription anymore",
                "wont be needing my prescription anymore",
                None,
            ),
            ("no point booking me in again", "no point booking", "absence"),
            ("going for a walk. not coming back", "not coming back", "absence"),
            # means: getting it, keeping it, having it packed
            ("picked up a bag of charcoal on the way home", "picked up a bag of charcoal", "plan"),
            ("been putting my tablets aside every night", "putting my tablets aside", "plan"),
            ("the hose and tape are in the boot", "hose and tape are in the boot", "plan"),
            ("bought codeine from three different shops", None, "plan"),
            # research and scouting
            ("i looked up the dose that would do it", "the dose that would do it", "plan"),
            ("been reading up on how long it takes", "reading up on how long it takes", "plan"),
            # an undirected "it" with a time, resolve
            ("this weekend it ends", "this weekend it ends", "intent"),
            (
                "please don't be angry about what i'm about to do",
                "about what i'm about to do",
                "intent",
            ),
            ("finally got the nerve up. this is the night", "this is the night", "intent"),
            # burden
            (
                "everyone will finally get a break from me",
                "everyone will finally get a break from me",
                "burden",
            ),
            ("my kids would be better off with their dad", "better off with their dad", "burden"),
            # being harmed, harm to others, voices
            ("he's got me pinned against the wall", "got me pinned", "being_harmed"),
            ("i keep picturing smothering the baby", "picturing smothering the baby", None),
            ("the demons say i have to punish myself", "demons say i have to", None),
            # the body after an overdose or a wound
            ("took my whole month's supply", "took my whole month's supply", "overdose"),
            ("cuts are gaping and it won't stop", "cuts are gaping", "self_harm"),
        ],
    )
    def test_family_members_are_crisis(
        self, text: str, phrase: str | None, signal: str | None
    ) -> None:
        detection = detect(text)
        assert detection.category is CRISIS, detection.reasons
        if phrase is None:
            assert any(m.signal == signal for m in detection.matches), detection.reasons
            for match in detection.matches:
                assert_highlight(text, match)
        else:
            assert_highlight(text, find(detection.matches, phrase, signal))

    def test_weak_signs_combine_and_say_so(self) -> None:
        text = "thanks for putting up with me all these months. you were one of the good ones"
        detection = detect(text)
        assert detection.category is CRISIS  # two weak goodbyes add up to one strong one
        for phrase in ("thanks for putting up with me", "you were one of the good ones"):
            assert find(detection.matches, phrase, "finality").weight < 1.0

    def test_a_pet_and_an_unanswered_message(self) -> None:
        text = "can you make sure someone checks on biscuit if i dont reply"
        detection = detect(text)
        assert detection.category is CRISIS
        assert {m.signal for m in detection.matches} >= {"arrangements", "absence"}

    def test_a_death_makes_wanting_to_be_with_them_a_crisis(self) -> None:
        text = "it's been two years since we lost my son. i want to be with him again"
        crisis_with(text, "be with him again", "reunion")
        assert detect("i'll be with my sister again at christmas").category is not CRISIS

    def test_typos_are_read_and_highlighted_as_typed(self) -> None:
        text = "sory for evrything"
        match = crisis_with(text, "sory for evrything", "finality")
        assert match.start == 0 and match.end == len(text)


class TestEverydayReasons:
    """An ordinary reason in the sentence explains an everyday action; it is shown as
    discounted, never hidden."""

    @pytest.mark.parametrize(
        ("text", "phrase"),
        [
            ("i bought rope for the climbing wall on saturday", "bought rope"),
            ("got some charcoal for the bbq, first one of the summer", "got some charcoal"),
            ("updated my will after the baby was born", "updated my will"),
            ("gave my old guitar away, i never play it", "gave my old guitar"),
            ("no point booking the next one until i know my rota", "no point booking"),
        ],
    )
    def test_everyday_reason_discounts(self, text: str, phrase: str) -> None:
        not_crisis_with_discounted(text, phrase, "everyday reason")

    def test_upbeat_message_discounts_weak_signs(self) -> None:
        text = "finally finished my dissertation, so done!! celebrating tonight"
        assert detect(text).category is not CRISIS

    def test_strong_signs_need_the_reason_in_the_same_sentence(self) -> None:
        # The rope has no everyday reason; the later sentence does not explain it.
        text = "bought a rope today. going climbing with friends next month"
        assert detect(text).category is CRISIS


class TestFutureContact:
    def test_plans_to_be_in_touch_discount_a_weak_goodbye(self) -> None:
        text = "thanks for putting up with me today, i was a mess. see you thursday"
        not_crisis_with_discounted(text, "thanks for putting up with me", "future contact")

    def test_a_negated_future_session_is_not_a_plan_to_be_in_touch(self) -> None:
        text = "i won't be around for our next session. thank you for trying with me"
        detection = detect(text)
        assert detection.category is CRISIS
        assert not any("future contact" in m.reason for m in detection.suppressed)

    def test_a_reason_for_missing_a_session_is_logistics_not_absence(self) -> None:
        text = "i won't need the 4pm slot next week after all, my shift changed"
        assert detect(text).category is LOGISTICS


class TestShortMessages:
    @pytest.mark.parametrize(
        "text", ["made my peace with it", "i'm ready to go", "going to join my husband"]
    )
    def test_a_short_message_that_is_only_a_risk_sign_is_crisis(self, text: str) -> None:
        detection = detect(text)
        assert detection.category is CRISIS, detection.reasons
        assert any("very short message" in m.reason for m in detection.matches)

    def test_short_hopelessness_stays_urgent(self) -> None:
        assert detect("i have no future").category is URGENT

    def test_now_and_today_do_not_make_a_crisis(self) -> None:
        assert (
            detect("i feel really calm today, the breathing exercises helped").category
            is not CRISIS
        )


class TestThirdPartyHistory:
    def test_someone_elses_attempt_long_ago_is_not_urgent(self) -> None:
        text = "my brother tried to hang himself three years ago and he's doing well now"
        detection = not_crisis_with_discounted(text, "hang himself", "in the past")
        assert detection.category is not URGENT

    def test_habitual_joking_by_someone_else_is_not_urgent(self) -> None:
        text = "my son keeps saying kms when he loses at fortnite"
        assert detect(text).category is CLINICAL

    def test_someone_elses_post_is_not_the_client(self) -> None:
        text = "my friend posted i want to kill myself about her exam lol, she's fine"
        assert detect(text).category is not CRISIS


# --------------------------------------------------------------------------- labelled data


def load(name: str) -> list[dict[str, str]]:
    lines = (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def report_for(name: str, *, use_model: bool = True):
    return evaluate(
        (row["label"], detector.detect(row["text"], use_model=use_model).category)
        for row in load(name)
    )


class TestLabelledData:
    def test_sets_are_big_enough_balanced_and_disjoint(self) -> None:
        dev, heldout = load("dev"), load("heldout")
        assert len(dev) >= 240
        assert len(heldout) >= 80
        for rows in (dev, heldout):
            assert {row["label"] for row in rows} == {c.value for c in Category}
            crisis_share = sum(row["label"] == "crisis" for row in rows) / len(rows)
            assert crisis_share >= 0.25
        assert not {r["text"] for r in dev} & {r["text"] for r in heldout}

    def test_dev_reaches_what_was_measured(self) -> None:
        """dev now holds 420 messages by an independent author the rules were not all
        written for; the floors are the measured figures rounded (the model's are in-sample:
        see the head's cross-validated figures in data/crisis_head.json)."""
        report = report_for("dev")
        assert report.under_triage.rate <= 0.04
        assert report.cost_weighted_error <= 0.61
        assert report.labels["crisis"].recall >= 0.94
        assert report.labels["crisis"].precision >= 0.96
        assert report.labels["urgent"].recall >= 0.96
        assert report.macro_f1 >= 0.89

    def test_heldout_reaches_what_was_measured(self) -> None:
        """Held-out was written before the detector and never tuned on. The floors are the
        latest measured numbers rounded down; if this fails the detector got worse."""
        report = report_for("heldout")
        print("\nheld-out:", json.dumps(report.as_dict()["labels"]))
        print(f"held-out: macro-F1 {report.macro_f1:.3f}, accuracy {report.accuracy:.3f}")
        assert report.under_triage.count == 0
        assert report.cost_weighted_error <= 0.02
        assert report.labels["crisis"].recall >= 1.0
        assert report.labels["crisis"].precision >= 1.0
        # 0.990 before the safety-weighted rules; two routine messages are now delivered as
        # urgent (not tuned on: measured once, the figures are only reported).
        assert report.macro_f1 >= 0.97
        assert report.accuracy >= 0.98

    def test_independent_heldout_reaches_what_was_measured(self) -> None:
        """heldout_v2 was written by an author who never saw the detector or its data, and was
        measured once per detector version. It shows what unseen wording really gets: the
        floors guard against regressions, they are not a target that was met."""
        with_model = report_for("heldout_v2")
        rules_only = report_for("heldout_v2", use_model=False)
        print("\nheld-out v2:", json.dumps(with_model.as_dict()["labels"]))
        assert with_model.under_triage.rate <= 0.17
        assert with_model.cost_weighted_error <= 2.62
        assert with_model.labels["crisis"].recall >= 0.81
        assert with_model.labels["crisis"].precision >= 0.91
        assert with_model.labels["urgent"].recall >= 0.81
        assert with_model.macro_f1 >= 0.81
        assert rules_only.labels["crisis"].recall >= 0.70
        # The second opinion is kept only because it measurably raises crisis recall.
        assert with_model.labels["crisis"].recall > rules_only.labels["crisis"].recall

    def test_blind_heldout_v3_reaches_what_was_measured(self) -> None:
        """heldout_v3 (375 messages in ten styles) was written by three authors who never saw the
        detector, its data or the other sets, and was run once, after tuning on dev. The floors
        are those figures rounded: they guard against regressions and are far from the targets
        (crisis recall 0.95, under-triage 5 %), which this detector does not meet."""
        with_model = report_for("heldout_v3")
        rules_only = report_for("heldout_v3", use_model=False)
        print("\nheld-out v3:", json.dumps(with_model.as_dict()["labels"]))
        assert with_model.under_triage.rate <= 0.21
        assert with_model.cost_weighted_error <= 2.99
        assert with_model.labels["crisis"].recall >= 0.72
        assert with_model.labels["crisis"].precision >= 0.84
        assert with_model.labels["urgent"].recall >= 0.79
        assert with_model.macro_f1 >= 0.73
        assert rules_only.labels["crisis"].recall >= 0.52
        assert with_model.labels["crisis"].recall > rules_only.labels["crisis"].recall

    def test_blind_heldout_v3_is_disjoint_from_dev(self) -> None:
        """Beyond four one-token noise messages both sets' authors wrote independently (see
        HELDOUT_V3.md), nothing in the blind set is in dev, which is tuned on."""
        dev = {row["text"].lower() for row in load("dev")}
        shared = {row["text"] for row in load("heldout_v3") if row["text"].lower() in dev}
        assert shared <= {"k", "asdfghjkl", "👍", "🙏🙏"}
        assert {row["style"] for row in load("heldout_v3")} >= {"non_english", "noise", "voicemail"}
