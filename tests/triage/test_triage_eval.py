"""Evaluation metrics and the ``manage.py triage_eval`` command (no database needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from messaging.triage.categories import Category
from messaging.triage.evaluation import COSTS, LABELS, evaluate, evaluate_styled, format_report

DATA = Path(__file__).resolve().parents[2] / "messaging" / "triage" / "data"


# --------------------------------------------------------------------------- metrics


class TestEvaluate:
    def test_hand_computed_example(self) -> None:
        pairs = [
            ("crisis", "crisis"),
            ("crisis", "urgent"),
            ("urgent", "urgent"),
            ("clinical", "crisis"),
            ("logistics", "logistics"),
        ]
        report = evaluate(pairs)
        crisis = report.labels["crisis"]
        assert (crisis.precision, crisis.recall, crisis.f1, crisis.support) == (0.5, 0.5, 0.5, 2)
        urgent = report.labels["urgent"]
        assert (urgent.precision, urgent.recall, urgent.support) == (0.5, 1.0, 1)
        assert urgent.f1 == pytest.approx(0.6667, abs=1e-4)
        clinical = report.labels["clinical"]
        assert (clinical.precision, clinical.recall, clinical.f1) == (0.0, 0.0, 0.0)
        assert report.accuracy == 0.6
        assert report.macro_f1 == pytest.approx((0.5 + 0.6667 + 0.0 + 1.0) / 4, abs=1e-4)
        assert report.confusion["crisis"] == {
            "crisis": 1,
            "urgent": 1,
            "clinical": 0,
            "logistics": 0,
        }
        assert report.confusion["clinical"]["crisis"] == 1
        assert report.total == 5

    def test_under_over_triage_and_cost_hand_computed(self) -> None:
        pairs = [
            ("crisis", "crisis"),
            ("crisis", "urgent"),  # under-triage, cost 20
            ("crisis", "clinical"),  # under-triage, cost 50
            ("urgent", "urgent"),
            ("urgent", "clinical"),  # under-triage, cost 10
            ("urgent", "crisis"),  # over-triage, cost 2
            ("clinical", "urgent"),  # over-triage, cost 1
            ("clinical", "logistics"),  # neither, cost 1
            ("logistics", "clinical"),  # neither, cost 2
            ("logistics", "logistics"),
        ]
        report = evaluate(pairs)
        assert (report.under_triage.count, report.under_triage.of) == (3, 6)
        assert report.under_triage.rate == 0.5
        crisis, urgent = (report.under_triage_by_label[k] for k in ("crisis", "urgent"))
        assert (crisis.count, crisis.of, crisis.rate) == (2, 3, 0.6667)
        assert (urgent.count, urgent.of, urgent.rate) == (1, 3, 0.3333)
        assert set(report.under_triage_by_label) == {"crisis", "urgent"}
        # over-triage: decided crisis/urgent above the gold label, over non-crisis messages
        assert (report.over_triage.count, report.over_triage.of) == (2, 7)
        assert report.over_triage_by_label["urgent"].count == 1
        assert report.over_triage_by_label["clinical"].count == 1
        assert report.over_triage_by_label["logistics"].count == 0
        assert report.cost == 20 + 50 + 10 + 2 + 1 + 1 + 2
        assert report.cost_weighted_error == pytest.approx(86 / 10)

    def test_cost_matrix_says_what_the_practice_fears(self) -> None:
        for gold in LABELS:
            assert COSTS[gold][gold] == 0
        missed_crisis = min(COSTS["crisis"][p] for p in LABELS if p != "crisis")
        false_page = max(COSTS[g]["crisis"] for g in LABELS if g != "crisis")
        assert missed_crisis >= 10 * false_page
        assert COSTS["urgent"]["clinical"] > COSTS["clinical"]["urgent"]
        # the less severe the decision for a crisis, the more it costs
        assert COSTS["crisis"]["urgent"] < COSTS["crisis"]["clinical"]

    def test_perfect_and_empty_have_no_under_triage(self) -> None:
        report = evaluate([("crisis", "crisis"), ("urgent", "urgent")])
        assert report.under_triage.rate == 0.0 and report.cost_weighted_error == 0.0
        empty = evaluate([])
        assert empty.under_triage.of == 0 and empty.under_triage.rate == 0.0

    def test_by_style(self) -> None:
        report = evaluate_styled(
            [
                ("crisis", "clinical", "sms"),
                ("crisis", "crisis", "sms"),
                ("urgent", "urgent", "email"),
                ("clinical", "clinical", None),
            ]
        )
        assert report.total == 4
        assert set(report.by_style) == {"email", "sms"}
        sms = report.by_style["sms"]
        assert sms.total == 2 and sms.under_triage.rate == 0.5 and sms.cost == 50
        assert report.by_style["email"].under_triage.rate == 0.0
        as_dict = report.as_dict()
        assert as_dict["by_style"]["sms"]["under_triage"]["count"] == 1  # type: ignore[index]
        assert "style sms (2 messages)" in format_report(report)

    def test_accepts_categories(self) -> None:
        report = evaluate([(Category.CRISIS, Category.CRISIS), (Category.URGENT, "urgent")])
        assert report.accuracy == 1.0

    def test_absent_labels_are_reported_but_do_not_drag_macro_f1(self) -> None:
        report = evaluate([("crisis", "crisis")])
        assert set(report.labels) == set(LABELS)
        assert report.labels["logistics"].support == 0
        assert report.macro_f1 == 1.0

    def test_unknown_label(self) -> None:
        with pytest.raises(ValueError, match="emergency"):
            evaluate([("emergency", "crisis")])

    def test_no_pairs(self) -> None:
        report = evaluate([])
        assert report.accuracy == 0.0
        assert report.macro_f1 == 0.0

    def test_text_report(self) -> None:
        text = format_report(evaluate([("crisis", "crisis"), ("urgent", "clinical")]))
        assert "precision" in text and "recall" in text and "f1" in text
        assert "accuracy 0.500" in text
        assert "confusion matrix" in text
        for label in LABELS:
            assert label in text


# --------------------------------------------------------------------------- command


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def record(text: str, label: str) -> str:
    return json.dumps({"text": text, "label": label})


class TestTriageEvalCommand:
    def test_json_output_is_one_object_with_every_label(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = write_jsonl(
            tmp_path / "small.jsonl",
            [
                record("i want to kill myself", "crisis"),
                "",
                record("can we move thursday's session to 3pm?", "logistics"),
                "   ",
                record("i ran out of my sertraline yesterday", "urgent"),
            ],
        )
        call_command("triage_eval", str(path), "--json")
        result = json.loads(capsys.readouterr().out)
        assert set(result) == {
            "under_triage",
            "cost_weighted_error",
            "cost",
            "cost_matrix",
            "over_triage",
            "messages",
            "labels",
            "macro_f1",
            "accuracy",
            "confusion",
        }
        assert list(result)[:2] == ["under_triage", "cost_weighted_error"]
        assert result["under_triage"]["count"] == 0
        assert result["under_triage"]["of"] == 2
        assert set(result["labels"]) == set(LABELS)
        assert set(result["confusion"]) == set(LABELS)
        for row in result["confusion"].values():
            assert set(row) == set(LABELS)
        for metrics in result["labels"].values():
            assert set(metrics) == {"precision", "recall", "f1", "support"}
        assert result["labels"]["crisis"] == {
            "precision": 1.0,
            "recall": 1.0,
            "f1": 1.0,
            "support": 1,
        }
        assert result["labels"]["clinical"]["support"] == 0
        assert result["accuracy"] == 1.0

    def test_styles_are_reported_when_present(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = write_jsonl(
            tmp_path / "styled.jsonl",
            [
                json.dumps(
                    {"text": "can we move thursday to 3pm?", "label": "logistics", "style": "sms"}
                ),
                json.dumps({"text": "see you next week", "label": "logistics", "style": "email"}),
                record("see you next week", "logistics"),
            ],
        )
        call_command("triage_eval", str(path), "--json")
        result = json.loads(capsys.readouterr().out)
        assert set(result["by_style"]) == {"sms", "email"}
        assert result["by_style"]["sms"]["messages"] == 1
        call_command("triage_eval", str(path))
        assert "style email (1 messages)" in capsys.readouterr().out

    def test_style_must_be_a_string(self, tmp_path: Path) -> None:
        path = write_jsonl(
            tmp_path / "bad.jsonl", ['{"text": "hi", "label": "logistics", "style": 3}']
        )
        with pytest.raises(CommandError, match='line 1: "style" must be a string'):
            call_command("triage_eval", str(path))

    def test_text_output(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = write_jsonl(
            tmp_path / "small.jsonl",
            [
                record("took 30 tablets. im sorry", "crisis"),
                record("this commute is murder", "crisis"),
            ],
        )
        call_command("triage_eval", str(path), "--errors")
        out = capsys.readouterr().out
        assert "precision" in out and "confusion matrix" in out
        assert "accuracy 0.500" in out
        assert "misclassified" in out and "this commute is murder" in out
        assert "figure of speech" in out

    def test_malformed_line_names_the_line(self, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "bad.jsonl", [record("hi", "logistics"), '{"text": "oops"'])
        with pytest.raises(CommandError, match="line 2"):
            call_command("triage_eval", str(path))

    def test_unknown_label_names_the_line(self, tmp_path: Path) -> None:
        path = write_jsonl(
            tmp_path / "bad.jsonl",
            [record("hi", "logistics"), "", record("help", "emergency")],
        )
        with pytest.raises(CommandError, match=r"line 3: unknown label 'emergency'"):
            call_command("triage_eval", str(path))

    def test_missing_label_or_text(self, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "bad.jsonl", ['{"text": "hi"}'])
        with pytest.raises(CommandError, match="line 1: unknown label None"):
            call_command("triage_eval", str(path))
        path = write_jsonl(tmp_path / "bad2.jsonl", ['{"label": "crisis"}'])
        with pytest.raises(CommandError, match='line 1: "text" must be a string'):
            call_command("triage_eval", str(path))

    def test_not_an_object(self, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "bad.jsonl", ['["crisis"]'])
        with pytest.raises(CommandError, match="line 1: expected a JSON object"):
            call_command("triage_eval", str(path))

    def test_missing_and_empty_files(self, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match="cannot read"):
            call_command("triage_eval", str(tmp_path / "nope.jsonl"))
        empty = write_jsonl(tmp_path / "empty.jsonl", ["", "  "])
        with pytest.raises(CommandError, match="no labelled messages"):
            call_command("triage_eval", str(empty))

    def test_shipped_dev_set_reaches_what_was_measured(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        call_command("triage_eval", str(DATA / "dev.jsonl"), "--json")
        result = json.loads(capsys.readouterr().out)
        assert result["under_triage"]["rate"] <= 0.04
        assert result["cost_weighted_error"] <= 0.61
        assert result["labels"]["crisis"]["recall"] >= 0.94
        assert result["labels"]["crisis"]["precision"] >= 0.96
        assert result["macro_f1"] >= 0.89
        assert set(result["by_style"]) >= {"sms", "noise", "non_english", "long_email"}
