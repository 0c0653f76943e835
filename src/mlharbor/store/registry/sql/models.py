"""Registered models in SQL: create, read, rename, update, delete, search, tags, aliases."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from mlharbor.entities import (
    ModelVersion,
    ModelVersionStage,
    PagedList,
    RegisteredModel,
    RegisteredModelTag,
)
from mlharbor.exceptions import (
    InvalidParameterValue,
    ResourceAlreadyExists,
)
from mlharbor.store.registry.protocol import (
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
)
from mlharbor.store.registry.sql.read import (
    load_models,
    load_versions,
    model_not_found,
    require_model,
    require_version,
    upsert_alias,
    upsert_tag,
)
from mlharbor.store.registry.sql.schema import (
    model_version_tags,
    model_versions,
    registered_model_aliases,
    registered_model_tags,
    registered_models,
)
from mlharbor.store.registry.validation import (
    parse_version,
    validate_alias,
    validate_model_name,
    validate_tag,
)
from mlharbor.store.tracking.sql.engine import reading, writing
from mlharbor.utils.time import now_ms

_rm = registered_models
_mv = model_versions


class RegisteredModelMethods:
    """Mixin of :class:`SqlRegistryStore`: uses its ``engine``."""

    engine: Engine

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
            found = load_models(conn, [name])
        if not found:
            raise model_not_found(name)
        return found[0]

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        validate_model_name(name)
        validate_model_name(new_name, "new_name")
        now = now_ms()
        try:
            with writing(self.engine) as conn:
                require_model(conn, name)
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
            require_model(conn, name)
            conn.execute(
                update(_rm)
                .where(_rm.c.name == name)
                .values(description=description, last_updated_time=now_ms())
            )
        return self.get_registered_model(name)

    def delete_registered_model(self, name: str) -> None:
        validate_model_name(name)
        with writing(self.engine) as conn:
            require_model(conn, name)
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
            return PagedList(load_models(conn, names), token)

    def set_registered_model_tag(self, name: str, tag: RegisteredModelTag) -> None:
        validate_model_name(name)
        validate_tag(tag.key, tag.value)
        with writing(self.engine) as conn:
            require_model(conn, name)
            upsert_tag(conn, registered_model_tags, {"name": name}, tag.key, tag.value)

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        validate_model_name(name)
        validate_tag(key, "")
        with writing(self.engine) as conn:
            require_model(conn, name)
            conn.execute(
                delete(registered_model_tags).where(
                    registered_model_tags.c.name == name, registered_model_tags.c.key == key
                )
            )

    # ---------------------------------------------------------------- aliases

    def set_registered_model_alias(self, name: str, alias: str, version: str) -> None:
        validate_model_name(name)
        validate_alias(alias)
        number = parse_version(version)
        with writing(self.engine) as conn:
            require_model(conn, name)
            require_version(conn, name, number)
            upsert_alias(conn, name, alias, number)

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        validate_model_name(name)
        validate_alias(alias, for_write=False)
        with writing(self.engine) as conn:
            require_model(conn, name)
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
            require_model(conn, name)
            number = conn.execute(
                select(registered_model_aliases.c.version).where(
                    registered_model_aliases.c.name == name,
                    registered_model_aliases.c.alias == alias,
                )
            ).scalar()
            found = (
                [] if number is None else load_versions(conn, [(name, number)], with_aliases=True)
            )
        if not found:
            raise InvalidParameterValue(f"Registered model alias {alias} not found.")
        return found[0]

    def get_latest_versions(
        self, name: str, stages: Sequence[str] | None = None
    ) -> list[ModelVersion]:
        validate_model_name(name)
        wanted = [ModelVersionStage.canonical(s) for s in stages or ()]
        with reading(self.engine) as conn:
            require_model(conn, name)
            query = (
                select(_mv.c.current_stage, func.max(_mv.c.version))
                .where(_mv.c.name == name, _mv.c.deleted_time.is_(None))
                .group_by(_mv.c.current_stage)
            )
            if wanted:
                query = query.where(_mv.c.current_stage.in_(wanted))
            numbers = sorted(version for _, version in conn.execute(query))
            return load_versions(conn, [(name, n) for n in numbers], with_aliases=True)
