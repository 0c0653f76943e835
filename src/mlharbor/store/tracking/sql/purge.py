"""Permanent deletion of runs and experiments already in the ``deleted`` stage.

Only the database side lives here; :mod:`mlharbor.housekeeping` chooses what to delete and
removes the artifacts. Child rows go with their run or experiment through ``ON DELETE
CASCADE``; the one table without a foreign key (``run_input_tags``) is cleared explicitly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select

from mlharbor.entities import LifecycleStage
from mlharbor.store.tracking.sql import schema
from mlharbor.store.tracking.sql.base import SqlStoreBase, experiment_key
from mlharbor.store.tracking.sql.engine import reading, writing

_RUNS = schema.runs
_EXPERIMENTS = schema.experiments
_DELETED = LifecycleStage.DELETED.value
_CHUNK = 500  # ids per statement, well under every database's parameter limit


@dataclass(frozen=True)
class PurgeCandidate:
    """A run or experiment that may be purged: its id, stage, when it was deleted (ms;
    experiments: their last update) and where its artifacts live."""

    id: str
    lifecycle_stage: str
    deleted_time: int | None
    artifact_uri: str
    experiment_id: str


class PurgeMixin(SqlStoreBase):
    """Reads and deletes for garbage collection."""

    def purge_candidate_runs(
        self, run_ids: Sequence[str] | None = None, experiment_ids: Sequence[str] | None = None
    ) -> list[PurgeCandidate]:
        """Runs by id, runs of experiments, or (neither given) every deleted run."""
        query = select(
            _RUNS.c.run_uuid,
            _RUNS.c.lifecycle_stage,
            _RUNS.c.deleted_time,
            _RUNS.c.artifact_uri,
            _RUNS.c.experiment_id,
        )
        if run_ids is not None:
            query = query.where(_RUNS.c.run_uuid.in_(list(run_ids)))
        elif experiment_ids is not None:
            keys = [k for k in (experiment_key(e) for e in experiment_ids) if k is not None]
            query = query.where(_RUNS.c.experiment_id.in_(keys))
        else:
            query = query.where(_RUNS.c.lifecycle_stage == _DELETED)
        with reading(self._engine) as connection:
            rows = connection.execute(query).all()
        return [PurgeCandidate(r[0], r[1], r[2], r[3], str(r[4])) for r in rows]

    def purge_candidate_experiments(
        self, experiment_ids: Sequence[str] | None = None
    ) -> list[PurgeCandidate]:
        """Experiments by id, or (none given) every deleted experiment."""
        query = select(
            _EXPERIMENTS.c.experiment_id,
            _EXPERIMENTS.c.lifecycle_stage,
            _EXPERIMENTS.c.last_update_time,
            _EXPERIMENTS.c.artifact_location,
        )
        if experiment_ids is not None:
            keys = [k for k in (experiment_key(e) for e in experiment_ids) if k is not None]
            query = query.where(_EXPERIMENTS.c.experiment_id.in_(keys))
        else:
            query = query.where(_EXPERIMENTS.c.lifecycle_stage == _DELETED)
        with reading(self._engine) as connection:
            rows = connection.execute(query).all()
        return [PurgeCandidate(str(r[0]), r[1], r[2], r[3], str(r[0])) for r in rows]

    def logged_model_locations(self, experiment_ids: Sequence[str]) -> list[str]:
        """Artifact locations of the logged models of ``experiment_ids``."""
        keys = [k for k in (experiment_key(e) for e in experiment_ids) if k is not None]
        table = schema.logged_models
        with reading(self._engine) as connection:
            rows = connection.execute(
                select(table.c.artifact_location).where(table.c.experiment_id.in_(keys))
            ).all()
        return [row[0] for row in rows]

    def hard_delete_runs(self, run_ids: Sequence[str]) -> None:
        """Delete runs and everything logged to them; only runs still in the deleted stage."""
        ids = list(run_ids)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            with writing(self._engine) as connection:
                doomed = select(_RUNS.c.run_uuid).where(
                    _RUNS.c.run_uuid.in_(chunk), _RUNS.c.lifecycle_stage == _DELETED
                )
                connection.execute(
                    delete(schema.run_input_tags).where(
                        schema.run_input_tags.c.run_uuid.in_(doomed)
                    )
                )
                connection.execute(
                    delete(_RUNS).where(
                        _RUNS.c.run_uuid.in_(chunk), _RUNS.c.lifecycle_stage == _DELETED
                    )
                )

    def hard_delete_experiment(self, experiment_id: str) -> None:
        """Delete a deleted experiment with all its runs, tags, datasets and logged models."""
        key = experiment_key(experiment_id)
        with writing(self._engine) as connection:
            stage = connection.execute(
                select(_EXPERIMENTS.c.lifecycle_stage).where(_EXPERIMENTS.c.experiment_id == key)
            ).scalar()
            if stage != _DELETED:
                return
            runs = select(_RUNS.c.run_uuid).where(_RUNS.c.experiment_id == key)
            connection.execute(
                delete(schema.run_input_tags).where(schema.run_input_tags.c.run_uuid.in_(runs))
            )
            connection.execute(delete(_RUNS).where(_RUNS.c.experiment_id == key))
            connection.execute(delete(_EXPERIMENTS).where(_EXPERIMENTS.c.experiment_id == key))
