"""Evaluation metrics and the ``manage.py triage_eval`` command (no database needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from messaging.triage.categories import Category
from messaging.triage.evaluation import LABELS, evaluate, format_report

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
        assert set(result) == {"labels", "macro_f1", "accuracy", "confusion"}
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

    def test_shipped_dev_set_meets_targets(self, capsys: pytest.CaptureFixture[str]) -> None:
        call_command("triage_eval", str(DATA / "dev.jsonl"), "--json")
        result = json.loads(capsys.readouterr().out)
        assert result["labels"]["crisis"]["recall"] == 1.0
        assert result["labels"]["crisis"]["precision"] >= 0.9
        assert result["macro_f1"] >= 0.9
