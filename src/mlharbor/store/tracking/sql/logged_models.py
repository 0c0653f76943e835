"""Logged models (MLflow 3): create, read, finalize, soft-delete, tags, params, metrics, search."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, update

from mlharbor.entities import LifecycleStage, LoggedModel, LoggedModelStatus, Metric, PagedList
from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.store.tracking.sql import schema
from mlharbor.store.tracking.sql.base import SqlStoreBase, chunked, join_uri
from mlharbor.store.tracking.sql.engine import dialect_insert, reading, writing
from mlharbor.utils.names import generate_run_name
from mlharbor.utils.time import now_ms
from mlharbor.utils.validation import (
    check_length,
    validate_key_name,
    validate_logged_model_name,
    validate_search_max_results,
)

SEARCH_LOGGED_MODELS_DEFAULT = 100
MAX_LOGGED_MODEL_TAG_VALUE = 8000
MAX_LOGGED_MODEL_PARAM_VALUE = 6000

_MODELS = schema.logged_models
_TAGS = schema.logged_model_tags
_PARAMS = schema.logged_model_params
_METRICS = schema.logged_model_metrics


def _checked_pairs(pairs: Sequence[tuple[str, str]] | None, value_limit: int) -> dict[str, str]:
    """Key/value pairs with MLflow's key rules applied; the last value of a repeated key wins."""
    checked: dict[str, str] = {}
    for key, value in pairs or ():
        validate_key_name(key, "key")
        check_length("key", 250, key)
        text = "" if value is None else str(value)
        checked[key] = check_length("value", value_limit, text, truncate=True)
    return checked


def _not_found(model_id: str) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Logged model with ID '{model_id}' not found.")


