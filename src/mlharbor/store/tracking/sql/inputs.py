"""Run lineage: dataset inputs (deduplicated per experiment by name and digest), model inputs and
model outputs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Connection, and_, select

from mlharbor.entities import DatasetInput, DatasetSummary, LoggedModelInput, LoggedModelOutput
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.search.sql import parse_experiment_ids
from mlharbor.store.tracking.protocol import MAX_DATASET_SUMMARIES
from mlharbor.store.tracking.sql import schema
from mlharbor.store.tracking.sql.base import SqlStoreBase
from mlharbor.store.tracking.sql.engine import dialect_insert, reading, writing
from mlharbor.utils.validation import validate_dataset_input

MAX_DATASETS_PER_REQUEST = 1000
_DATASETS = schema.datasets
_CONTEXT_TAG = "mlflow.data.context"


class InputsMixin(SqlStoreBase):
    """Dataset and model inputs, and model outputs, of runs."""

    def log_inputs(
        self,
        run_id: str,
        datasets: Sequence[DatasetInput] | None = None,
        models: Sequence[LoggedModelInput] | None = None,
    ) -> None:
        """Link datasets (with their input tags, e.g. the context) and models to a run.

        As in MLflow, a dataset's first input wins: a repeat in the same call, or a dataset the
        run already has, keeps the tags it was first linked with.
        """
        datasets = list(datasets or ())
        models = list(models or ())
        if len(datasets) > MAX_DATASETS_PER_REQUEST:
            raise InvalidParameterValue(
                f"A batch logging request can contain at most {MAX_DATASETS_PER_REQUEST} "
                f"datasets. Got {len(datasets)} datasets. Please split up datasets across "
                "multiple requests and try again."
            )
        for dataset_input in datasets:
            validate_dataset_input(dataset_input)
        for model in models:
            if not model.model_id:
                raise InvalidParameterValue("Model input must have a model_id")
        firsts: dict[tuple[str, str], DatasetInput] = {}
        for dataset_input in datasets:
            firsts.setdefault(
                (dataset_input.dataset.name, dataset_input.dataset.digest), dataset_input
            )
        with writing(self._engine) as connection:
            run = self._run_row(connection, run_id)
            self._check_run_active(connection, run_id)
            for dataset_input in firsts.values():
                dataset_uuid = _dataset_uuid(connection, run.experiment_id, dataset_input)
                link = dialect_insert(connection, schema.run_dataset_inputs)
                linked = connection.execute(
                    link.values(run_uuid=run_id, dataset_uuid=dataset_uuid).on_conflict_do_nothing()
                )
                if linked.rowcount and dataset_input.tags:
                    tags = {tag.key: tag.value for tag in dataset_input.tags}
                    connection.execute(
                        dialect_insert(connection, schema.run_input_tags).on_conflict_do_nothing(),
                        [
                            {"run_uuid": run_id, "dataset_uuid": dataset_uuid, "key": k, "value": v}
                            for k, v in tags.items()
                        ],
                    )
            if models:
                insert = dialect_insert(connection, schema.run_model_inputs)
                connection.execute(
                    insert.on_conflict_do_nothing(),
                    [{"run_uuid": run_id, "model_id": m} for m in {m.model_id for m in models}],
                )

    def log_outputs(self, run_id: str, models: Sequence[LoggedModelOutput]) -> None:
        """Record logged models produced by a run (shown as ``outputs.model_outputs``)."""
        rows = {m.model_id: int(m.step or 0) for m in models or ()}
        if any(not model_id for model_id in rows):
            raise InvalidParameterValue("Model output must have a model_id")
        with writing(self._engine) as connection:
            self._check_run_active(connection, run_id)
            if rows:
                insert = dialect_insert(connection, schema.run_model_outputs)
                connection.execute(
                    insert.on_conflict_do_update(
                        index_elements=["run_uuid", "model_id"], set_={"step": insert.excluded.step}
                    ),
                    [{"run_uuid": run_id, "model_id": k, "step": v} for k, v in rows.items()],
                )

    def search_datasets(self, experiment_ids: Sequence[str]) -> list[DatasetSummary]:
        """The distinct (dataset, context) pairs runs of these experiments used."""
        ids = parse_experiment_ids(experiment_ids)
        links = schema.run_dataset_inputs
        tags = schema.run_input_tags
        query = (
            select(_DATASETS.c.experiment_id, _DATASETS.c.name, _DATASETS.c.digest, tags.c.value)
            .distinct()
            .select_from(_DATASETS)
            .join(links, links.c.dataset_uuid == _DATASETS.c.dataset_uuid)
            .join(
                tags,
                and_(
                    tags.c.run_uuid == links.c.run_uuid,
                    tags.c.dataset_uuid == links.c.dataset_uuid,
                    tags.c.key == _CONTEXT_TAG,
                ),
                isouter=True,
            )
            .where(_DATASETS.c.experiment_id.in_(ids))
            .order_by(_DATASETS.c.experiment_id, _DATASETS.c.name, _DATASETS.c.digest)
            .limit(MAX_DATASET_SUMMARIES)
        )
        with reading(self._engine) as connection:
            rows = connection.execute(query).all()
        return [DatasetSummary(str(e), str(n), str(d), c) for e, n, d, c in rows]


def _dataset_uuid(
    connection: Connection, experiment_id: object, dataset_input: DatasetInput
) -> str:
    """The id of the experiment's dataset with this name and digest, created if new."""
    dataset = dataset_input.dataset
    where = (
        (_DATASETS.c.experiment_id == experiment_id)
        & (_DATASETS.c.name == dataset.name)
        & (_DATASETS.c.digest == dataset.digest)
    )
    found = connection.execute(select(_DATASETS.c.dataset_uuid).where(where)).scalar()
    if found is not None:
        return str(found)
    insert = dialect_insert(connection, _DATASETS)
    connection.execute(
        insert.values(
            dataset_uuid=uuid.uuid4().hex,
            experiment_id=experiment_id,
            name=dataset.name,
            digest=dataset.digest,
            source_type=dataset.source_type,
            source=dataset.source,
            schema=dataset.schema,
            profile=dataset.profile,
        ).on_conflict_do_nothing()
    )
    # Re-read: on PostgreSQL a concurrent writer may have inserted the same dataset first.
    return str(connection.execute(select(_DATASETS.c.dataset_uuid).where(where)).scalar_one())
