"""``manage.py rotate_encryption_keys [--dry-run] [--batch-size N]``.

Re-encrypts every encrypted column of every model (``contactpolicy.fields``) with the primary,
that is first, of ``FIELD_ENCRYPTION_KEYS``. The operator's steps:

1. put a new key in front: ``FIELD_ENCRYPTION_KEYS=NEW,OLD``, and deploy every process (web,
   workers, beat): new writes now use NEW, and rows under OLD still read;
2. run this command (safe while the app runs; run it again until it reports nothing to do);
3. drop the old key: ``FIELD_ENCRYPTION_KEYS=NEW``, and deploy.

Values are read and written as raw column values (tokens), in batches, and each one is written
back only if it still holds the token that was read, so an edit the app makes meanwhile is never
overwritten. Values still in plain text (never encrypted) are encrypted as well. Nothing is
printed but counts: never a value or a key. Exits non-zero if a value opens with no key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction

from contactpolicy import crypto
from contactpolicy.fields import EncryptedJSONField, EncryptedTextField
from contactpolicy.progress import Progress, command_stream

ENCRYPTED_FIELDS = (EncryptedTextField, EncryptedJSONField)


@dataclass
class Counts:
    rows: int = 0
    rotated: int = 0
    current: int = 0
    plaintext: int = 0
    changed_meanwhile: int = 0
    unreadable: list[tuple[Any, str]] = field(default_factory=list)

    @property
    def rewritten(self) -> int:
        return self.rotated + self.plaintext


def encrypted_models() -> list[tuple[type[models.Model], list[models.Field]]]:
    """Every concrete model with an encrypted field, with those fields."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        fields = [f for f in meta.concrete_fields if isinstance(f, ENCRYPTED_FIELDS)]
        if fields:
            found.append((model, fields))
    return sorted(found, key=lambda item: item[0]._meta.label)


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column with the primary (first) FIELD_ENCRYPTION_KEYS key. "
        "Put the new key first and deploy before running it; drop the old key afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would change, write nothing"
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help="rows per transaction (default 500)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        batch_size: int = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        keys = crypto.configured_keys()
        self.stdout.write(
            f"{len(keys)} key(s) configured; re-encrypting with key 1"
            + (" (dry run: nothing is written)" if dry_run else "")
        )
        total = Counts()
        unreadable: list[str] = []
        found = encrypted_models()
        # Counts only (rows seen); the total is taken once, rows the app adds meanwhile go on top.
        progress = Progress(
            "Re-encrypting" if not dry_run else "Checking",
            total=sum(model._default_manager.count() for model, _ in found),
            stream=command_stream(self.stderr),
        )
        for model, fields in found:
            counts = self.rotate_model(
                model, fields, batch_size=batch_size, dry_run=dry_run, progress=progress
            )
            verb = "would re-encrypt" if dry_run else "re-encrypted"
            line = (
                f"{model._meta.label}: {counts.rows} rows, {verb} {counts.rotated} value(s) "
                f"from an older key, {counts.current} already on the primary key"
            )
            if counts.plaintext:
                line += f", {verb} {counts.plaintext} plain-text value(s)"
            if counts.changed_meanwhile:
                line += f", {counts.changed_meanwhile} changed by the app meanwhile (left as is)"
            if counts.unreadable:
                line += f", {len(counts.unreadable)} UNREADABLE"
                ids = ", ".join(f"{pk}.{name}" for pk, name in counts.unreadable[:20])
                more = "…" if len(counts.unreadable) > 20 else ""
                unreadable.append(f"{model._meta.label} (id.field: {ids}{more})")
            self.stdout.write(line)
            for name in ("rows", "rotated", "current", "plaintext", "changed_meanwhile"):
                setattr(total, name, getattr(total, name) + getattr(counts, name))
        progress.finish()
        self.stdout.write(
            f"Total: {total.rewritten} value(s) {'to re-encrypt' if dry_run else 're-encrypted'}"
            f", {total.current} already on the primary key."
        )
        if unreadable:
            raise CommandError(
                "Some values open with none of the configured FIELD_ENCRYPTION_KEYS and were left "
                "unchanged; do not drop any old key until they are explained: "
                + "; ".join(unreadable)
            )

    def rotate_model(
        self,
        model: type[models.Model],
        fields: list[models.Field],
        *,
        batch_size: int,
        dry_run: bool,
        progress: Progress | None = None,
    ) -> Counts:
        quote = connection.ops.quote_name
        meta = model._meta
        table, pk = quote(meta.db_table), quote(meta.pk.column)
        columns = ", ".join(quote(f.column) for f in fields)
        counts = Counts()
        last = None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                where = "" if last is None else f"WHERE {pk} > %s "
                cursor.execute(
                    f"SELECT {pk}, {columns} FROM {table} {where}ORDER BY {pk} LIMIT %s",
                    ([] if last is None else [last]) + [batch_size],
                )
                rows = cursor.fetchall()
                if not rows:
                    return counts
                last = rows[-1][0]
                counts.rows += len(rows)
                if progress is not None:
                    progress.advance(len(rows))
                writes: dict[str, list[tuple[str, tuple[str, Any, str]]]] = {}
                for row_pk, *values in rows:
                    for f, value in zip(fields, values, strict=True):
                        kind, new = self.rotated_value(value, f"{meta.label}.{f.name}")
                        if kind == "unreadable":
                            counts.unreadable.append((row_pk, f.name))
                        elif kind == "current":
                            counts.current += 1
                        elif new is not None:
                            writes.setdefault(f.column, []).append((kind, (new, row_pk, value)))
                for column, updates in writes.items():
                    sql = (
                        f"UPDATE {table} SET {quote(column)} = %s "
                        f"WHERE {pk} = %s AND {quote(column)} = %s"
                    )
                    for kind, params in updates:
                        if not dry_run:
                            cursor.execute(sql, list(params))
                            if cursor.rowcount != 1:
                                counts.changed_meanwhile += 1
                                continue
                        setattr(counts, kind, getattr(counts, kind) + 1)

    @staticmethod
    def rotated_value(value: Any, what: str) -> tuple[str, str | None]:
        """What to do with one column value: ``(kind, new value or None)``."""
        if value is None or value == "":
            return "empty", None
        if not crypto.looks_like_token(value):
            return "plaintext", crypto.encrypt(value)
        try:
            new = crypto.rotate(value, what=what)
        except crypto.FieldDecryptionError:
            return "unreadable", None
        return ("current", None) if new is None else ("rotated", new)
