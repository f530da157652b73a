"""``manage.py triage_eval FILE.jsonl [--json] [--errors]``: score the detector on labelled data.

Each non-blank line of FILE is ``{"text": "...", "label": "crisis|urgent|clinical|logistics"}``,
optionally with a ``"style"`` (e.g. "sms", "long_email"): then every figure is also reported per
style. Only the text is given to ``detect()`` (no declared purpose, no sender context), so the
numbers describe the detector alone. Under-triage and the cost-weighted error come first (see
``messaging.triage.evaluation``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from messaging.triage.detector import detect
from messaging.triage.evaluation import LABELS, evaluate_styled, format_report


class Command(BaseCommand):
    help = "Evaluate the triage risk detector on a JSONL file of labelled messages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help='JSONL file: one {"text": ..., "label": ...} per line')
        parser.add_argument(
            "--json", action="store_true", help="print exactly one JSON object with the metrics"
        )
        parser.add_argument(
            "--errors",
            action="store_true",
            help="also list misclassified messages with the detector's reasons (text mode only)",
        )
        parser.add_argument(
            "--rules-only",
            action="store_true",
            help="leave out the language-model second opinion (the explainable rules alone)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        records = load_labelled(Path(options["file"]))
        examples = [(text, label) for text, label, _ in records]
        use_model = not options["rules_only"]
        predictions = [(label, detect(text, use_model=use_model)) for text, label in examples]
        report = evaluate_styled(
            (label, detection.category, style)
            for (label, detection), (_, _, style) in zip(predictions, records, strict=True)
        )

        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))
            return
        self.stdout.write(format_report(report))
        if options["errors"]:
            self.stdout.write("\nmisclassified:")
            for (text, label), (_, detection) in zip(examples, predictions, strict=True):
                if detection.category != label:
                    self.stdout.write(f"- gold {label}, predicted {detection.category}: {text}")
                    for reason in detection.reasons:
                        self.stdout.write(f"    · {reason}")


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(text, label) pairs; any problem is a CommandError naming the line."""
    return [(text, label) for text, label, _ in load_labelled(path)]


def load_labelled(path: Path) -> list[tuple[str, str, str | None]]:
    """(text, label, style) triples (style None when the line has none); any problem is a
    CommandError naming the line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror or error}") from error

    examples = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise CommandError(f"{path}, line {number}: not valid JSON ({error.msg})") from error
        if not isinstance(record, dict):
            raise CommandError(f"{path}, line {number}: expected a JSON object")
        text, label = record.get("text"), record.get("label")
        if not isinstance(text, str):
            raise CommandError(f'{path}, line {number}: "text" must be a string')
        if label not in LABELS:
            raise CommandError(
                f"{path}, line {number}: unknown label {label!r}; "
                f"expected one of {', '.join(LABELS)}"
            )
        style = record.get("style")
        if style is not None and not isinstance(style, str):
            raise CommandError(f'{path}, line {number}: "style" must be a string')
        examples.append((text, label, style or None))
    if not examples:
        raise CommandError(f"{path}: no labelled messages found")
    return examples
