"""The user and grant store on SQLite and PostgreSQL, and the admin bootstrap."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from mlharbor.exceptions import (
    InvalidParameterValue,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
)
from mlharbor.server.auth import bootstrap_admin
from mlharbor.server.auth.config import AuthConfig
from mlharbor.server.auth.store import AuthStore


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[AuthStore]:
    store = AuthStore(f"sqlite:///{tmp_path / 'auth.db'}")
    yield store
    store.close()


def _exercise(store: AuthStore) -> None:
    alice = store.create_user("alice", "alice-password-1")
    assert not alice.is_admin
    assert store.authenticate("alice", "alice-password-1") == alice
    assert store.authenticate("alice", "wrong-password-1") is None
    assert store.authenticate("nobody", "alice-password-1") is None
    with pytest.raises(ResourceAlreadyExists):
        store.create_user("alice", "another-password")
    with pytest.raises(InvalidParameterValue, match="at least 12"):
        store.create_user("carol", "short")
    with pytest.raises(InvalidParameterValue, match="empty"):
        store.create_user("", "long-enough-password")

    store.update_user("alice", password="new-password-123", is_admin=True)
    assert store.authenticate("alice", "alice-password-1") is None
    assert store.get_user("alice").is_admin
    with pytest.raises(ResourceDoesNotExist):
        store.update_user("nobody", is_admin=True)

    grant = store.create_grant("experiment", "7", "alice", "EDIT")
    assert grant.to_json() == {"experiment_id": "7", "user_id": alice.id, "permission": "EDIT"}
    with pytest.raises(ResourceAlreadyExists):
        store.create_grant("experiment", "7", "alice", "READ")
    with pytest.raises(InvalidParameterValue, match="Invalid permission"):
        store.create_grant("experiment", "8", "alice", "OWNER")
    with pytest.raises(ResourceDoesNotExist):
        store.create_grant("experiment", "8", "nobody", "READ")
    store.update_grant("experiment", "7", "alice", "MANAGE")
    assert store.permission_of("alice", "experiment", "7") == "MANAGE"
    assert store.permission_of("alice", "experiment", "8") is None

    store.create_grant("registered_model", "m", "alice", "READ")
    store.rename_resource_grants("registered_model", "m", "m2")
    assert store.permissions_of("alice", "registered_model") == {"m2": "READ"}
    store.delete_resource_grants("registered_model", "m2")
    assert store.permissions_of("alice", "registered_model") == {}

    store.delete_grant("experiment", "7", "alice")
    with pytest.raises(ResourceDoesNotExist, match="not found"):
        store.get_grant("experiment", "7", "alice")
    store.create_grant("experiment", "9", "alice", "READ")
    store.delete_user("alice")
    with pytest.raises(ResourceDoesNotExist):
        store.get_user("alice")
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM experiment_permissions")).scalar() == 0


def test_sqlite_store(sqlite_store: AuthStore) -> None:
    _exercise(sqlite_store)


def test_postgres_store(postgres_url: str) -> None:
    store = AuthStore(postgres_url)
    try:
        _exercise(store)
    finally:
        store.close()


def test_bootstrap_creates_the_admin_once(sqlite_store: AuthStore) -> None:
    config = AuthConfig(admin_username="root", admin_password="root-password-123")
    bootstrap_admin(sqlite_store, config)
    assert sqlite_store.get_user("root").is_admin
    # Later starts leave the existing admin alone, even with another (or no) password.
    bootstrap_admin(sqlite_store, AuthConfig(admin_username="root", admin_password=None))
    assert sqlite_store.authenticate("root", "root-password-123") is not None


def test_bootstrap_needs_a_password_for_a_new_admin(sqlite_store: AuthStore) -> None:
    with pytest.raises(InvalidParameterValue, match="needs a password"):
        bootstrap_admin(sqlite_store, AuthConfig(admin_username="root", admin_password=None))
    with pytest.raises(InvalidParameterValue, match="admin username"):
        bootstrap_admin(sqlite_store, AuthConfig(admin_username=None, admin_password="x" * 12))
