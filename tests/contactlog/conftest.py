"""The fresh-database fixture of the contact-log tests (helpers in ``tests.contactlog.fresh``)."""

import pytest

from tests.contactlog.fresh import sqlite_env


@pytest.fixture
def fresh_sqlite(tmp_path):
    """A database file that only ``manage.py`` subprocesses touch."""
    return sqlite_env(tmp_path)
