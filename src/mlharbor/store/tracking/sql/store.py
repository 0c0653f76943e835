"""``SqlTrackingStore``: the tracking store on SQLite or PostgreSQL, assembled from its parts."""

from __future__ import annotations

from mlharbor.store.tracking.sql.experiments import ExperimentsMixin
from mlharbor.store.tracking.sql.inputs import InputsMixin
from mlharbor.store.tracking.sql.logged_models import LoggedModelsMixin
from mlharbor.store.tracking.sql.purge import PurgeMixin
from mlharbor.store.tracking.sql.run_data import RunDataMixin
from mlharbor.store.tracking.sql.runs import RunsMixin
from mlharbor.store.tracking.sql.traces import TracesMixin


class SqlTrackingStore(
    ExperimentsMixin,
    RunsMixin,
    RunDataMixin,
    InputsMixin,
    LoggedModelsMixin,
    PurgeMixin,
    TracesMixin,
):
    """Tracking store over SQLAlchemy Core; implements :class:`TrackingStore`.

    Args:
        db_uri: ``sqlite:///path``, ``sqlite:///:memory:``, ``postgresql://…`` or
            ``postgresql+psycopg://…``; the schema is created or migrated on first open.
        default_artifact_root: where experiments without an explicit artifact location keep
            artifacts: ``<root>/<experiment_id>``; runs use ``<location>/<run_id>/artifacts``,
            logged models ``<location>/models/<model_id>/artifacts``.
    """

    def __repr__(self) -> str:
        return f"SqlTrackingStore({self.db_uri!r}, {self.default_artifact_root!r})"
