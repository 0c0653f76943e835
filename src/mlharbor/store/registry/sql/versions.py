"""Model versions in SQL: create (with its numbering), read, update, delete, stages, tags,
search and download locations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from mlharbor.entities import (
    ModelVersion,
    ModelVersionStage,
    ModelVersionStatus,
    ModelVersionTag,
    PagedList,
)
from mlharbor.exceptions import (
    InvalidParameterValue,
    MlharborException,
)
from mlharbor.store.registry.protocol import (
    SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
)
from mlharbor.store.registry.sql.read import (
    live,
    load_versions,
    model_not_found,
    require_version,
    touch_model,
    upsert_tag,
    version_not_found,
)
from mlharbor.store.registry.sql.schema import (
    model_version_tags,
    model_versions,
    registered_model_aliases,
    registered_models,
)
from mlharbor.store.registry.uris import parse_models_uri
from mlharbor.store.registry.validation import (
    parse_version,
    validate_model_name,
    validate_tag,
)
from mlharbor.store.tracking.sql.engine import reading, writing
from mlharbor.store.tracking.sql.schema import logged_model_tags, logged_models, runs
from mlharbor.utils.time import now_ms

MODEL_VERSIONS_TAG = "mlflow.modelVersions"

_rm = registered_models
_mv = model_versions


class ModelVersionMethods:
    """Mixin of :class:`SqlRegistryStore`: uses its ``engine``."""

    engine: Engine

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
            select(_mv.c.storage_location).where(live(target.name, number))
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
                raise model_not_found(name)
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
        upsert_tag(
            conn, logged_model_tags, {"model_id": model_id}, MODEL_VERSIONS_TAG, json.dumps(entries)
        )

    def get_model_version(self, name: str, version: str) -> ModelVersion:
        validate_model_name(name)
        number = parse_version(version)
        with reading(self.engine) as conn:
            found = load_versions(conn, [(name, number)], with_aliases=True)
        if not found:
            raise version_not_found(name, number)
        return found[0]

    def update_model_version(
        self, name: str, version: str, description: str | None
    ) -> ModelVersion:
        validate_model_name(name)
        number = parse_version(version)
        with writing(self.engine) as conn:
            require_version(conn, name, number)
            conn.execute(
                update(_mv)
                .where(live(name, number))
                .values(description=description, last_updated_time=now_ms())
            )
        return self.get_model_version(name, str(number))

    def delete_model_version(self, name: str, version: str) -> None:
        validate_model_name(name)
        number = parse_version(version)
        now = now_ms()
        with writing(self.engine) as conn:
            require_version(conn, name, number)
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
                .where(live(name, number))
                .values(deleted_time=now, last_updated_time=now, description=None)
            )
            touch_model(conn, name, now)

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
            require_version(conn, name, number)
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
                .where(live(name, number))
                .values(current_stage=target, last_updated_time=now)
            )
            touch_model(conn, name, now)
        return self.get_model_version(name, str(number))

    def set_model_version_tag(self, name: str, version: str, tag: ModelVersionTag) -> None:
        validate_model_name(name)
        number = parse_version(version)
        validate_tag(tag.key, tag.value)
        with writing(self.engine) as conn:
            require_version(conn, name, number)
            upsert_tag(
                conn, model_version_tags, {"name": name, "version": number}, tag.key, tag.value
            )

    def delete_model_version_tag(self, name: str, version: str, key: str) -> None:
        validate_model_name(name)
        number = parse_version(version)
        validate_tag(key, "")
        with writing(self.engine) as conn:
            require_version(conn, name, number)
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
            found = load_versions(conn, keys, with_aliases=False)
        return PagedList(found, token)

    def get_model_version_download_uri(self, name: str, version: str) -> str:
        validate_model_name(name)
        number = parse_version(version)
        with reading(self.engine) as conn:
            location = conn.execute(
                select(_mv.c.storage_location).where(live(name, number))
            ).scalar()
        if location is None:
            raise version_not_found(name, number)
        return str(location)

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
