"""Users and their per-resource grants, in their own database (SQLite or PostgreSQL).

The schema is MLflow's classic basic-auth layout (``users``, ``experiment_permissions``,
``registered_model_permissions``); tables that do not exist yet are created on open, so no
migration tool is needed. All methods are blocking and thread-safe; the server calls them from
worker threads.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from mlharbor.exceptions import (
    InvalidParameterValue,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
)
from mlharbor.server.auth.passwords import hash_password, verify_password
from mlharbor.server.auth.permissions import get_permission
from mlharbor.store.tracking.sql.engine import normalize_db_uri

__all__ = ["AuthStore", "Grant", "ResourceKind", "User", "validate_password"]

ResourceKind = Literal["experiment", "registered_model"]

MIN_PASSWORD_LENGTH = 12

_metadata = MetaData()
users = Table(
    "users",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(255), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
)
experiment_permissions = Table(
    "experiment_permissions",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("experiment_id", String(255), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("permission", String(255), nullable=False),
    UniqueConstraint("experiment_id", "user_id", name="unique_experiment_user"),
)
registered_model_permissions = Table(
    "registered_model_permissions",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("permission", String(255), nullable=False),
    UniqueConstraint("name", "user_id", name="unique_name_user"),
)
# (table, column naming the resource, label used in messages)
_GRANT_TABLES: dict[str, tuple[Table, str, str]] = {
    "experiment": (experiment_permissions, "experiment_id", "Experiment"),
    "registered_model": (registered_model_permissions, "name", "Registered model"),
}


@dataclass(frozen=True)
class User:
    id: int
    username: str
    is_admin: bool

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "is_admin": self.is_admin}


@dataclass(frozen=True)
class Grant:
    """One user's explicit permission on one experiment or registered model."""

    kind: ResourceKind
    resource_id: str
    user_id: int
    permission: str

    def to_json(self) -> dict[str, Any]:
        key = "experiment_id" if self.kind == "experiment" else "name"
        return {key: self.resource_id, "user_id": self.user_id, "permission": self.permission}


