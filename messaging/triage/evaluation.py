"""Pure metrics for the triage detector: what a mistake costs first, then per-label scores.

Given (gold, predicted) pairs, ``evaluate`` returns an ``EvaluationReport``;
``format_report`` renders it as text and ``EvaluationReport.as_dict`` as the JSON
shape printed by ``manage.py triage_eval --json``. No Django, no third-party code.

What matters most is reported first:

* **under-triage**: a message whose gold label is crisis or urgent was decided as a less
  severe category (a crisis that is not escalated, an urgent message that waits). Its rate is
  over all crisis + urgent messages, and per label over that label's messages.
* **over-triage**: a message was decided as crisis or urgent although its gold label is less
  severe (a needless page, or a routine message pushed ahead). Its rate is over all messages
  that could be over-triaged (gold urgent, clinical or logistics), and per label. A swap
  between clinical and logistics is neither: it is in the confusion matrix and the cost.
* **cost-weighted error**: the mean over messages of ``COSTS[gold][predicted]`` (0 when
  right). The matrix says what the practice fears: a missed crisis costs 25 false pages, an
  urgent message held for the session costs 5 clinical messages delivered early.
* per-``style`` breakdowns (the same report for each style) when the data carries a style.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from messaging.triage.categories import SEVERITY_ORDER, Category

LABELS: tuple[str, ...] = tuple(c.value for c in SEVERITY_ORDER)
_SEVERITY = {c.value: c.severity for c in SEVERITY_ORDER}
UNDER_TRIAGE_LABELS: tuple[str, ...] = ("crisis", "urgent")

# COSTS[gold][predicted]: what deciding ``predicted`` for a ``gold`` message costs.
# - A crisis read as anything else is the worst outcome: 50 when it is held or read as
#   routine, 20 when it is at least delivered to a clinician as urgent.
# - An urgent message decided as clinical or logistics waits (possibly for the session): 10.
# - A false page (anything else read as crisis) costs 2: an on-call clinician is woken for it.
# - A clinical or logistics message pushed ahead as urgent costs 1; the two routine
#   categories swapped cost 1 (therapy content delivered as admin) and 2 (admin held until
#   the session it is about, which DESIGN.md invariant 9 forbids).
COSTS: dict[str, dict[str, float]] = {
    "crisis": {"crisis": 0.0, "urgent": 20.0, "clinical": 50.0, "logistics": 50.0},
    "urgent": {"crisis": 2.0, "urgent": 0.0, "clinical": 10.0, "logistics": 10.0},
    "clinical": {"crisis": 2.0, "urgent": 1.0, "clinical": 0.0, "logistics": 1.0},
    "logistics": {"crisis": 2.0, "urgent": 1.0, "clinical": 2.0, "logistics": 0.0},
}


@dataclass(frozen=True)
class LabelMetrics:
    precision: float
    recall: float
    f1: float
    support: int  # how many messages carry this gold label


@dataclass(frozen=True)
class TriageRate:
    """How many of ``of`` messages were decided on the wrong side, and the share."""

    count: int
    of: int

    @property
    def rate(self) -> float:
        return round(_ratio(self.count, self.of), 4)

    def as_dict(self) -> dict[str, float | int]:
        return {"count": self.count, "of": self.of, "rate": self.rate}


@dataclass(frozen=True)
class EvaluationReport:
    labels: dict[str, LabelMetrics]
    macro_f1: float
    accuracy: float
    confusion: dict[str, dict[str, int]]  # gold -> predicted -> count
    total: int
    under_triage: TriageRate
    under_triage_by_label: dict[str, TriageRate]
    over_triage: TriageRate
    over_triage_by_label: dict[str, TriageRate]
    cost: float  # total of COSTS[gold][predicted]
    cost_weighted_error: float  # cost per message
    by_style: dict[str, EvaluationReport] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        result: dict[str, object] = {
            "under_triage": {
                **self.under_triage.as_dict(),
                "by_label": {k: v.as_dict() for k, v in self.under_triage_by_label.items()},
            },
            "cost_weighted_error": self.cost_weighted_error,
            "cost": self.cost,
            "cost_matrix": COSTS,
            "over_triage": {
                **self.over_triage.as_dict(),
                "by_label": {k: v.as_dict() for k, v in self.over_triage_by_label.items()},
            },
            "messages": self.total,
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
        if self.by_style:
            result["by_style"] = {style: r.as_dict() for style, r in self.by_style.items()}
        return result


def evaluate_styled(
    triples: Iterable[tuple[Category | str, Category | str, str | None]],
) -> EvaluationReport:
    """Score (gold, predicted, style) triples: the whole set, and the same report for each
    style that occurs (a message without a style counts only in the whole)."""
    triples = list(triples)
    report = evaluate((gold, predicted) for gold, predicted, _ in triples)
    styles = sorted({style for _, _, style in triples if style})
    by_style = {style: evaluate((g, p) for g, p, s in triples if s == style) for style in styles}
    return replace(report, by_style=by_style)


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
    under = {
        label: TriageRate(
            count=sum(n for p, n in confusion[label].items() if _SEVERITY[p] < _SEVERITY[label]),
            of=sum(confusion[label].values()),
        )
        for label in labels
        if label in UNDER_TRIAGE_LABELS
    }
    over = {
        label: TriageRate(
            count=sum(
                n
                for p, n in confusion[label].items()
                if p in UNDER_TRIAGE_LABELS and _SEVERITY[p] > _SEVERITY[label]
            ),
            of=sum(confusion[label].values()),
        )
        for label in labels
        if label != "crisis"
    }
    cost = sum(
        COSTS[gold][predicted] * n
        for gold, row in confusion.items()
        for predicted, n in row.items()
        if gold in COSTS and predicted in COSTS[gold]
    )
    return EvaluationReport(
        labels=metrics,
        macro_f1=round(macro_f1, 4),
        accuracy=round(_ratio(correct, total), 4),
        confusion=confusion,
        total=total,
        under_triage=_sum_rates(under.values()),
        under_triage_by_label=under,
        over_triage=_sum_rates(over.values()),
        over_triage_by_label=over,
        cost=round(cost, 4),
        cost_weighted_error=round(_ratio(cost, total), 4),
    )


def _sum_rates(rates: Iterable[TriageRate]) -> TriageRate:
    rates = list(rates)
    return TriageRate(count=sum(r.count for r in rates), of=sum(r.of for r in rates))


def _rate(rate: TriageRate) -> str:
    return f"{rate.rate:.3f} ({rate.count} of {rate.of})"


def format_headline(report: EvaluationReport) -> list[str]:
    """Under-triage and the cost-weighted error first: the numbers that matter most."""
    by_label = ", ".join(f"{k} {_rate(v)}" for k, v in report.under_triage_by_label.items())
    over = ", ".join(f"{k} {_rate(v)}" for k, v in report.over_triage_by_label.items())
    return [
        f"under-triage {_rate(report.under_triage)}   [{by_label}]",
        f"cost-weighted error {report.cost_weighted_error:.3f} per message "
        f"(total {report.cost:g}; see evaluation.COSTS)",
        f"over-triage {_rate(report.over_triage)}   [{over}]",
    ]


def format_report(report: EvaluationReport) -> str:
    """A fixed-width text report: under-triage and cost first, per-label table, summary line,
    confusion matrix, then one short block per style."""
    labels = list(report.labels)
    width = max(len("predicted →"), *(len(label) for label in labels)) + 2
    lines = [
        *format_headline(report),
        "",
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
    for style, styled in report.by_style.items():
        crisis = styled.labels["crisis"]
        lines += [
            "",
            f"style {style} ({styled.total} messages): macro-F1 {styled.macro_f1:.3f}, "
            f"crisis recall {crisis.recall:.3f} of {crisis.support}",
            *(f"  {line}" for line in format_headline(styled)),
        ]
    return "\n".join(lines)


def _label(value: Category | str, labels: tuple[str, ...]) -> str:
    label = str(value)
    if label not in labels:
        raise ValueError(f"unknown label {label!r}; expected one of {', '.join(labels)}")
    return label


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0
