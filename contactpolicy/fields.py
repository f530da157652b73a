"""Model fields whose values are encrypted at rest (see ``contactpolicy.crypto``).

The column holds a Fernet token (``gAAAAA…``); Python code sees plain text (or, for
``EncryptedJSONField``, the decoded JSON value). Encryption is randomised, so the database cannot
compare, search or sort these columns: only ``isnull`` is supported, and any other lookup raises
``FieldError`` when the query is built instead of silently matching nothing.

An empty string is stored as an empty string (not encrypted) by ``EncryptedTextField``: it
reveals only that the field is empty, which the length of a token would reveal anyway, and it
keeps ``blank=True`` fields cheap. JSON values are always encrypted, even ``[]``.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import FieldError
from django.db import models

from contactpolicy import crypto


class _Encrypted:
    """Shared by the encrypted fields: no database lookups but ``isnull``."""

    SUPPORTED_LOOKUPS = frozenset({"isnull"})

    def _label(self) -> str:
        model = getattr(self, "model", None)
        name = getattr(self, "name", None) or "field"
        return f"{model._meta.label}.{name}" if model is not None else name

    def _refuse(self, kind: str, name: str) -> FieldError:
        return FieldError(
            f"{self._label()} is encrypted at rest, so the database cannot {kind} it "
            f"(`__{name}`): only `__isnull` works. Filter on another field, or load the rows "
            "and compare the decrypted values in Python."
        )

    def get_lookup(self, lookup_name: str):
        if lookup_name in self.SUPPORTED_LOOKUPS:
            return super().get_lookup(lookup_name)  # type: ignore[misc]
        raise self._refuse("compare or search", lookup_name)

    def get_transform(self, lookup_name: str):
        raise self._refuse("transform", lookup_name)


class EncryptedTextField(_Encrypted, models.TextField):
    """A ``TextField`` stored as a Fernet token; ``""`` and ``None`` are stored as they are."""

    description = "Text encrypted at rest"

    def from_db_value(self, value: Any, expression, connection) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, what=f"{self._label()}")

    def to_python(self, value: Any) -> str | None:
        if value is None or value == "":
            return value
        if not isinstance(value, str):
            return str(value)
        # A token read back (e.g. from a fixture of raw rows) is opened; anything else is text.
        if crypto.is_decryptable(value):
            return crypto.decrypt(value, what=self._label())
        return value

    def get_prep_value(self, value: Any) -> str | None:
        value = models.Field.get_prep_value(self, value)  # resolves lazy strings
        if value is None:
            return None
        value = str(value)
        if value == "":
            return ""
        return crypto.encrypt(value)


class EncryptedJSONField(_Encrypted, models.TextField):
    """A JSON value serialised with ``json`` and stored as a Fernet token in a text column."""

    description = "JSON encrypted at rest"

    def from_db_value(self, value: Any, expression, connection) -> Any:
        if value is None:
            return None
        return json.loads(crypto.decrypt(value, what=self._label()))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and crypto.is_decryptable(value):
            return json.loads(crypto.decrypt(value, what=self._label()))
        return value

    def get_prep_value(self, value: Any) -> str | None:
        value = models.Field.get_prep_value(self, value)
        if value is None:
            return None
        return crypto.encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def value_to_string(self, obj: models.Model) -> Any:
        # Serializers (dumpdata) get the decoded value, as with Django's JSONField.
        return self.value_from_object(obj)

    def formfield(self, **kwargs: Any) -> forms.Field:
        return models.Field.formfield(self, **{"form_class": forms.JSONField, **kwargs})


# --- data migrations ------------------------------------------------------------------------


def encrypted_columns_rewrite(
    apps, schema_editor, *, model: str, columns: list[str], decrypt: bool = False, batch=500
) -> int:
    """Encrypt the plaintext values left in ``columns`` (or, with ``decrypt``, undo that).

    For the migrations that turn a field into an encrypted one: the values are read and written
    with raw SQL (the historical model would already try to decrypt them), in batches, and
    values that are already tokens are skipped, so running it twice changes nothing. NULL and
    empty strings are left as they are. Returns how many values were rewritten.
    """
    connection = schema_editor.connection
    meta = apps.get_model(model)._meta
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    change = _plain_text if decrypt else _token
    rewritten = 0
    for name in columns:
        column = quote(meta.get_field(name).column)
        last = None
        while True:
            with connection.cursor() as cursor:
                after = "" if last is None else f"AND {pk} > %s "
                cursor.execute(
                    f"SELECT {pk}, {column} FROM {table} "
                    f"WHERE {column} IS NOT NULL AND {column} <> '' {after}"
                    f"ORDER BY {pk} LIMIT {int(batch)}",
                    [] if last is None else [last],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                last = rows[-1][0]
                what = f"{meta.label}.{name}"
                updates = [
                    (new, row_pk)
                    for row_pk, value in rows
                    if (new := change(value, what)) is not None
                ]
                if updates:
                    cursor.executemany(
                        f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",
                        updates,
                    )
                rewritten += len(updates)
    if rewritten and connection.vendor == "postgresql":
        # Fire the deferred foreign-key checks the UPDATEs queued: PostgreSQL refuses to ALTER a
        # table with pending trigger events, as when reversing runs the AlterFields next.
        connection.check_constraints()
    return rewritten


def _token(value: str, what: str) -> str | None:
    if crypto.looks_like_token(value):
        if crypto.is_decryptable(value):
            return None  # already encrypted
        raise crypto.FieldDecryptionError(
            f"{what} holds a value that looks encrypted but none of the configured "
            "FIELD_ENCRYPTION_KEYS opens it; set the key it was written with and migrate again."
        )
    return crypto.encrypt(value)


def _plain_text(value: str, what: str) -> str | None:
    if not crypto.looks_like_token(value):
        return None
    return crypto.decrypt(value, what=what)