def validate_password(password: str) -> None:
    """Raise :class:`InvalidParameterValue` for a password MLflow would refuse."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidParameterValue(f"Password must be at least {MIN_PASSWORD_LENGTH} characters.")


def _create_engine(database_uri: str) -> Engine:
    url = normalize_db_uri(database_uri)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})

    @event.listens_for(engine, "connect")
    def _foreign_keys(dbapi_connection: Any, _record: Any) -> None:
        # Deleting a user must cascade to their grants, which SQLite only does when asked.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


class _CredentialCache:
    """Successful credential checks, remembered for ``ttl`` seconds.

    Keys hold a keyed hash of the password, never the password, and the key is random per
    process.
    """

    def __init__(self, ttl: float, max_size: int) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self._key = secrets.token_bytes(32)
        self._entries: dict[tuple[str, bytes], tuple[float, User]] = {}
        self._lock = threading.Lock()

    def _slot(self, username: str, password: str) -> tuple[str, bytes]:
        return username, hashlib.blake2b(password.encode(), key=self._key).digest()

    def get(self, username: str, password: str) -> User | None:
        slot = self._slot(username, password)
        with self._lock:
            found = self._entries.get(slot)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self._entries[slot]
                return None
            return found[1]

    def put(self, username: str, password: str, user: User) -> None:
        with self._lock:
            if len(self._entries) >= self.max_size:
                self._entries.clear()
            self._entries[self._slot(username, password)] = (time.monotonic() + self.ttl, user)

    def forget(self, username: str) -> None:
        with self._lock:
            for slot in [slot for slot in self._entries if slot[0] == username]:
                del self._entries[slot]


class AuthStore:
    """Users and grants in the database at ``database_uri``.

    Args:
        database_uri: ``sqlite:///…`` or ``postgresql://…``.
        cache_ttl_seconds: remember successful credential checks this long (``0``: never), so
            a busy client does not pay for a password hash on every request.
        cache_max_size: the most credentials remembered.
    """

    def __init__(
        self, database_uri: str, cache_ttl_seconds: float = 0, cache_max_size: int = 10000
    ) -> None:
        self.engine = _create_engine(database_uri)
        _metadata.create_all(self.engine, checkfirst=True)
        self._cache = (
            _CredentialCache(cache_ttl_seconds, cache_max_size) if cache_ttl_seconds > 0 else None
        )

    def close(self) -> None:
        self.engine.dispose()

    # ---- users ----

    def authenticate(self, username: str, password: str) -> User | None:
        """The user whose credentials these are, or ``None``."""
        if self._cache is not None and (cached := self._cache.get(username, password)):
            return cached
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
        if not verify_password(row.password_hash if row is not None else None, password):
            return None
        assert row is not None
        user = User(row.id, row.username, bool(row.is_admin))
        if self._cache is not None:
            self._cache.put(username, password, user)
        return user

    def create_user(self, username: str, password: str, is_admin: bool = False) -> User:
        """Add a user.

        Raises:
            InvalidParameterValue: empty username or too short password.
            ResourceAlreadyExists: the username is taken.
        """
        if not username:
            raise InvalidParameterValue("Username cannot be empty.")
        validate_password(password)
        try:
            with self.engine.begin() as conn:
                user_id = conn.execute(
                    insert(users)
                    .values(
                        username=username,
                        password_hash=hash_password(password),
                        is_admin=is_admin,
                    )
                    .returning(users.c.id)
                ).scalar_one()
        except IntegrityError as exc:
            raise ResourceAlreadyExists(f"User (username={username}) already exists.") from exc
        return User(int(user_id), username, is_admin)

    def has_user(self, username: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(select(users.c.id).where(users.c.username == username)).first()
        return found is not None

    def get_user(self, username: str) -> User:
        """The user called ``username``.

        Raises:
            ResourceDoesNotExist: there is none.
        """
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
        if row is None:
            raise ResourceDoesNotExist(f"User with username={username} not found")
        return User(row.id, row.username, bool(row.is_admin))

    def list_users(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(users).order_by(users.c.id)).all()
        return [User(row.id, row.username, bool(row.is_admin)) for row in rows]

    def update_user(
        self, username: str, password: str | None = None, is_admin: bool | None = None
    ) -> None:
        """Change a user's password and/or admin flag.

        Raises:
            ResourceDoesNotExist: no such user.
            InvalidParameterValue: the new password is too short.
        """
        self.get_user(username)
        values: dict[str, Any] = {}
        if password is not None:
            validate_password(password)
            values["password_hash"] = hash_password(password)
        if is_admin is not None:
            values["is_admin"] = is_admin
        if values:
            with self.engine.begin() as conn:
                conn.execute(update(users).where(users.c.username == username).values(**values))
            if self._cache is not None:
                self._cache.forget(username)

    def delete_user(self, username: str) -> None:
        """Remove a user and their grants.

        Raises:
            ResourceDoesNotExist: no such user.
        """
        user = self.get_user(username)
        with self.engine.begin() as conn:
            for table, _column, _label in _GRANT_TABLES.values():
                conn.execute(delete(table).where(table.c.user_id == user.id))
            conn.execute(delete(users).where(users.c.id == user.id))
        if self._cache is not None:
            self._cache.forget(username)

    # ---- grants ----

    def permission_of(self, username: str, kind: ResourceKind, resource_id: str) -> str | None:
        """The explicit permission of ``username`` on the resource, ``None`` without a grant."""
        table, column, _label = _GRANT_TABLES[kind]
        query = (
            select(table.c.permission)
            .join(users, users.c.id == table.c.user_id)
            .where(users.c.username == username, table.c[column] == resource_id)
        )
        with self.engine.connect() as conn:
            value = conn.execute(query).scalar()
        return None if value is None else str(value)

    def permissions_of(self, username: str, kind: ResourceKind) -> dict[str, str]:
        """Every explicit permission of ``username`` on resources of ``kind``, by resource."""
        table, column, _label = _GRANT_TABLES[kind]
        query = (
            select(table.c[column], table.c.permission)
            .join(users, users.c.id == table.c.user_id)
            .where(users.c.username == username)
        )
        with self.engine.connect() as conn:
            return {str(row[0]): str(row[1]) for row in conn.execute(query)}

    def create_grant(
        self, kind: ResourceKind, resource_id: str, username: str, permission: str
    ) -> Grant:
        """Give ``username`` an explicit ``permission`` on a resource.

        Raises:
            InvalidParameterValue: unknown permission name.
            ResourceDoesNotExist: no such user.
            ResourceAlreadyExists: the user already has a grant on this resource.
        """
        get_permission(permission)
        user = self.get_user(username)
        table, column, label = _GRANT_TABLES[kind]
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(table).values(
                        {column: resource_id, "user_id": user.id, "permission": permission}
                    )
                )
        except IntegrityError as exc:
            raise ResourceAlreadyExists(
                f"{label} permission ({column}={resource_id}, username={username}) already exists."
            ) from exc
        return Grant(kind, resource_id, user.id, permission)

    def get_grant(self, kind: ResourceKind, resource_id: str, username: str) -> Grant:
        """The explicit grant of ``username`` on a resource.

        Raises:
            ResourceDoesNotExist: no such user, or no grant.
        """
        user = self.get_user(username)
        table, column, label = _GRANT_TABLES[kind]
        with self.engine.connect() as conn:
            value = conn.execute(
                select(table.c.permission).where(
                    table.c.user_id == user.id, table.c[column] == resource_id
                )
            ).scalar()
        if value is None:
            raise ResourceDoesNotExist(
                f"{label} permission with {column}={resource_id} and username={username} not found"
            )
        return Grant(kind, resource_id, user.id, str(value))

    def update_grant(
        self, kind: ResourceKind, resource_id: str, username: str, permission: str
    ) -> Grant:
        """Change an existing grant (same errors as :meth:`get_grant`, plus a bad name)."""
        get_permission(permission)
        grant = self.get_grant(kind, resource_id, username)
        table, column, _label = _GRANT_TABLES[kind]
        with self.engine.begin() as conn:
            conn.execute(
                update(table)
                .where(table.c.user_id == grant.user_id, table.c[column] == resource_id)
                .values(permission=permission)
            )
        return Grant(kind, resource_id, grant.user_id, permission)

    def delete_grant(self, kind: ResourceKind, resource_id: str, username: str) -> None:
        """Remove an existing grant (same errors as :meth:`get_grant`)."""
        grant = self.get_grant(kind, resource_id, username)
        table, column, _label = _GRANT_TABLES[kind]
        with self.engine.begin() as conn:
            conn.execute(
                delete(table).where(
                    table.c.user_id == grant.user_id, table.c[column] == resource_id
                )
            )

    def set_grant(
        self, kind: ResourceKind, resource_id: str, username: str, permission: str
    ) -> None:
        """Create or overwrite the grant (used to give creators MANAGE)."""
        try:
            self.create_grant(kind, resource_id, username, permission)
        except ResourceAlreadyExists:
            self.update_grant(kind, resource_id, username, permission)

    def delete_resource_grants(self, kind: ResourceKind, resource_id: str) -> None:
        """Forget every grant on a resource that no longer exists."""
        table, column, _label = _GRANT_TABLES[kind]
        with self.engine.begin() as conn:
            conn.execute(delete(table).where(table.c[column] == resource_id))

    def rename_resource_grants(self, kind: ResourceKind, old: str, new: str) -> None:
        """Move every grant on ``old`` to ``new`` (a registered model was renamed)."""
        table, column, _label = _GRANT_TABLES[kind]
        with self.engine.begin() as conn:
            conn.execute(update(table).where(table.c[column] == old).values({column: new}))
