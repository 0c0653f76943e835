"""Apply Alembic revisions from code, with a fast check that needs no Alembic import.

Revision files are found textually (``revision = "…"`` / ``down_revision = …``) so that opening
an up-to-date database costs one small query. Upgrades hold a database-wide write lock
(``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL) so several processes opening a
fresh database at once migrate it exactly once.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from mlharbor.exceptions import MlharborException

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

PACKAGE_DIR = Path(__file__).resolve().parent
VERSIONS_DIR = PACKAGE_DIR / "versions"

_REVISION = re.compile(r"^revision\s*(?::\s*str\s*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]+)?=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")
# Any constant works; it only has to be the same for every mlharbor process.
_PG_MIGRATION_LOCK_KEY = 7_031_998_151


@functools.cache
def _revision_graph() -> tuple[frozenset[str], frozenset[str]]:
    """(every revision id, every id some revision names as its parent), read from the files."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS_DIR.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found = _REVISION.search(text)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN_REVISION.search(text)
        if down is not None:
            parents.update(_QUOTED.findall(down.group(1)))
    return frozenset(revisions), frozenset(parents)


def head_revisions() -> frozenset[str]:
    """Return the newest revision id(s) of the revision files shipped with this package."""
    revisions, parents = _revision_graph()
    return revisions - parents


def known_revisions() -> frozenset[str]:
    """Every revision id shipped with this package."""
    return _revision_graph()[0]


def current_revisions(connection: Connection) -> frozenset[str] | None:
    """Return the revisions recorded in ``alembic_version``, or None if the table is missing."""
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return frozenset(rows)


def is_current(engine: Engine) -> bool:
    """True when the database already holds every head revision (the cheap path)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with engine.connect() as connection:
        try:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            found = frozenset(rows)
        except DBAPIError:
            return False
    return found == head_revisions()


def upgrade_engine(engine: Engine) -> None:
    """Bring the database behind ``engine`` to the head revision(s); a no-op when current."""
    if is_current(engine):
        return
    from sqlalchemy import text

    with (
        engine.connect().execution_options(sqlite_write=True) as connection,
        connection.begin(),
    ):
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK_KEY}
            )
        current = current_revisions(connection)
        if current and not current <= known_revisions():
            # Another program's schema (MLflow's own, or a newer mlharbor): never touch it.
            raise MlharborException(
                f"The database at {engine.url.render_as_string(hide_password=True)} has schema "
                f"revision {', '.join(sorted(current))}, unknown to this version of mlharbor. "
                "Use a separate database for mlharbor, or upgrade mlharbor."
            )
        # Another process may have finished the upgrade while this one waited for the lock.
        if current != head_revisions():
            _run_alembic(connection)


def _run_alembic(connection: Connection) -> None:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(PACKAGE_DIR))
    config.set_main_option("version_locations", str(VERSIONS_DIR))
    config.set_main_option("path_separator", "os")
    script = ScriptDirectory.from_config(config)

    def steps(revision: object, _context: object) -> object:
        return script._upgrade_revs("heads", revision)  # type: ignore[arg-type]

    with EnvironmentContext(config, script, fn=steps, destination_rev="heads") as environment:
        environment.configure(connection=connection, transactional_ddl=True)
        environment.run_migrations()


def upgrade(db_uri: str) -> None:
    """Migrate the database at ``db_uri`` to the newest schema (creating it if empty)."""
    from mlharbor.store.tracking.sql.engine import get_engine

    upgrade_engine(get_engine(db_uri, migrate=False))
