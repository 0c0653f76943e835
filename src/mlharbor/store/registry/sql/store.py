"""The model registry on SQL (SQLite or PostgreSQL), in the tracking database.

Every write runs in one transaction, so a refused request stores nothing. Registered-model
timestamps follow MLflow: creating, transitioning, renaming or deleting a version and editing the
model's description touch ``last_updated_timestamp``; tags and aliases do not.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from mlharbor.entities import (
    ModelVersion,
    ModelVersionStage,
    ModelVersionStatus,
    ModelVersionTag,
    PagedList,
    RegisteredModel,
    RegisteredModelTag,
)
from mlharbor.exceptions import (
    InvalidParameterValue,
    MlharborException,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
)
from mlharbor.store.registry.protocol import (
    SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
)
from mlharbor.store.registry.sql.schema import (
    model_version_tags,
    model_versions,
    registered_model_aliases,
    registered_model_tags,
    registered_models,
)
from mlharbor.store.registry.uris import parse_models_uri
from mlharbor.store.registry.validation import (
    parse_version,
    validate_alias,
    validate_model_name,
    validate_tag,
)
from mlharbor.store.tracking.sql.engine import get_engine, reading, writing
from mlharbor.store.tracking.sql.schema import logged_model_tags, logged_models, runs
from mlharbor.utils.time import now_ms

__all__ = ["SqlRegistryStore"]

MODEL_VERSIONS_TAG = "mlflow.modelVersions"

_rm = registered_models
_mv = model_versions


def _model_not_found(name: str) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Registered Model with name={name} not found")


def _version_not_found(name: str, version: object) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Model Version (name={name}, version={version}) not found")


def _live(name: str, version: int) -> Any:
    return and_(_mv.c.name == name, _mv.c.version == version, _mv.c.deleted_time.is_(None))


class SqlRegistryStore:
    """A :class:`~mlharbor.store.registry.protocol.RegistryStore` on ``db_uri``."""

    def __init__(self, db_uri: str) -> None:
        self.db_uri = db_uri
        self.engine = get_engine(db_uri)

    # ---------------------------------------------------------------- loading entities

    def _versions(
        self, conn: Connection, keys: Sequence[tuple[str, int]], *, with_aliases: bool
    ) -> list[ModelVersion]:
        """Load live versions for (name, version) keys, in the order given."""
        if not keys:
            return []
        names = sorted({name for name, _ in keys})
        wanted = set(keys)
        rows = {
            (r.name, r.version): r
            for r in conn.execute(
                select(_mv).where(_mv.c.name.in_(names), _mv.c.deleted_time.is_(None))
            )
            if (r.name, r.version) in wanted
        }
        tags: dict[tuple[str, int], dict[str, str]] = {}
        for t in conn.execute(
            select(model_version_tags).where(model_version_tags.c.name.in_(names))
        ):
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

    def _models(self, conn: Connection, names: Sequence[str]) -> list[RegisteredModel]:
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
        for mv in self._versions(conn, keys, with_aliases=False):
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

    def _require_model(self, conn: Connection, name: str) -> None:
        if conn.execute(select(_rm.c.name).where(_rm.c.name == name)).first() is None:
            raise _model_not_found(name)

    def _require_version(self, conn: Connection, name: str, version: int) -> None:
        if conn.execute(select(_mv.c.version).where(_live(name, version))).first() is None:
            raise _version_not_found(name, version)

    def _touch_model(self, conn: Connection, name: str, now: int) -> None:
        conn.execute(update(_rm).where(_rm.c.name == name).values(last_updated_time=now))

    # ---------------------------------------------------------------- registered models

    def create_registered_model(
        self,
        name: str,
        tags: Sequence[RegisteredModelTag] | None = None,
        description: str | None = None,
    ) -> RegisteredModel:
        validate_model_name(name)
        for tag in tags or ():
            validate_tag(tag.key, tag.value)
        now = now_ms()
        try:
            with writing(self.engine) as conn:
                if conn.execute(select(_rm.c.name).where(_rm.c.name == name)).first():
                    raise ResourceAlreadyExists(f"Registered Model (name={name}) already exists.")
                conn.execute(
                    insert(_rm).values(
                        name=name,
                        creation_time=now,
                        last_updated_time=now,
                        description=description,
                        last_version=0,
                    )
                )
                tag_rows = {t.key: t.value for t in tags or ()}
                if tag_rows:
                    conn.execute(
                        insert(registered_model_tags),
                        [{"name": name, "key": k, "value": v} for k, v in tag_rows.items()],
                    )
        except IntegrityError:
            raise ResourceAlreadyExists(f"Registered Model (name={name}) already exists.") from None
        return self.get_registered_model(name)

    def get_registered_model(self, name: str) -> RegisteredModel:
        validate_model_name(name)
        with reading(self.engine) as conn:
            found = self._models(conn, [name])
        if not found:
            raise _model_not_found(name)
        return found[0]

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        validate_model_name(name)
        validate_model_name(new_name, "new_name")
        now = now_ms()
        try:
            with writing(self.engine) as conn:
                self._require_model(conn, name)
                if (
                    new_name != name
                    and conn.execute(select(_rm.c.name).where(_rm.c.name == new_name)).first()
                ):
                    raise ResourceAlreadyExists(
                        f"Registered Model (name={new_name}) already exists."
                    )
                conn.execute(
                    update(_rm)
                    .where(_rm.c.name == name)
                    .values(name=new_name, last_updated_time=now)
                )
                # no-ops where the database cascaded the rename already
                for table in (registered_model_tags, registered_model_aliases, model_version_tags):
                    conn.execute(update(table).where(table.c.name == name).values(name=new_name))
                conn.execute(update(_mv).where(_mv.c.name == name).values(name=new_name))
                conn.execute(
                    update(_mv)
                    .where(_mv.c.name == new_name, _mv.c.deleted_time.is_(None))
                    .values(last_updated_time=now)
                )
        except IntegrityError:
            raise ResourceAlreadyExists(
                f"Registered Model (name={new_name}) already exists."
            ) from None
        return self.get_registered_model(new_name)

    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        validate_model_name(name)
        with writing(self.engine) as conn:
            self._require_model(conn, name)
            conn.execute(
                update(_rm)
                .where(_rm.c.name == name)
                .values(description=description, last_updated_time=now_ms())
            )
        return self.get_registered_model(name)

    def delete_registered_model(self, name: str) -> None:
        validate_model_name(name)
        with writing(self.engine) as conn:
            self._require_model(conn, name)
            for table in (
                registered_model_aliases,
                model_version_tags,
                model_versions,
                registered_model_tags,
            ):
                conn.execute(delete(table).where(table.c.name == name))
            conn.execute(delete(_rm).where(_rm.c.name == name))

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        from mlharbor.store.registry.sql.search import registered_model_page

        with reading(self.engine) as conn:
            names, token = registered_model_page(
                conn, filter_string, max_results, order_by, page_token
            )
            return PagedList(self._models(conn, names), token)

    def set_registered_model_tag(self, name: str, tag: RegisteredModelTag) -> None:
        validate_model_name(name)
        validate_tag(tag.key, tag.value)
        with writing(self.engine) as conn:
            self._require_model(conn, name)
            self._upsert_tag(conn, registered_model_tags, {"name": name}, tag.key, tag.value)

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        validate_model_name(name)
        validate_tag(key, "")
        with writing(self.engine) as conn:
            self._require_model(conn, name)
            conn.execute(
                delete(registered_model_tags).where(
                    registered_model_tags.c.name == name, registered_model_tags.c.key == key
                )
            )

    @staticmethod
    def _upsert_tag(
        conn: Connection, table: Any, owner: dict[str, Any], key: str, value: str
    ) -> None:
        where = [table.c[column] == v for column, v in owner.items()] + [table.c.key == key]
        if conn.execute(update(table).where(*where).values(value=value)).rowcount == 0:
            conn.execute(insert(table).values(**owner, key=key, value=value))

    # ---------------------------------------------------------------- aliases

    def set_registered_model_alias(self, name: str, alias: str, version: str) -> None:
        validate_model_name(name)
        validate_alias(alias)
        number = parse_version(version)
        with writing(self.engine) as conn:
            self._require_model(conn, name)
            self._require_version(conn, name, number)
            self._upsert_alias(conn, name, alias, number)

    @staticmethod
    def _upsert_alias(conn: Connection, name: str, alias: str, number: int) -> None:
        table = registered_model_aliases
        moved = conn.execute(
            update(table).where(table.c.name == name, table.c.alias == alias).values(version=number)
        )
        if moved.rowcount == 0:
            conn.execute(insert(table).values(name=name, alias=alias, version=number))

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        validate_model_name(name)
        validate_alias(alias, for_write=False)
        with writing(self.engine) as conn:
            self._require_model(conn, name)
            conn.execute(
                delete(registered_model_aliases).where(
                    registered_model_aliases.c.name == name,
                    registered_model_aliases.c.alias == alias,
                )
            )

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        validate_model_name(name)
        validate_alias(alias, for_write=False)
        with reading(self.engine) as conn:
            self._require_model(conn, name)
            number = conn.execute(
                select(registered_model_aliases.c.version).where(
                    registered_model_aliases.c.name == name,
                    registered_model_aliases.c.alias == alias,
                )
            ).scalar()
            found = (
                [] if number is None else self._versions(conn, [(name, number)], with_aliases=True)
            )
        if not found:
            raise InvalidParameterValue(f"Registered model alias {alias} not found.")
        return found[0]

    # ---------------------------------------------------------------- versions

    def get_latest_versions(
        self, name: str, stages: Sequence[str] | None = None
    ) -> list[ModelVersion]:
        validate_model_name(name)
        wanted = [ModelVersionStage.canonical(s) for s in stages or ()]
        with reading(self.engine) as conn:
            self._require_model(conn, name)
            query = (
                select(_mv.c.current_stage, func.max(_mv.c.version))
                .where(_mv.c.name == name, _mv.c.deleted_time.is_(None))
                .group_by(_mv.c.current_stage)
            )
            if wanted:
                query = query.where(_mv.c.current_stage.in_(wanted))
            numbers = sorted(version for _, version in conn.execute(query))
            return self._versions(conn, [(name, n) for n in numbers], with_aliases=True)

    def _storage_location(
        self, conn: Connection, source: str, run_id: str | None, model_id: str | None
    ) -> tuple[str, str | None]:
        """Resolve where the files of ``source`` live, and the run that produced them."""
        if not source.startswith("models:"):
            return source, run_id
        try:
            target = parse_models_uri(source)
        except MlharborException as exc:
            raise InvalidParameterValue(
                f"Unable to fetch model from model URI source artifact location '{source}'."
                f"Error: {exc.message}"
            ) from None
        if target.model_id is not None:
            row = conn.execute(
                select(logged_models.c.artifact_location, logged_models.c.source_run_id).where(
                    logged_models.c.model_id == target.model_id
                )
            ).first()
            if row is None:
                raise InvalidParameterValue(
                    f"Unable to fetch model from model URI source artifact location '{source}'."
                    f"Error: Logged model with ID '{target.model_id}' not found."
                )
            return str(row.artifact_location), run_id or row.source_run_id
        assert target.name is not None
        number = self._resolve_number(conn, target.name, target.version, target.alias, source)
        location = conn.execute(
            select(_mv.c.storage_location).where(_live(target.name, number))
        ).scalar()
        if location is None:
            raise InvalidParameterValue(
                f"Unable to fetch model from model URI source artifact location '{source}'."
                f"Error: Model Version (name={target.name}, version={number}) not found"
            )
        return str(location), run_id

    @staticmethod
    def _resolve_number(
        conn: Connection, name: str, version: str | None, alias: str | None, source: str
    ) -> int:
        if version is not None:
            return int(version)
        if alias is not None:
            number = conn.execute(
                select(registered_model_aliases.c.version).where(
                    registered_model_aliases.c.name == name,
                    registered_model_aliases.c.alias == alias,
                )
            ).scalar()
            if number is not None:
                return int(number)
        raise InvalidParameterValue(
            f"Invalid model version source: '{source}'. A copied version must name the "
            "source version by number or alias."
        )

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Sequence[ModelVersionTag] | None = None,
        run_link: str | None = None,
        description: str | None = None,
        model_id: str | None = None,
    ) -> ModelVersion:
        validate_model_name(name)
        if not source:
            raise InvalidParameterValue(
                "Missing value for required parameter 'source'. "
                "See the API docs for more information about request parameters."
            )
        tag_rows = {}
        for tag in tags or ():
            validate_tag(tag.key, tag.value)
            tag_rows[tag.key] = tag.value
        with reading(self.engine) as conn:
            storage, run_id = self._storage_location(conn, source, run_id or None, model_id)
            if not run_id and model_id:
                run_id = conn.execute(
                    select(logged_models.c.source_run_id).where(
                        logged_models.c.model_id == model_id
                    )
                ).scalar()
        now = now_ms()
        with writing(self.engine) as conn:
            # The counter bump is the first statement: it takes the write lock, so concurrent
            # registrations of one name serialise here and each gets its own number.
            bumped = conn.execute(
                update(_rm)
                .where(_rm.c.name == name)
                .values(last_version=_rm.c.last_version + 1, last_updated_time=now)
            )
            if bumped.rowcount == 0:
                raise _model_not_found(name)
            number = int(
                conn.execute(select(_rm.c.last_version).where(_rm.c.name == name)).scalar_one()
            )
            conn.execute(
                insert(_mv).values(
                    name=name,
                    version=number,
                    creation_time=now,
                    last_updated_time=now,
                    description=description,
                    current_stage=ModelVersionStage.NONE,
                    source=source,
                    storage_location=storage,
                    run_id=run_id,
                    run_link=run_link,
                    status=ModelVersionStatus.READY,
                    model_id=model_id,
                )
            )
            if tag_rows:
                conn.execute(
                    insert(model_version_tags),
                    [
                        {"name": name, "version": number, "key": k, "value": v}
                        for k, v in tag_rows.items()
                    ],
                )
            if model_id:
                self._record_on_logged_model(conn, model_id, name, number)
        return self.get_model_version(name, str(number))

    def _record_on_logged_model(
        self, conn: Connection, model_id: str, name: str, number: int
    ) -> None:
        """Append ``{"name", "version"}`` to the logged model's ``mlflow.modelVersions`` tag."""
        if (
            conn.execute(
                select(logged_models.c.model_id).where(logged_models.c.model_id == model_id)
            ).first()
            is None
        ):
            return
        current = conn.execute(
            select(logged_model_tags.c.value).where(
                logged_model_tags.c.model_id == model_id,
                logged_model_tags.c.key == MODEL_VERSIONS_TAG,
            )
        ).scalar()
        entries: list[Any] = []
        if current:
            try:
                loaded = json.loads(current)
            except ValueError:
                loaded = []
            entries = loaded if isinstance(loaded, list) else []
        entry = {"name": name, "version": number}
        if entry not in entries:
            entries.append(entry)
        self._upsert_tag(
            conn, logged_model_tags, {"model_id": model_id}, MODEL_VERSIONS_TAG, json.dumps(entries)
        )

    def get_model_version(self, name: str, version: str) -> ModelVersion:
        validate_model_name(name)
        number = parse_version(version)
        with reading(self.engine) as conn:
            found = self._versions(conn, [(name, number)], with_aliases=True)
        if not found:
            raise _version_not_found(name, number)
        return found[0]

    def update_model_version(
        self, name: str, version: str, description: str | None
    ) -> ModelVersion:
        validate_model_name(name)
        number = parse_version(version)
        with writing(self.engine) as conn:
            self._require_version(conn, name, number)
            conn.execute(
                update(_mv)
                .where(_live(name, number))
                .values(description=description, last_updated_time=now_ms())
            )
        return self.get_model_version(name, str(number))

    def delete_model_version(self, name: str, version: str) -> None:
        validate_model_name(name)
        number = parse_version(version)
        now = now_ms()
        with writing(self.engine) as conn:
            self._require_version(conn, name, number)
            conn.execute(
                delete(registered_model_aliases).where(
                    registered_model_aliases.c.name == name,
                    registered_model_aliases.c.version == number,
                )
            )
            conn.execute(
                delete(model_version_tags).where(
                    model_version_tags.c.name == name, model_version_tags.c.version == number
                )
            )
            conn.execute(
                update(_mv)
                .where(_live(name, number))
                .values(deleted_time=now, last_updated_time=now, description=None)
            )
            self._touch_model(conn, name, now)

    def transition_model_version_stage(
        self, name: str, version: str, stage: str, archive_existing_versions: bool = False
    ) -> ModelVersion:
        validate_model_name(name)
        number = parse_version(version)
        target = ModelVersionStage.canonical(stage)
        if archive_existing_versions and target not in ModelVersionStage.ACTIVE:
            # MLflow answers 500 here; a client mistake must not be retried as a server error.
            raise InvalidParameterValue(
                f"Model version transition cannot archive existing model versions because "
                f"'{target}' is not an Active stage. Valid stages are "
                f"{', '.join(ModelVersionStage.ACTIVE)}"
            )
        now = now_ms()
        with writing(self.engine) as conn:
            self._require_version(conn, name, number)
            if archive_existing_versions:
                conn.execute(
                    update(_mv)
                    .where(
                        _mv.c.name == name,
                        _mv.c.version != number,
                        _mv.c.current_stage == target,
                        _mv.c.deleted_time.is_(None),
                    )
                    .values(current_stage=ModelVersionStage.ARCHIVED, last_updated_time=now)
                )
            conn.execute(
                update(_mv)
                .where(_live(name, number))
                .values(current_stage=target, last_updated_time=now)
            )
            self._touch_model(conn, name, now)
        return self.get_model_version(name, str(number))

    def set_model_version_tag(self, name: str, version: str, tag: ModelVersionTag) -> None:
        validate_model_name(name)
        number = parse_version(version)
        validate_tag(tag.key, tag.value)
        with writing(self.engine) as conn:
            self._require_version(conn, name, number)
            self._upsert_tag(
                conn, model_version_tags, {"name": name, "version": number}, tag.key, tag.value
            )

    def delete_model_version_tag(self, name: str, version: str, key: str) -> None:
        validate_model_name(name)
        number = parse_version(version)
        validate_tag(key, "")
        with writing(self.engine) as conn:
            self._require_version(conn, name, number)
            conn.execute(
                delete(model_version_tags).where(
                    model_version_tags.c.name == name,
                    model_version_tags.c.version == number,
                    model_version_tags.c.key == key,
                )
            )

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        from mlharbor.store.registry.sql.search import model_version_page

        with reading(self.engine) as conn:
            keys, token = model_version_page(conn, filter_string, max_results, order_by, page_token)
            found = self._versions(conn, keys, with_aliases=False)
        return PagedList(found, token)

    def get_model_version_download_uri(self, name: str, version: str) -> str:
        validate_model_name(name)
        number = parse_version(version)
        with reading(self.engine) as conn:
            location = conn.execute(
                select(_mv.c.storage_location).where(_live(name, number))
            ).scalar()
        if location is None:
            raise _version_not_found(name, number)
        return str(location)

    def copy_model_version(self, src_mv: ModelVersion, dst_name: str) -> ModelVersion:
        validate_model_name(dst_name)
        with contextlib.suppress(ResourceAlreadyExists):
            self.create_registered_model(dst_name)
        return self.create_model_version(
            name=dst_name,
            source=f"models:/{src_mv.name}/{src_mv.version}",
            run_id=src_mv.run_id,
            tags=[ModelVersionTag(k, v) for k, v in src_mv.tags.items()],
            run_link=src_mv.run_link,
            description=src_mv.description,
            model_id=src_mv.model_id,
        )

    # ---------------------------------------------------------------- server support

    def run_artifact_root(self, run_id: str) -> str | None:
        """The artifact URI of run ``run_id`` in this database, or None if there is none."""
        with reading(self.engine) as conn:
            value = conn.execute(select(runs.c.artifact_uri).where(runs.c.run_uuid == run_id))
            found = value.scalar()
        return None if found is None else str(found)

    def logged_model_root(self, model_id: str) -> str | None:
        """The artifact location of logged model ``model_id``, or None if there is none."""
        with reading(self.engine) as conn:
            found = conn.execute(
                select(logged_models.c.artifact_location).where(
                    logged_models.c.model_id == model_id
                )
            ).scalar()
        return None if found is None else str(found)
