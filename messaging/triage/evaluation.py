"""Pure metrics for the triage detector: per-label precision/recall/F1, accuracy, confusion.

Given (gold, predicted) pairs, ``evaluate`` returns an ``EvaluationReport``;
``format_report`` renders it as text and ``EvaluationReport.as_dict`` as the JSON
shape printed by ``manage.py triage_eval --json``. No Django, no third-party code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from messaging.triage.categories import SEVERITY_ORDER, Category

LABELS: tuple[str, ...] = tuple(c.value for c in SEVERITY_ORDER)


@dataclass(frozen=True)
class LabelMetrics:
    precision: float
    recall: float
    f1: float
    support: int  # how many messages carry this gold label


@dataclass(frozen=True)
class EvaluationReport:
    labels: dict[str, LabelMetrics]
    macro_f1: float
    accuracy: float
    confusion: dict[str, dict[str, int]]  # gold -> predicted -> count
    total: int

    def as_dict(self) -> dict[str, object]:
        return {
            "labels": {
                label: {
                    "precision": m.precision,
                    "recall": m.recall,
                    "f1": m.f1,
                    "support": m.support,
                }
                for label, m in self.labels.items()
            },
            "macro_f1": self.macro_f1,
            "accuracy": self.accuracy,
            "confusion": {gold: dict(row) for gold, row in self.confusion.items()},
        }


def evaluate(
    pairs: Iterable[tuple[Category | str, Category | str]],
    labels: tuple[str, ...] = LABELS,
) -> EvaluationReport:
    """Score (gold, predicted) pairs. Every label in ``labels`` is always reported.

    Precision of a label that was never predicted (and recall of one that never
    occurs) is 0.0. Macro-F1 averages over the labels that occur in the gold or
    predicted data, so an absent label does not drag the average down.
    """
    confusion = {gold: dict.fromkeys(labels, 0) for gold in labels}
    total = 0
    for gold, predicted in pairs:
        gold_label, predicted_label = _label(gold, labels), _label(predicted, labels)
        confusion[gold_label][predicted_label] += 1
        total += 1

    metrics: dict[str, LabelMetrics] = {}
    for label in labels:
        true_positives = confusion[label][label]
        support = sum(confusion[label].values())
        predicted_count = sum(confusion[gold][label] for gold in labels)
        precision = _ratio(true_positives, predicted_count)
        recall = _ratio(true_positives, support)
        f1 = _ratio(2 * precision * recall, precision + recall)
        metrics[label] = LabelMetrics(
            precision=round(precision, 4), recall=round(recall, 4), f1=round(f1, 4), support=support
        )

    present = [
        label
        for label in labels
        if metrics[label].support or any(confusion[gold][label] for gold in labels)
    ]
    macro_f1 = _ratio(sum(metrics[label].f1 for label in present), len(present))
    correct = sum(confusion[label][label] for label in labels)
    return EvaluationReport(
        labels=metrics,
        macro_f1=round(macro_f1, 4),
        accuracy=round(_ratio(correct, total), 4),
        confusion=confusion,
        total=total,
    )


def format_report(report: EvaluationReport) -> str:
    """A fixed-width text report: per-label table, summary line, confusion matrix."""
    labels = list(report.labels)
    width = max(len("predicted →"), *(len(label) for label in labels)) + 2
    lines = [
        f"{'label':<{width}}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}",
    ]
    for label, m in report.labels.items():
        lines.append(
            f"{label:<{width}}{m.precision:>10.3f}{m.recall:>10.3f}{m.f1:>10.3f}{m.support:>10}"
        )
    lines += [
        "",
        f"accuracy {report.accuracy:.3f}   macro-F1 {report.macro_f1:.3f}   "
        f"messages {report.total}",
        "",
        "confusion matrix (rows: gold label, columns: predicted)",
        f"{'gold ↓ / predicted →':<{width + 10}}" + "".join(f"{p:>11}" for p in labels),
    ]
    for gold in labels:
        row = "".join(f"{report.confusion[gold][p]:>11}" for p in labels)
        lines.append(f"{gold:<{width + 10}}{row}")
    return "\n".join(lines)


def _label(value: Category | str, labels: tuple[str, ...]) -> str:
    label = str(value)
    if label not in labels:
        raise ValueError(f"unknown label {label!r}; expected one of {', '.join(labels)}")
    return label


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0
