"""What every part of the SQL tracking store shares: the engine, the artifact root, row lookups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import Connection, Engine, Row, select

from mlharbor.entities import LifecycleStage
from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.store.tracking.sql import schema
from mlharbor.store.tracking.sql.engine import get_engine, reading, writing

DEFAULT_EXPERIMENT_ID = 0

# SQLite allows 32766 bound parameters per statement; IN lists stay well below.
IN_LIST_CHUNK = 5000

T = TypeVar("T")


def chunked(items: Sequence[T]) -> list[list[T]]:
    """``items`` split into lists short enough for one ``IN (...)`` each."""
    return [list(items[i : i + IN_LIST_CHUNK]) for i in range(0, len(items), IN_LIST_CHUNK)]


def join_uri(root: str, *parts: str) -> str:
    """Append path parts to a URI or path with ``/``, leaving its scheme untouched."""
    if not parts:
        return root
    if root.endswith(":"):
        # A bare scheme such as "mlflow-artifacts:" becomes "mlflow-artifacts:/<parts>".
        return root + "/" + "/".join(parts)
    return root.rstrip("/") + "/" + "/".join(parts)


def experiment_key(experiment_id: object) -> int | None:
    """The integer key of an experiment id string, or None when it cannot name one."""
    try:
        return int(str(experiment_id))
    except ValueError:
        return None


class SqlStoreBase:
    """State and lookups shared by the experiment, run, data, input and logged-model parts."""

    def __init__(self, db_uri: str, default_artifact_root: str) -> None:
        """Open (and migrate if needed) the database at ``db_uri``.

        Args:
            db_uri: a SQLAlchemy-style URI (``sqlite:///…``, ``postgresql://…``).
            default_artifact_root: URI or path under which experiments without an explicit
                artifact location keep their artifacts (``<root>/<experiment_id>``).
        """
        self.db_uri = db_uri
        self.default_artifact_root = default_artifact_root
        self._engine: Engine = get_engine(db_uri)
        self._fill_default_experiment_location()

    @property
    def engine(self) -> Engine:
        return self._engine

    def _fill_default_experiment_location(self) -> None:
        table = schema.experiments
        with reading(self._engine) as connection:
            location = connection.execute(
                select(table.c.artifact_location).where(
                    table.c.experiment_id == DEFAULT_EXPERIMENT_ID
                )
            ).scalar()
        if location != "":
            return
        with writing(self._engine) as connection:
            connection.execute(
                table.update()
                .where(table.c.experiment_id == DEFAULT_EXPERIMENT_ID)
                .where(table.c.artifact_location == "")
                .values(
                    artifact_location=join_uri(
                        self.default_artifact_root, str(DEFAULT_EXPERIMENT_ID)
                    )
                )
            )

    @staticmethod
    def _experiment_row(connection: Connection, experiment_id: str) -> Row[tuple[object, ...]]:
        """The experiments row of ``experiment_id``; RESOURCE_DOES_NOT_EXIST when absent."""
        key = experiment_key(experiment_id)
        row = None
        if key is not None:
            table = schema.experiments
            row = connection.execute(select(table).where(table.c.experiment_id == key)).first()
        if row is None:
            raise ResourceDoesNotExist(f"No Experiment with id={experiment_id} exists")
        return row

    @classmethod
    def _active_experiment_row(
        cls, connection: Connection, experiment_id: str
    ) -> Row[tuple[object, ...]]:
        row = cls._experiment_row(connection, experiment_id)
        if row.lifecycle_stage != LifecycleStage.ACTIVE:
            raise InvalidParameterValue(
                f"The experiment {row.experiment_id} must be in the 'active' state. "
                f"Current state is {row.lifecycle_stage}."
            )
        return row

    @staticmethod
    def _run_row(connection: Connection, run_id: str) -> Row[tuple[object, ...]]:
        """The runs row of ``run_id``; RESOURCE_DOES_NOT_EXIST when absent."""
        table = schema.runs
        row = connection.execute(select(table).where(table.c.run_uuid == run_id)).first()
        if row is None:
            raise ResourceDoesNotExist(f"Run with id={run_id} not found")
        return row

    @staticmethod
    def _check_run_active(connection: Connection, run_id: str) -> None:
        """Raise unless ``run_id`` exists and is active (the check before every run write).

        Plain driver SQL: this runs before every logged metric, where building and caching a
        Core statement costs more than the lookup itself.
        """
        marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        stage = connection.exec_driver_sql(
            f"SELECT lifecycle_stage FROM runs WHERE run_uuid = {marker}", (run_id,)
        ).scalar()
        if stage is None:
            raise ResourceDoesNotExist(f"Run with id={run_id} not found")
        if stage != LifecycleStage.ACTIVE:
            raise InvalidParameterValue(
                f"The run {run_id} must be in the 'active' state. Current state is {stage}."
            )
