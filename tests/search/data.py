"""Plain-SQL row builders for the search tests: no store, just INSERTs into the schema."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert

from mlharbor.store.tracking.sql import schema


def add_experiment(
    conn: Connection,
    experiment_id: int,
    name: str | None = None,
    *,
    stage: str = "active",
    created: int = 0,
    updated: int | None = None,
    tags: Mapping[str, str] | None = None,
) -> None:
    conn.execute(
        insert(schema.experiments).values(
            experiment_id=experiment_id,
            name=name or f"exp-{experiment_id}",
            artifact_location=f"/tmp/{experiment_id}",
            lifecycle_stage=stage,
            creation_time=created,
            last_update_time=created if updated is None else updated,
        )
    )
    for key, value in (tags or {}).items():
        conn.execute(
            insert(schema.experiment_tags).values(experiment_id=experiment_id, key=key, value=value)
        )


def add_run(
    conn: Connection,
    run_id: str,
    *,
    experiment_id: int = 1,
    name: str | None = None,
    start: int | None = 0,
    end: int | None = None,
    status: str = "FINISHED",
    stage: str = "active",
    user: str = "root",
    metrics: Mapping[str, float] | None = None,
    params: Mapping[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
) -> None:
    conn.execute(
        insert(schema.runs).values(
            run_uuid=run_id,
            name=name or run_id,
            experiment_id=experiment_id,
            user_id=user,
            status=status,
            start_time=start,
            end_time=end,
            lifecycle_stage=stage,
            artifact_uri=f"/tmp/{experiment_id}/{run_id}",
        )
    )
    for key, value in (metrics or {}).items():
        nan = math.isnan(value)
        conn.execute(
            insert(schema.latest_metrics).values(
                run_uuid=run_id,
                key=key,
                step=0,
                timestamp=0,
                value=0.0 if nan else value,
                is_nan=nan,
            )
        )
    for key, text in (params or {}).items():
        conn.execute(insert(schema.params).values(run_uuid=run_id, key=key, value=text))
    all_tags: dict[str, Any] = {"mlflow.runName": name or run_id, **(tags or {})}
    for key, text in all_tags.items():
        conn.execute(insert(schema.run_tags).values(run_uuid=run_id, key=key, value=text))


def add_dataset_input(
    conn: Connection,
    run_id: str,
    dataset_uuid: str,
    *,
    experiment_id: int = 1,
    name: str,
    digest: str,
    context: str | None = None,
) -> None:
    exists = conn.execute(
        schema.datasets.select().where(schema.datasets.c.dataset_uuid == dataset_uuid)
    ).first()
    if exists is None:
        conn.execute(
            insert(schema.datasets).values(
                dataset_uuid=dataset_uuid,
                experiment_id=experiment_id,
                name=name,
                digest=digest,
                source_type="code",
                source="{}",
            )
        )
    conn.execute(
        insert(schema.run_dataset_inputs).values(run_uuid=run_id, dataset_uuid=dataset_uuid)
    )
    if context is not None:
        conn.execute(
            insert(schema.run_input_tags).values(
                run_uuid=run_id,
                dataset_uuid=dataset_uuid,
                key="mlflow.data.context",
                value=context,
            )
        )
