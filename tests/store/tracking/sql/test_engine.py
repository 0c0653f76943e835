"""Engine creation: URI handling, caching, SQLite settings, write locking and the fast open."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.tracking.sql.engine import (
    dispose_engine,
    get_engine,
    normalize_db_uri,
    reading,
    writing,
)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("postgresql://u@h:5/db", "postgresql+psycopg://u@h:5/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
    ],
)
def test_normalize_db_uri(uri: str, expected: str) -> None:
    assert normalize_db_uri(uri) == expected


@pytest.mark.parametrize("uri", ["mysql://u@h/db", "just-a-path.db"])
def test_unsupported_uris(uri: str) -> None:
    with pytest.raises(InvalidParameterValue):
        normalize_db_uri(uri)


def test_one_cached_engine_per_uri(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'cache.db'}"
    try:
        assert get_engine(uri) is get_engine(uri)
    finally:
        dispose_engine(uri)


def test_sqlite_settings(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'pragmas.db'}"
    try:
        with reading(get_engine(uri)) as connection:

            def pragma(name: str) -> object:
                return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 1  # NORMAL
            assert pragma("foreign_keys") == 1
            assert int(str(pragma("busy_timeout"))) >= 5000
            # Case-sensitive LIKE, as MLflow's filters expect.
            assert connection.execute(text("SELECT 'ABC' LIKE 'abc'")).scalar() == 0
            assert connection.execute(text("SELECT 'abc' LIKE 'a%'")).scalar() == 1
    finally:
        dispose_engine(uri)


def test_write_takes_the_lock_up_front_and_reads_do_not_wait(tmp_path: Path) -> None:
    path = tmp_path / "locks.db"
    uri = f"sqlite:///{path}"
    engine = get_engine(uri)
    try:
        with writing(engine) as connection:
            connection.execute(
                text("UPDATE experiments SET name = 'Renamed' WHERE experiment_id = 0")
            )
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                # Another writer cannot start while this transaction is open...
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
                # ...but a reader proceeds at once and sees the last committed state.
                row = other.execute("SELECT name FROM experiments WHERE experiment_id = 0")
                assert row.fetchone() == ("Default",)
            finally:
                other.close()
        with reading(engine) as connection:
            name = connection.execute(
                text("SELECT name FROM experiments WHERE experiment_id = 0")
            ).scalar()
        assert name == "Renamed"
    finally:
        dispose_engine(uri)


def test_failed_write_rolls_back(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'rollback.db'}"
    engine = get_engine(uri)
    try:

        def rename_then_fail() -> None:
            with writing(engine) as connection:
                connection.execute(
                    text("UPDATE experiments SET name = 'X' WHERE experiment_id = 0")
                )
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            rename_then_fail()
        with reading(engine) as connection:
            assert connection.execute(text("SELECT name FROM experiments")).scalar() == "Default"
    finally:
        dispose_engine(uri)


def test_in_memory_database_is_shared_across_threads() -> None:
    uri = "sqlite:///:memory:"
    engine = get_engine(uri)
    try:
        with writing(engine) as connection:
            connection.execute(text("UPDATE experiments SET name = 'Mem' WHERE experiment_id = 0"))
        seen: list[object] = []

        def read() -> None:
            with reading(engine) as connection:
                seen.append(connection.execute(text("SELECT name FROM experiments")).scalar())

        thread = threading.Thread(target=read)
        thread.start()
        thread.join(timeout=30)
        assert seen == ["Mem"]
    finally:
        dispose_engine(uri)


def test_opening_a_current_database_skips_alembic(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'fast.db'}"
    get_engine(uri)
    dispose_engine(uri)
    script = (
        "import sys\n"
        "from mlharbor.store.tracking.sql import SqlTrackingStore\n"
        f"store = SqlTrackingStore({uri!r}, '/tmp/artifacts')\n"
        "assert store.get_experiment('0').name == 'Default'\n"
        "print('alembic' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "False"
