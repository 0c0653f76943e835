"""Row reads shared by the SQL registry store: entities from rows, existence checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, tuple_, update

from mlharbor.entities import ModelVersion, RegisteredModel
from mlharbor.exceptions import ResourceDoesNotExist
from mlharbor.store.registry.sql.schema import (
    model_version_tags,
    model_versions,
    registered_model_aliases,
    registered_model_tags,
    registered_models,
)

_rm = registered_models
_mv = model_versions
_CHUNK = 500


def model_not_found(name: str) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Registered Model with name={name} not found")


def version_not_found(name: str, version: object) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Model Version (name={name}, version={version}) not found")


def live(name: str, version: int) -> Any:
    return and_(_mv.c.name == name, _mv.c.version == version, _mv.c.deleted_time.is_(None))


def load_versions(
    conn: Connection, keys: Sequence[tuple[str, int]], *, with_aliases: bool
) -> list[ModelVersion]:
    """Load live versions for (name, version) keys, in the order given."""
    if not keys:
        return []
    names = sorted({name for name, _ in keys})
    rows: dict[tuple[str, int], Any] = {}
    tags: dict[tuple[str, int], dict[str, str]] = {}
    unique = sorted(set(keys))
    # bounded IN lists keep every statement under the drivers' parameter limits
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        pair = tuple_(_mv.c.name, _mv.c.version)
        found = conn.execute(select(_mv).where(pair.in_(chunk), _mv.c.deleted_time.is_(None)))
        rows.update({(r.name, r.version): r for r in found})
        tag_pair = tuple_(model_version_tags.c.name, model_version_tags.c.version)
        for t in conn.execute(select(model_version_tags).where(tag_pair.in_(chunk))):
            tags.setdefault((t.name, t.version), {})[t.key] = t.value
    aliases: dict[tuple[str, int], list[str]] = {}
    if with_aliases:
        for a in conn.execute(
            select(registered_model_aliases)
            .where(registered_model_aliases.c.name.in_(names))
            .order_by(registered_model_aliases.c.alias)
        ):
            aliases.setdefault((a.name, a.version), []).append(a.alias)
    result = []
    for key in keys:
        row = rows.get(key)
        if row is None:
            continue
        result.append(
            ModelVersion(
                name=row.name,
                version=str(row.version),
                creation_timestamp=row.creation_time,
                last_updated_timestamp=row.last_updated_time,
                current_stage=row.current_stage,
                description=row.description or "",
                user_id=row.user_id,
                source=row.source,
                run_id=row.run_id,
                status=row.status,
                status_message=row.status_message,
                tags=tags.get(key, {}),
                run_link=row.run_link or "",
                aliases=tuple(aliases.get(key, ())),
                model_id=row.model_id,
            )
        )
    return result


def load_models(conn: Connection, names: Sequence[str]) -> list[RegisteredModel]:
    """Load registered models by name, in the order given, with their latest versions."""
    if not names:
        return []
    rows = {r.name: r for r in conn.execute(select(_rm).where(_rm.c.name.in_(names)))}
    latest = conn.execute(
        select(_mv.c.name, func.max(_mv.c.version))
        .where(_mv.c.name.in_(names), _mv.c.deleted_time.is_(None))
        .group_by(_mv.c.name, _mv.c.current_stage)
    ).all()
    keys = sorted((name, version) for name, version in latest)
    per_model: dict[str, list[ModelVersion]] = {}
    for mv in load_versions(conn, keys, with_aliases=False):
        per_model.setdefault(mv.name, []).append(mv)
    tags: dict[str, dict[str, str]] = {}
    for t in conn.execute(
        select(registered_model_tags).where(registered_model_tags.c.name.in_(names))
    ):
        tags.setdefault(t.name, {})[t.key] = t.value
    aliases: dict[str, dict[str, str]] = {}
    for a in conn.execute(
        select(registered_model_aliases)
        .where(registered_model_aliases.c.name.in_(names))
        .order_by(registered_model_aliases.c.alias)
    ):
        aliases.setdefault(a.name, {})[a.alias] = str(a.version)
    return [
        RegisteredModel(
            name=row.name,
            creation_timestamp=row.creation_time,
            last_updated_timestamp=row.last_updated_time,
            description=row.description,
            user_id=row.user_id,
            latest_versions=tuple(per_model.get(row.name, ())),
            tags=tags.get(row.name, {}),
            aliases=aliases.get(row.name, {}),
        )
        for name in names
        if (row := rows.get(name)) is not None
    ]


def require_model(conn: Connection, name: str) -> None:
    if conn.execute(select(_rm.c.name).where(_rm.c.name == name)).first() is None:
        raise model_not_found(name)


def require_version(conn: Connection, name: str, version: int) -> None:
    if conn.execute(select(_mv.c.version).where(live(name, version))).first() is None:
        raise version_not_found(name, version)


def touch_model(conn: Connection, name: str, now: int) -> None:
    conn.execute(update(_rm).where(_rm.c.name == name).values(last_updated_time=now))


def upsert_tag(conn: Connection, table: Any, owner: dict[str, Any], key: str, value: str) -> None:
    where = [table.c[column] == v for column, v in owner.items()] + [table.c.key == key]
    if conn.execute(update(table).where(*where).values(value=value)).rowcount == 0:
        conn.execute(insert(table).values(**owner, key=key, value=value))


def upsert_alias(conn: Connection, name: str, alias: str, number: int) -> None:
    table = registered_model_aliases
    moved = conn.execute(
        update(table).where(table.c.name == name, table.c.alias == alias).values(version=number)
    )
    if moved.rowcount == 0:
        conn.execute(insert(table).values(name=name, alias=alias, version=number))