class LoggedModelsMixin(SqlStoreBase):
    """Logged models of experiments."""

    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        source_run_id: str | None = None,
        tags: Sequence[tuple[str, str]] | None = None,
        params: Sequence[tuple[str, str]] | None = None,
        model_type: str | None = None,
    ) -> LoggedModel:
        """Create a PENDING logged model in an active experiment (random name if none)."""
        validate_logged_model_name(name)
        tag_map = _checked_pairs(tags, MAX_LOGGED_MODEL_TAG_VALUE)
        param_map = _checked_pairs(params, MAX_LOGGED_MODEL_PARAM_VALUE)
        model_id = f"m-{uuid.uuid4().hex}"
        now = now_ms()
        with writing(self._engine) as connection:
            experiment = self._active_experiment_row(connection, experiment_id)
            connection.execute(
                _MODELS.insert().values(
                    model_id=model_id,
                    experiment_id=experiment.experiment_id,
                    name=name or generate_run_name(),
                    artifact_location=join_uri(
                        str(experiment.artifact_location), "models", model_id, "artifacts"
                    ),
                    creation_timestamp_ms=now,
                    last_updated_timestamp_ms=now,
                    status=LoggedModelStatus.PENDING.proto_name,
                    lifecycle_stage=LifecycleStage.ACTIVE.value,
                    model_type=model_type,
                    source_run_id=source_run_id,
                    status_message=None,
                )
            )
            if tag_map:
                connection.execute(
                    _TAGS.insert(),
                    [{"model_id": model_id, "key": k, "value": v} for k, v in tag_map.items()],
                )
            if param_map:
                connection.execute(
                    _PARAMS.insert(),
                    [{"model_id": model_id, "key": k, "value": v} for k, v in param_map.items()],
                )
            return self._load_models(connection, [model_id])[0]

    def get_logged_model(self, model_id: str) -> LoggedModel:
        """Return a logged model; RESOURCE_DOES_NOT_EXIST when unknown or deleted."""
        with reading(self._engine) as connection:
            self._model_row(connection, model_id)
            return self._load_models(connection, [model_id])[0]

    def delete_logged_model(self, model_id: str) -> None:
        """Soft-delete a logged model; afterwards it reads as not found."""
        with writing(self._engine) as connection:
            self._model_row(connection, model_id)
            connection.execute(
                update(_MODELS)
                .where(_MODELS.c.model_id == model_id)
                .values(
                    lifecycle_stage=LifecycleStage.DELETED.value, last_updated_timestamp_ms=now_ms()
                )
            )

    def finalize_logged_model(self, model_id: str, status: LoggedModelStatus | str) -> LoggedModel:
        """Set the final status (READY or FAILED; proto names are accepted too)."""
        try:
            final = LoggedModelStatus.coerce(status)
        except InvalidParameterValue:
            raise InvalidParameterValue(
                f"Invalid value {status!r} for parameter 'status' supplied."
            ) from None
        with writing(self._engine) as connection:
            self._model_row(connection, model_id)
            connection.execute(
                update(_MODELS)
                .where(_MODELS.c.model_id == model_id)
                .values(status=final.proto_name, last_updated_timestamp_ms=now_ms())
            )
            return self._load_models(connection, [model_id])[0]

    def set_logged_model_tags(self, model_id: str, tags: Sequence[tuple[str, str]]) -> None:
        """Insert or overwrite tags of a logged model."""
        tag_map = _checked_pairs(tags, MAX_LOGGED_MODEL_TAG_VALUE)
        with writing(self._engine) as connection:
            self._model_row(connection, model_id)
            if not tag_map:
                return
            insert = dialect_insert(connection, _TAGS)
            connection.execute(
                insert.on_conflict_do_update(
                    index_elements=[_TAGS.c.model_id, _TAGS.c.key],
                    set_={"value": insert.excluded.value},
                ),
                [{"model_id": model_id, "key": k, "value": v} for k, v in tag_map.items()],
            )

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        """Remove a tag; RESOURCE_DOES_NOT_EXIST when the model has no such tag."""
        with writing(self._engine) as connection:
            self._model_row(connection, model_id)
            result = connection.execute(
                _TAGS.delete().where(_TAGS.c.model_id == model_id, _TAGS.c.key == key)
            )
            if result.rowcount == 0:
                raise ResourceDoesNotExist(
                    f"No tag with key {key!r} found for model with ID {model_id!r}."
                )

    def log_logged_model_params(self, model_id: str, params: Sequence[tuple[str, str]]) -> None:
        """Add params to a logged model; a key already logged keeps its first value."""
        param_map = _checked_pairs(params, MAX_LOGGED_MODEL_PARAM_VALUE)
        with writing(self._engine) as connection:
            self._model_row(connection, model_id)
            if param_map:
                insert = dialect_insert(connection, _PARAMS)
                connection.execute(
                    insert.on_conflict_do_nothing(),
                    [{"model_id": model_id, "key": k, "value": v} for k, v in param_map.items()],
                )

    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        datasets: Sequence[dict[str, str]] | None = None,
        max_results: int | None = None,
        order_by: Sequence[dict[str, object]] | None = None,
        page_token: str | None = None,
    ) -> PagedList[LoggedModel]:
        """One page of active logged models of ``experiment_ids`` matching the filter."""
        from mlharbor.store.search.logged_models import logged_model_search_select
        from mlharbor.store.search.page_token import decode_offset, encode_offset

        limit = validate_search_max_results(
            SEARCH_LOGGED_MODELS_DEFAULT if max_results is None else max_results
        )
        offset = decode_offset(page_token) if page_token else 0
        query = logged_model_search_select(
            [str(e) for e in experiment_ids],
            filter_string,
            list(datasets or ()),
            list(order_by or ()),
            offset,
            limit + 1,
        )
        with reading(self._engine) as connection:
            ids = [str(i) for i in connection.execute(query).scalars()]
            has_more = len(ids) > limit
            models = self._load_models(connection, ids[:limit])
        return PagedList(models, encode_offset(offset + limit) if has_more else None)

    @staticmethod
    def _model_row(connection: Connection, model_id: str) -> None:
        """Raise RESOURCE_DOES_NOT_EXIST unless ``model_id`` names an active logged model."""
        row = connection.execute(
            select(_MODELS.c.model_id, _MODELS.c.lifecycle_stage).where(
                _MODELS.c.model_id == model_id
            )
        ).first()
        if row is None or row.lifecycle_stage != LifecycleStage.ACTIVE:
            raise _not_found(model_id)

    @staticmethod
    def _load_models(connection: Connection, model_ids: Sequence[str]) -> list[LoggedModel]:
        """Logged model entities for ``model_ids`` in order, with tags, params and metrics."""
        if not model_ids:
            return []
        ids = list(model_ids)
        rows: dict[str, Any] = {}
        tags: dict[str, dict[str, str]] = {i: {} for i in ids}
        params: dict[str, dict[str, str]] = {i: {} for i in ids}
        metrics: dict[str, list[Metric]] = {i: [] for i in ids}
        for chunk in chunked(ids):
            for record in connection.execute(
                select(_MODELS).where(_MODELS.c.model_id.in_(chunk))
            ).all():
                rows[record.model_id] = record
            for table, target in ((_TAGS, tags), (_PARAMS, params)):
                for model_id, key, value in connection.execute(
                    select(table.c.model_id, table.c.key, table.c.value).where(
                        table.c.model_id.in_(chunk)
                    )
                ).all():
                    target[model_id][key] = value
            for point in connection.execute(
                select(_METRICS)
                .where(_METRICS.c.model_id.in_(chunk))
                .order_by(_METRICS.c.key, _METRICS.c.step, _METRICS.c.timestamp)
            ).all():
                metrics[point.model_id].append(
                    Metric(
                        key=point.key,
                        value=math.nan if point.is_nan else point.value,
                        timestamp=point.timestamp,
                        step=point.step,
                        dataset_name=point.dataset_name,
                        dataset_digest=point.dataset_digest,
                        model_id=point.model_id,
                        run_id=point.run_uuid,
                    )
                )
        return [
            LoggedModel(
                model_id=row.model_id,
                experiment_id=str(row.experiment_id),
                name=row.name,
                artifact_location=row.artifact_location,
                creation_timestamp=row.creation_timestamp_ms,
                last_updated_timestamp=row.last_updated_timestamp_ms,
                status=LoggedModelStatus.coerce(row.status),
                model_type=row.model_type,
                source_run_id=row.source_run_id,
                status_message=row.status_message,
                tags=tags[model_id],
                params=params[model_id],
                metrics=tuple(metrics[model_id]),
            )
            for model_id in ids
            if (row := rows.get(model_id)) is not None
        ]
