"""Migrations: a migrated database equals the schema metadata, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from mlharbor.store.db import head_revisions, upgrade
from mlharbor.store.tracking.sql import schema
from mlharbor.store.tracking.sql.engine import dispose_engine, get_engine


def _registry_tables_loaded() -> None:
    """Import the registry and sweep tables (same MetaData) when those packages are present."""
    for module in ("mlharbor.store.registry.sql.schema", "mlharbor.store.sweeps.schema"):
        try:
            importlib.import_module(module)
        except ImportError:
            continue


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'migrated.db'}"


def _differences(engine: Engine) -> list[object]:
    _registry_tables_loaded()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, schema.metadata))


def test_migrated_database_matches_metadata(db_uri: str) -> None:
    try:
        engine = get_engine(db_uri)
        assert _differences(engine) == []
    finally:
        dispose_engine(db_uri)


def test_upgrade_records_head_and_default_experiment(db_uri: str) -> None:
    try:
        upgrade(db_uri)
        upgrade(db_uri)  # a second run is a no-op
        engine = get_engine(db_uri)
        with engine.connect() as connection:
            versions = set(
                connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            )
            default = connection.execute(
                text("SELECT experiment_id, name, lifecycle_stage FROM experiments")
            ).all()
        assert versions == set(head_revisions())
        assert [tuple(row) for row in default] == [(0, "Default", "active")]
    finally:
        dispose_engine(db_uri)


def test_textual_head_scan_agrees_with_alembic() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from mlharbor.store.db.migrate import PACKAGE_DIR, VERSIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(PACKAGE_DIR))
    config.set_main_option("version_locations", str(VERSIONS_DIR))
    config.set_main_option("path_separator", "os")
    script = ScriptDirectory.from_config(config)
    assert set(script.get_heads()) == set(head_revisions())
    assert "0001_tracking" in {rev.revision for rev in script.walk_revisions()}


def test_foreign_schema_is_refused_untouched(tmp_path: Path) -> None:
    import sqlite3

    from mlharbor.exceptions import MlharborException

    path = tmp_path / "mlflow.db"
    with sqlite3.connect(path) as foreign:
        foreign.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        foreign.execute("INSERT INTO alembic_version VALUES ('a1b2c3d4e5f6')")
    uri = f"sqlite:///{path}"
    try:
        with pytest.raises(MlharborException, match="revision a1b2c3d4e5f6, unknown"):
            get_engine(uri)
    finally:
        dispose_engine(uri)
    with sqlite3.connect(path) as foreign:
        tables = {row[0] for row in foreign.execute("SELECT name FROM sqlite_master")}
    assert tables == {"alembic_version"}
