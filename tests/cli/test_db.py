"""``mlharbor db upgrade``: migrate ahead of first use; refuse what it must not touch."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from mlharbor.cli import cli
from mlharbor.store.db.migrate import head_revisions


def test_upgrade_creates_the_newest_schema_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracking.db'}"
    for _ in range(2):
        result = CliRunner().invoke(cli, ["db", "upgrade", url])
        assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "tracking.db") as connection:
        versions = {row[0] for row in connection.execute("SELECT version_num FROM alembic_version")}
    assert versions == set(head_revisions())


def test_a_foreign_schema_is_refused_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.execute("INSERT INTO alembic_version VALUES ('not-ours')")
    result = CliRunner().invoke(cli, ["db", "upgrade", f"sqlite:///{path}"])
    assert result.exit_code == 1
    assert "schema revision not-ours, unknown to this version of mlharbor" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_database_engine_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["db", "upgrade", "bogus://x"])
    assert result.exit_code == 1
    assert "Invalid database engine: 'bogus'" in result.output
