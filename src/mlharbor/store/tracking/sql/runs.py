"""Runs: create, read, update status/end time/name, soft-delete and restore, search."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import update

from mlharbor.entities import LifecycleStage, PagedList, Run, RunInfo, RunStatus, RunTag, ViewType
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.tracking.protocol import SEARCH_MAX_RESULTS_DEFAULT
from mlharbor.store.tracking.sql import schema
from mlharbor.store.tracking.sql.base import SqlStoreBase, join_uri
from mlharbor.store.tracking.sql.engine import reading, writing
from mlharbor.store.tracking.sql.loading import load_runs
from mlharbor.store.tracking.sql.run_data import RUN_NAME_TAG, write_tags
from mlharbor.utils.names import generate_run_name
from mlharbor.utils.time import now_ms
from mlharbor.utils.validation import (
    MAX_ENTITY_KEY_LENGTH,
    check_int64,
    check_length,
    validate_search_max_results,
    validate_tag,
)

_RUNS = schema.runs


class RunsMixin(SqlStoreBase):
    """The run half of the tracking store."""

    def create_run(
        self,
        experiment_id: str,
        user_id: str,
        start_time: int | None,
        tags: Sequence[RunTag],
        run_name: str | None,
    ) -> Run:
        """Create a RUNNING run in an active experiment.

        The run name comes from ``run_name``, else the ``mlflow.runName`` tag, else is generated;
        the ``mlflow.runName`` tag is always set to it.

        Raises:
            InvalidParameterValue: ``run_name`` and a different ``mlflow.runName`` tag, a bad tag,
                or a deleted experiment.
            ResourceDoesNotExist: unknown experiment.
        """
        check_int64(start_time, "start_time")
        checked = [validate_tag(tag) for tag in tags or ()]
        tag_name = next((t.value for t in reversed(checked) if t.key == RUN_NAME_TAG), None)
        if run_name and tag_name and run_name != tag_name:
            raise InvalidParameterValue(
                "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with "
                f"different values (run_name='{run_name}', mlflow.runName='{tag_name}')."
            )
        name = run_name or tag_name or generate_run_name()
        check_length("run_name", MAX_ENTITY_KEY_LENGTH, name)
        if tag_name is None:
            checked.append(RunTag(RUN_NAME_TAG, name))
        run_id = uuid.uuid4().hex
        with writing(self._engine) as connection:
            experiment = self._active_experiment_row(connection, experiment_id)
            connection.execute(
                _RUNS.insert().values(
                    run_uuid=run_id,
                    name=name,
                    experiment_id=experiment.experiment_id,
                    user_id=user_id or "",
                    status=RunStatus.RUNNING.value,
                    start_time=start_time if start_time is not None else now_ms(),
                    end_time=None,
                    lifecycle_stage=LifecycleStage.ACTIVE.value,
                    artifact_uri=join_uri(str(experiment.artifact_location), run_id, "artifacts"),
                    deleted_time=None,
                )
            )
            write_tags(connection, run_id, checked)
            return load_runs(connection, [run_id])[0]

    def get_run(self, run_id: str) -> Run:
        """Return the run (deleted runs too); RESOURCE_DOES_NOT_EXIST when unknown."""
        with reading(self._engine) as connection:
            runs = load_runs(connection, [run_id])
            if not runs:
                self._run_row(connection, run_id)
            return runs[0]

    def update_run_info(
        self,
        run_id: str,
        run_status: str | None,
        end_time: int | None,
        run_name: str | None,
    ) -> RunInfo:
        """Change only the supplied fields; a new name also rewrites the ``mlflow.runName`` tag."""
        values: dict[str, object] = {}
        if run_status is not None:
            status = (
                RunStatus.from_number(run_status)
                if isinstance(run_status, int)
                else RunStatus.from_string(str(run_status))
            )
            values["status"] = status.value
        if end_time is not None:
            values["end_time"] = check_int64(end_time, "end_time")
        if run_name:
            check_length("run_name", MAX_ENTITY_KEY_LENGTH, run_name)
            values["name"] = run_name
        with writing(self._engine) as connection:
            self._check_run_active(connection, run_id)
            if values:
                connection.execute(update(_RUNS).where(_RUNS.c.run_uuid == run_id).values(values))
            if run_name:
                write_tags(connection, run_id, [RunTag(RUN_NAME_TAG, run_name)])
            return load_runs(connection, [run_id])[0].info

    def delete_run(self, run_id: str) -> None:
        """Soft-delete a run (idempotent)."""
        self._set_run_stage(run_id, LifecycleStage.DELETED)

    def restore_run(self, run_id: str) -> None:
        """Restore a soft-deleted run (idempotent)."""
        self._set_run_stage(run_id, LifecycleStage.ACTIVE)

    def _set_run_stage(self, run_id: str, stage: LifecycleStage) -> None:
        with writing(self._engine) as connection:
            self._run_row(connection, run_id)
            connection.execute(
                update(_RUNS)
                .where(_RUNS.c.run_uuid == run_id)
                .values(
                    lifecycle_stage=stage.value,
                    deleted_time=now_ms() if stage == LifecycleStage.DELETED else None,
                )
            )

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        run_view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Run]:
        """One page of runs of ``experiment_ids`` matching ``filter_string``, in MLflow's order."""
        from mlharbor.store.search.page_token import decode_offset, encode_offset
        from mlharbor.store.search.runs import run_search_select

        validate_search_max_results(max_results)
        offset = decode_offset(page_token) if page_token else 0
        if not experiment_ids:
            return PagedList([], None)
        query = run_search_select(
            [str(e) for e in experiment_ids],
            filter_string,
            ViewType.coerce(run_view_type),
            order_by,
            offset,
            max_results + 1,
        )
        with reading(self._engine) as connection:
            ids = [str(i) for i in connection.execute(query).scalars()]
            has_more = len(ids) > max_results
            runs = load_runs(connection, ids[:max_results])
        return PagedList(runs, encode_offset(offset + max_results) if has_more else None)
