"""Build :class:`Run` entities for many runs at once: one query per table, never one per run."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sqlalchemy import Connection, select

from mlharbor.entities import (
    Dataset,
    DatasetInput,
    InputTag,
    LoggedModelInput,
    LoggedModelOutput,
    Metric,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunOutputs,
)
from mlharbor.store.tracking.sql import schema
from mlharbor.store.tracking.sql.base import chunked


def load_runs(connection: Connection, run_ids: Sequence[str]) -> list[Run]:
    """Runs for ``run_ids`` in the same order; ids that do not exist are skipped."""
    if not run_ids:
        return []
    runs_t = schema.runs
    infos: dict[str, RunInfo] = {}
    params: dict[str, dict[str, str]] = {}
    tags: dict[str, dict[str, str]] = {}
    metrics: dict[str, list[Metric]] = {}
    for chunk in chunked(run_ids):
        for row in connection.execute(
            select(
                runs_t.c.run_uuid,
                runs_t.c.experiment_id,
                runs_t.c.name,
                runs_t.c.user_id,
                runs_t.c.status,
                runs_t.c.start_time,
                runs_t.c.end_time,
                runs_t.c.lifecycle_stage,
                runs_t.c.artifact_uri,
            ).where(runs_t.c.run_uuid.in_(chunk))
        ).all():
            run_id = row[0]
            infos[run_id] = RunInfo(
                run_id=run_id,
                experiment_id=str(row[1]),
                run_name=row[2],
                user_id=row[3],
                status=row[4],
                start_time=row[5],
                end_time=row[6],
                lifecycle_stage=row[7],
                artifact_uri=row[8],
            )
            params[run_id] = {}
            tags[run_id] = {}
            metrics[run_id] = []
        for table, target in ((schema.params, params), (schema.run_tags, tags)):
            for run_id, key, value in connection.execute(
                select(table.c.run_uuid, table.c.key, table.c.value).where(
                    table.c.run_uuid.in_(chunk)
                )
            ).all():
                target[run_id][key] = value
        latest = schema.latest_metrics
        for run_id, key, value, is_nan, timestamp, step in connection.execute(
            select(
                latest.c.run_uuid,
                latest.c.key,
                latest.c.value,
                latest.c.is_nan,
                latest.c.timestamp,
                latest.c.step,
            ).where(latest.c.run_uuid.in_(chunk))
        ).all():
            metrics[run_id].append(Metric(key, math.nan if is_nan else value, timestamp, step))
    ordered = [run_id for run_id in run_ids if run_id in infos]
    inputs = load_run_inputs(connection, ordered)
    outputs = load_run_outputs(connection, ordered)
    return [
        Run(
            info=infos[run_id],
            data=RunData(
                metric_objs=tuple(sorted(metrics[run_id], key=lambda m: m.key)),
                params=params[run_id],
                tags=tags[run_id],
            ),
            inputs=inputs[run_id],
            outputs=outputs[run_id],
        )
        for run_id in ordered
    ]


def load_run_inputs(connection: Connection, run_ids: Sequence[str]) -> dict[str, RunInputs]:
    """Dataset inputs (with their input tags) and model inputs of each run."""
    links = schema.run_dataset_inputs
    datasets_t = schema.datasets
    input_tags = schema.run_input_tags
    model_inputs = schema.run_model_inputs
    dataset_inputs: dict[str, list[tuple[str, Dataset]]] = {run_id: [] for run_id in run_ids}
    tag_map: dict[tuple[str, str], list[InputTag]] = {}
    models: dict[str, list[LoggedModelInput]] = {run_id: [] for run_id in run_ids}
    for chunk in chunked(run_ids):
        for row in connection.execute(
            select(
                links.c.run_uuid,
                datasets_t.c.dataset_uuid,
                datasets_t.c.name,
                datasets_t.c.digest,
                datasets_t.c.source_type,
                datasets_t.c.source,
                datasets_t.c.schema,
                datasets_t.c.profile,
            )
            .join(datasets_t, datasets_t.c.dataset_uuid == links.c.dataset_uuid)
            .where(links.c.run_uuid.in_(chunk))
            .order_by(links.c.run_uuid, datasets_t.c.name, datasets_t.c.digest)
        ).all():
            dataset = Dataset(row[2], row[3], row[4], row[5], row[6], row[7])
            dataset_inputs[row[0]].append((row[1], dataset))
        for run_id, dataset_uuid, key, value in connection.execute(
            select(
                input_tags.c.run_uuid,
                input_tags.c.dataset_uuid,
                input_tags.c.key,
                input_tags.c.value,
            )
            .where(input_tags.c.run_uuid.in_(chunk))
            .order_by(input_tags.c.key)
        ).all():
            tag_map.setdefault((run_id, dataset_uuid), []).append(InputTag(key, value))
        for run_id, model_id in connection.execute(
            select(model_inputs.c.run_uuid, model_inputs.c.model_id)
            .where(model_inputs.c.run_uuid.in_(chunk))
            .order_by(model_inputs.c.model_id)
        ).all():
            models[run_id].append(LoggedModelInput(model_id))
    return {
        run_id: RunInputs(
            dataset_inputs=tuple(
                DatasetInput(dataset, tuple(tag_map.get((run_id, dataset_uuid), ())))
                for dataset_uuid, dataset in dataset_inputs[run_id]
            ),
            model_inputs=tuple(models[run_id]),
        )
        for run_id in run_ids
    }


def load_run_outputs(connection: Connection, run_ids: Sequence[str]) -> dict[str, RunOutputs]:
    """Model outputs of each run."""
    outputs_t = schema.run_model_outputs
    outputs: dict[str, list[LoggedModelOutput]] = {run_id: [] for run_id in run_ids}
    for chunk in chunked(run_ids):
        for run_id, model_id, step in connection.execute(
            select(outputs_t.c.run_uuid, outputs_t.c.model_id, outputs_t.c.step)
            .where(outputs_t.c.run_uuid.in_(chunk))
            .order_by(outputs_t.c.step, outputs_t.c.model_id)
        ).all():
            outputs[run_id].append(LoggedModelOutput(model_id, step))
    return {run_id: RunOutputs(tuple(items)) for run_id, items in outputs.items()}
