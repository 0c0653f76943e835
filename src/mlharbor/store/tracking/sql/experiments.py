"""Experiments: create, read, rename, soft-delete and restore (cascading to runs), tags, search."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Row, select
from sqlalchemy.exc import IntegrityError

from mlharbor.entities import Experiment, LifecycleStage, PagedList, ViewType
from mlharbor.exceptions import InvalidState, ResourceAlreadyExists, ResourceDoesNotExist
from mlharbor.store.tracking.protocol import SEARCH_MAX_RESULTS_DEFAULT
from mlharbor.store.tracking.sql import schema
from mlharbor.store.tracking.sql.base import SqlStoreBase, chunked, join_uri
from mlharbor.store.tracking.sql.engine import dialect_insert, reading, writing
from mlharbor.utils.time import now_ms
from mlharbor.utils.validation import (
    validate_artifact_location,
    validate_experiment_name,
    validate_experiment_tag,
    validate_search_max_results,
)

_EXPERIMENTS = schema.experiments
_TAGS = schema.experiment_tags


class ExperimentsMixin(SqlStoreBase):
    """The experiment half of the tracking store."""

    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Sequence[tuple[str, str]] | None = None,
    ) -> str:
        """Create an experiment and return its id (sequential integers as strings).

        Raises:
            ResourceAlreadyExists: the name is taken, also by a deleted experiment.
            InvalidParameterValue: bad name, artifact location or tag.
        """
        validate_experiment_name(name)
        if artifact_location:
            validate_artifact_location(artifact_location)
        tag_pairs = [(key, "" if value is None else str(value)) for key, value in tags or ()]
        for key, value in tag_pairs:
            validate_experiment_tag(key, value)
        now = now_ms()
        try:
            with writing(self._engine) as connection:
                taken = connection.execute(
                    select(_EXPERIMENTS.c.experiment_id).where(_EXPERIMENTS.c.name == name)
                ).first()
                if taken is not None:
                    raise ResourceAlreadyExists(f"Experiment(name={name}) already exists.")
                new_id = connection.execute(
                    _EXPERIMENTS.insert()
                    .values(
                        name=name,
                        artifact_location=artifact_location or "",
                        lifecycle_stage=LifecycleStage.ACTIVE.value,
                        creation_time=now,
                        last_update_time=now,
                    )
                    .returning(_EXPERIMENTS.c.experiment_id)
                ).scalar_one()
                if not artifact_location:
                    connection.execute(
                        _EXPERIMENTS.update()
                        .where(_EXPERIMENTS.c.experiment_id == new_id)
                        .values(artifact_location=join_uri(self.default_artifact_root, str(new_id)))
                    )
                if tag_pairs:
                    rows = dict(tag_pairs)
                    connection.execute(
                        _TAGS.insert(),
                        [
                            {"experiment_id": new_id, "key": key, "value": value}
                            for key, value in rows.items()
                        ],
                    )
        except IntegrityError:
            # Two creators raced for the same name; the unique index decided.
            raise ResourceAlreadyExists(f"Experiment(name={name}) already exists.") from None
        return str(new_id)

    def get_experiment(self, experiment_id: str) -> Experiment:
        """Return the experiment, deleted or not; RESOURCE_DOES_NOT_EXIST when unknown."""
        with reading(self._engine) as connection:
            row = self._experiment_row(connection, experiment_id)
            return self._build_experiments(connection, [row])[0]

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """Return the experiment called ``name`` (deleted ones included), or None."""
        with reading(self._engine) as connection:
            row = connection.execute(
                select(_EXPERIMENTS).where(_EXPERIMENTS.c.name == name)
            ).first()
            if row is None:
                return None
            return self._build_experiments(connection, [row])[0]

    def delete_experiment(self, experiment_id: str) -> None:
        """Soft-delete an active experiment and every run in it."""
        now = now_ms()
        with writing(self._engine) as connection:
            row = self._experiment_row(connection, experiment_id)
            if row.lifecycle_stage != LifecycleStage.ACTIVE:
                raise ResourceDoesNotExist(f"No Experiment with id={experiment_id} exists")
            self._set_experiment_stage(connection, row.experiment_id, LifecycleStage.DELETED, now)

    def restore_experiment(self, experiment_id: str) -> None:
        """Restore a deleted experiment and its runs."""
        now = now_ms()
        with writing(self._engine) as connection:
            row = self._experiment_row(connection, experiment_id)
            if row.lifecycle_stage != LifecycleStage.DELETED:
                raise ResourceDoesNotExist(f"No Experiment with id={experiment_id} exists")
            self._set_experiment_stage(connection, row.experiment_id, LifecycleStage.ACTIVE, now)

    @staticmethod
    def _set_experiment_stage(
        connection: Connection, key: object, stage: LifecycleStage, now: int
    ) -> None:
        connection.execute(
            _EXPERIMENTS.update()
            .where(_EXPERIMENTS.c.experiment_id == key)
            .values(lifecycle_stage=stage.value, last_update_time=now)
        )
        runs = schema.runs
        connection.execute(
            runs.update()
            .where(runs.c.experiment_id == key)
            .values(
                lifecycle_stage=stage.value,
                deleted_time=now if stage == LifecycleStage.DELETED else None,
            )
        )

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        """Rename an active experiment; INVALID_STATE for a deleted one."""
        validate_experiment_name(new_name)
        try:
            with writing(self._engine) as connection:
                row = self._experiment_row(connection, experiment_id)
                if row.lifecycle_stage != LifecycleStage.ACTIVE:
                    raise InvalidState("Cannot rename a non-active experiment.")
                if row.name == new_name:
                    return
                taken = connection.execute(
                    select(_EXPERIMENTS.c.experiment_id).where(_EXPERIMENTS.c.name == new_name)
                ).first()
                if taken is not None:
                    raise ResourceAlreadyExists(f"Experiment(name={new_name}) already exists.")
                connection.execute(
                    _EXPERIMENTS.update()
                    .where(_EXPERIMENTS.c.experiment_id == row.experiment_id)
                    .values(name=new_name, last_update_time=now_ms())
                )
        except IntegrityError:
            raise ResourceAlreadyExists(f"Experiment(name={new_name}) already exists.") from None

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        """Set (insert or overwrite) a tag on an active experiment."""
        value = "" if value is None else str(value)
        validate_experiment_tag(key, value)
        with writing(self._engine) as connection:
            row = self._active_experiment_row(connection, experiment_id)
            insert = dialect_insert(connection, _TAGS).values(
                experiment_id=row.experiment_id, key=key, value=value
            )
            connection.execute(
                insert.on_conflict_do_update(
                    index_elements=[_TAGS.c.experiment_id, _TAGS.c.key],
                    set_={"value": insert.excluded.value},
                )
            )

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Remove a tag from an active experiment; RESOURCE_DOES_NOT_EXIST if it is not set."""
        with writing(self._engine) as connection:
            row = self._active_experiment_row(connection, experiment_id)
            result = connection.execute(
                _TAGS.delete().where(_TAGS.c.experiment_id == row.experiment_id, _TAGS.c.key == key)
            )
            if result.rowcount == 0:
                raise ResourceDoesNotExist(
                    f"No tag with name: {key} in experiment with id {experiment_id}"
                )

    def search_experiments(
        self,
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Experiment]:
        """One page of experiments matching ``filter_string`` in ``order_by`` order."""
        from mlharbor.store.search.experiments import experiment_search_select
        from mlharbor.store.search.page_token import decode_offset, encode_offset

        validate_search_max_results(max_results)
        offset = decode_offset(page_token) if page_token else 0
        query = experiment_search_select(
            ViewType.coerce(view_type), filter_string, order_by, offset, max_results + 1
        )
        with reading(self._engine) as connection:
            ids = list(connection.execute(query).scalars())
            has_more = len(ids) > max_results
            ids = ids[:max_results]
            by_id = {
                row.experiment_id: row
                for chunk in chunked(ids)
                for row in connection.execute(
                    select(_EXPERIMENTS).where(_EXPERIMENTS.c.experiment_id.in_(chunk))
                ).all()
            }
            experiments = self._build_experiments(connection, [by_id[i] for i in ids])
        token = encode_offset(offset + max_results) if has_more else None
        return PagedList(experiments, token)

    @staticmethod
    def _build_experiments(
        connection: Connection, rows: Sequence[Row[tuple[object, ...]]]
    ) -> list[Experiment]:
        """Experiment entities for ``rows``, with their tags loaded in one query per chunk."""
        tags: dict[object, dict[str, str]] = {row.experiment_id: {} for row in rows}
        for chunk in chunked(list(tags)):
            tag_rows = connection.execute(
                select(_TAGS.c.experiment_id, _TAGS.c.key, _TAGS.c.value).where(
                    _TAGS.c.experiment_id.in_(chunk)
                )
            ).all()
            for experiment_id, key, value in tag_rows:
                tags[experiment_id][key] = value
        return [
            Experiment(
                experiment_id=str(row.experiment_id),
                name=row.name,
                artifact_location=row.artifact_location,
                lifecycle_stage=row.lifecycle_stage,
                tags=tags[row.experiment_id],
                creation_time=row.creation_time,
                last_update_time=row.last_update_time,
            )
            for row in rows
        ]
