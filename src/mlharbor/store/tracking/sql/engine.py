"""One SQLAlchemy engine per database URI, tuned for SQLite and PostgreSQL, migrated on first use.

SQLite: WAL journal (readers never wait for the writer), ``synchronous=NORMAL``, a busy timeout,
foreign keys on and case-sensitive ``LIKE`` (MLflow's semantics). The driver's own transaction
handling is switched off and every transaction is opened explicitly: ``BEGIN IMMEDIATE`` for
writes, so two writers never deadlock upgrading a read lock, and a plain ``BEGIN`` for reads.
Inside one process, writes to one SQLite file also take a lock, so threads queue in order instead
of polling SQLite's busy handler.

PostgreSQL: ``postgresql://`` maps to the psycopg 3 driver.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from mlharbor.exceptions import InvalidParameterValue

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PgInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

    UpsertInsert: TypeAlias = PgInsert | SqliteInsert

__all__ = [
    "dialect_insert",
    "dispose_engine",
    "get_engine",
    "normalize_db_uri",
    "reading",
    "writing",
]

SQLITE_BUSY_TIMEOUT_MS = 60_000

_ENGINES: dict[str, Engine] = {}
_MIGRATED: set[str] = set()
_ENGINES_LOCK = threading.Lock()
# Engine -> in-process write lock (SQLite only); an RLock so a write may call helpers that write.
_WRITE_LOCKS: dict[int, threading.RLock] = {}


def normalize_db_uri(db_uri: str) -> str:
    """Return the SQLAlchemy URL for ``db_uri``; plain ``postgresql://`` gets the psycopg driver."""
    scheme, sep, rest = db_uri.partition("://")
    if not sep:
        raise InvalidParameterValue(f"Invalid database URI: '{db_uri}'")
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    if scheme == "sqlite" or scheme.startswith(("sqlite+", "postgresql+")):
        return db_uri
    raise InvalidParameterValue(
        f"Invalid database engine: '{scheme}'. Supported database engines are sqlite, postgresql"
    )


def get_engine(db_uri: str, *, migrate: bool = True) -> Engine:
    """Return the cached engine for ``db_uri``, creating it (and migrating the schema) once.

    Args:
        db_uri: ``sqlite:///path``, ``sqlite:///:memory:``, ``postgresql://…`` or
            ``postgresql+psycopg://…``.
        migrate: apply pending migrations before returning (the default).
    """
    url = normalize_db_uri(db_uri)
    engine = _ENGINES.get(url)
    if engine is not None and (url in _MIGRATED or not migrate):
        return engine
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _create_engine(url)
            _ENGINES[url] = engine
        if migrate and url not in _MIGRATED:
            from mlharbor.store.db.migrate import upgrade_engine

            upgrade_engine(engine)
            _MIGRATED.add(url)
    return engine


def dispose_engine(db_uri: str) -> None:
    """Close the pooled connections of ``db_uri``'s engine and forget it (tests, shutdown)."""
    url = normalize_db_uri(db_uri)
    with _ENGINES_LOCK:
        engine = _ENGINES.pop(url, None)
        _MIGRATED.discard(url)
    if engine is not None:
        _WRITE_LOCKS.pop(id(engine), None)
        engine.dispose()


def _reset_after_fork() -> None:
    """In a forked child: drop the parent's pooled connections and any lock held at fork time."""
    global _ENGINES_LOCK
    _ENGINES_LOCK = threading.Lock()
    for engine in _ENGINES.values():
        # close=False: the sockets and file handles still belong to the parent.
        engine.dispose(close=False)
        if id(engine) in _WRITE_LOCKS:
            _WRITE_LOCKS[id(engine)] = threading.RLock()


os.register_at_fork(after_in_child=_reset_after_fork)


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in url
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if in_memory:
        # One shared connection, or every pooled connection would see its own empty database.
        kwargs["poolclass"] = StaticPool
    else:
        kwargs.update(pool_size=8, max_overflow=24, pool_timeout=60)
    engine = create_engine(url, **kwargs)
    _WRITE_LOCKS[id(engine)] = threading.RLock()
    if in_memory:
        engine.update_execution_options(mlharbor_shared_connection=True)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA case_sensitive_like=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("sqlite_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A connection inside one write transaction: committed on success, rolled back on error."""
    lock = _WRITE_LOCKS.get(id(engine))
    if lock is None:
        with engine.begin() as connection:
            yield connection
        return
    with (
        lock,
        engine.connect().execution_options(sqlite_write=True) as connection,
        connection.begin(),
    ):
        yield connection


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for reads; on SQLite it sees one consistent snapshot and never blocks."""
    lock = _WRITE_LOCKS.get(id(engine))
    if lock is not None and engine.get_execution_options().get("mlharbor_shared_connection"):
        # An in-memory database has a single connection that threads must not share at once.
        with lock, engine.connect() as connection:
            yield connection
        return
    with engine.connect() as connection:
        yield connection


def dialect_insert(connection: Connection, table: Table) -> UpsertInsert:
    """An INSERT for ``table`` that supports ``on_conflict_do_*`` on the connection's dialect."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)
