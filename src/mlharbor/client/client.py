"""``MlharborClient``: the explicit, run-id based tracking API with MlflowClient's names.

Every method talks to the tracking store of the client's tracking URI; artifact methods go to
the artifact repository of the run's ``artifact_uri``. Values are converted the way MLflow's
client converts them (params to ``str``, metrics to ``float``, missing timestamps to now), so
the stores see exactly what an MLflow client would have sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mlharbor.client._values import (
    chunk_batch,
    now_millis,
    to_metric_value,
    validate_run_id,
)
from mlharbor.client.artifacts import ArtifactMethods
from mlharbor.client.async_logging import RunOperations, logger_for
from mlharbor.client.logged_models import LoggedModelMethods
from mlharbor.client.registry_client import RegistryClientMixin
from mlharbor.client.tables import TableMethods
from mlharbor.client.tracking_uri import get_tracking_uri, resolve_registry_uri
from mlharbor.entities import (
    DatasetInput,
    Experiment,
    LoggedModelInput,
    LoggedModelOutput,
    Metric,
    PagedList,
    Param,
    Run,
    RunStatus,
    RunTag,
    ViewType,
)
from mlharbor.entities.sweep import Sweep
from mlharbor.store.tracking.factory import get_tracking_store
from mlharbor.store.tracking.protocol import SEARCH_MAX_RESULTS_DEFAULT, TrackingStore

__all__ = ["MlflowClient", "MlharborClient"]

_PARENT_RUN_TAG = "mlflow.parentRunId"
_RUN_NAME_TAG = "mlflow.runName"
_METRIC_HISTORY_PAGE = 25000


class MlharborClient(ArtifactMethods, LoggedModelMethods, RegistryClientMixin, TableMethods):
    """Client of one tracking store (and one model registry).

    Args:
        tracking_uri: where runs go; defaults to :func:`mlharbor.get_tracking_uri`.
        registry_uri: where registered models go; defaults to a configured registry URI
            (``set_registry_uri``, ``MLFLOW_REGISTRY_URI``), else the client's tracking URI.
    """

    def __init__(self, tracking_uri: str | None = None, registry_uri: str | None = None) -> None:
        self._tracking_uri = str(tracking_uri) if tracking_uri else get_tracking_uri()
        self._registry_uri = resolve_registry_uri(
            str(registry_uri) if registry_uri else None, self._tracking_uri
        )
        self.store: TrackingStore = get_tracking_store(self._tracking_uri)

    @property
    def tracking_uri(self) -> str:
        return self._tracking_uri

    # experiments -------------------------------------------------------------------------

    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> str:
        """Create an experiment and return its id (RESOURCE_ALREADY_EXISTS if the name is taken)."""
        tag_pairs = [(str(k), str(v)) for k, v in (tags or {}).items()]
        return self.store.create_experiment(name, artifact_location, tag_pairs)

    def get_experiment(self, experiment_id: str) -> Experiment:
        return self.store.get_experiment(str(experiment_id))

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """The experiment called ``name`` (deleted ones included), or None."""
        return self.store.get_experiment_by_name(name)

    def search_experiments(
        self,
        view_type: ViewType | int | str = ViewType.ACTIVE_ONLY,
        max_results: int | None = SEARCH_MAX_RESULTS_DEFAULT,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Experiment]:
        """One page of experiments matching ``filter_string``; ``.token`` leads to the next."""
        return self.store.search_experiments(
            view_type=ViewType.coerce(view_type),
            max_results=SEARCH_MAX_RESULTS_DEFAULT if max_results is None else max_results,
            filter_string=filter_string,
            order_by=order_by,
            page_token=page_token,
        )

    def delete_experiment(self, experiment_id: str) -> None:
        self.store.delete_experiment(str(experiment_id))

    def restore_experiment(self, experiment_id: str) -> None:
        self.store.restore_experiment(str(experiment_id))

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        self.store.rename_experiment(str(experiment_id), new_name)

    def set_experiment_tag(self, experiment_id: str, key: str, value: Any) -> None:
        self.store.set_experiment_tag(str(experiment_id), key, str(value))

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        self.store.delete_experiment_tag(str(experiment_id), key)

    # runs --------------------------------------------------------------------------------

    def create_run(
        self,
        experiment_id: str,
        start_time: int | None = None,
        tags: Mapping[str, Any] | None = None,
        run_name: str | None = None,
    ) -> Run:
        """Create a RUNNING run; ``mlflow.user`` (when tagged) becomes its ``user_id``."""
        tag_map = {str(k): str(v) for k, v in (tags or {}).items()}
        return self.store.create_run(
            experiment_id=str(experiment_id),
            user_id=tag_map.get("mlflow.user", "unknown"),
            start_time=start_time if start_time is not None else now_millis(),
            tags=[RunTag(k, v) for k, v in tag_map.items()],
            run_name=run_name,
        )

    def get_run(self, run_id: str) -> Run:
        return self.store.get_run(validate_run_id(run_id))

    def get_parent_run(self, run_id: str) -> Run | None:
        """The run named by the ``mlflow.parentRunId`` tag of ``run_id``, or None."""
        parent_id = self.get_run(run_id).data.tags.get(_PARENT_RUN_TAG)
        return self.get_run(parent_id) if parent_id else None

    def update_run(self, run_id: str, status: str | None = None, name: str | None = None) -> None:
        """Change a run's status and/or name; the end time is left as it is."""
        if status is None and name is None:
            return
        # Stores write status and end time as given, so the current values are sent back.
        info = self.get_run(run_id).info
        status_name = RunStatus.from_string(status or info.status).value
        self.store.update_run_info(run_id, status_name, info.end_time, name)

    def set_terminated(
        self, run_id: str, status: str | None = None, end_time: int | None = None
    ) -> None:
        """Mark a run ended with ``status`` (FINISHED by default) at ``end_time`` (now)."""
        validate_run_id(run_id)
        status_name = RunStatus.from_string(status or "FINISHED").value
        self.store.update_run_info(
            run_id, status_name, end_time if end_time is not None else now_millis(), None
        )

    def delete_run(self, run_id: str) -> None:
        self.store.delete_run(validate_run_id(run_id))

    def restore_run(self, run_id: str) -> None:
        self.store.restore_run(validate_run_id(run_id))

    def search_runs(
        self,
        experiment_ids: str | Sequence[str],
        filter_string: str = "",
        run_view_type: ViewType | int | str = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Run]:
        """One page of runs of ``experiment_ids`` matching ``filter_string``."""
        ids = [experiment_ids] if isinstance(experiment_ids, (str, int)) else experiment_ids
        return self.store.search_runs(
            experiment_ids=[str(i) for i in ids],
            filter_string=filter_string or None,
            run_view_type=ViewType.coerce(run_view_type),
            max_results=max_results,
            order_by=list(order_by) if order_by else None,
            page_token=page_token,
        )

    # run data ----------------------------------------------------------------------------

    def log_param(self, run_id: str, key: str, value: Any, synchronous: bool | None = None) -> Any:
        """Log one param (stored as ``str(value)``) and return ``value``."""
        validate_run_id(run_id)
        param = Param(key, str(value))
        if synchronous is False:
            return logger_for(self.store).enqueue(run_id, params=[param])
        self.store.log_param(run_id, param)
        return value

    def log_metric(
        self,
        run_id: str,
        key: str,
        value: Any,
        timestamp: int | None = None,
        step: int | None = None,
        synchronous: bool | None = None,
        dataset_name: str | None = None,
        dataset_digest: str | None = None,
        model_id: str | None = None,
    ) -> RunOperations | None:
        """Append one point to a metric's history; ``step`` defaults to 0, time to now."""
        validate_run_id(run_id)
        timestamp = int(timestamp) if timestamp is not None else now_millis()
        metric = Metric(
            key=key,
            value=to_metric_value(key, value, timestamp),
            timestamp=timestamp,
            step=int(step) if step is not None else 0,
            dataset_name=dataset_name,
            dataset_digest=dataset_digest,
            model_id=model_id,
        )
        if synchronous is False:
            return logger_for(self.store).enqueue(run_id, metrics=[metric])
        self.store.log_metric(run_id, metric)
        return None

    def set_tag(
        self, run_id: str, key: str, value: Any, synchronous: bool | None = None
    ) -> RunOperations | None:
        """Set (or overwrite) one run tag; the value is stored as ``str(value)``."""
        validate_run_id(run_id)
        tag = RunTag(key, str(value))
        if synchronous is False:
            return logger_for(self.store).enqueue(run_id, tags=[tag])
        self.store.set_tag(run_id, tag)
        return None

    def delete_tag(self, run_id: str, key: str) -> None:
        self.store.delete_tag(validate_run_id(run_id), key)

    def log_batch(
        self,
        run_id: str,
        metrics: Iterable[Metric] = (),
        params: Iterable[Param] = (),
        tags: Iterable[RunTag] = (),
        synchronous: bool | None = None,
    ) -> RunOperations | None:
        """Log many values, split into requests within MLflow's batch limits.

        Each request is atomic; an oversize call becomes several requests in MLflow's order
        (params and tags first, topped up with metrics).
        """
        validate_run_id(run_id)
        metric_list = [
            Metric(
                key=m.key,
                value=to_metric_value(m.key, m.value, m.timestamp),
                timestamp=m.timestamp,
                step=m.step,
                dataset_name=m.dataset_name,
                dataset_digest=m.dataset_digest,
                model_id=m.model_id,
                run_id=m.run_id,
            )
            for m in metrics
        ]
        param_list = [Param(p.key, str(p.value)) for p in params]
        tag_list = [RunTag(t.key, str(t.value)) for t in tags]
        batches = chunk_batch(metric_list, param_list, tag_list)
        if synchronous is False:
            logger = logger_for(self.store)
            return RunOperations.combine([logger.enqueue(run_id, m, p, t) for m, p, t in batches])
        for batch_metrics, batch_params, batch_tags in batches:
            self.store.log_batch(run_id, batch_metrics, batch_params, batch_tags)
        return None

    def log_inputs(
        self,
        run_id: str,
        datasets: Sequence[DatasetInput] | None = None,
        models: Sequence[LoggedModelInput] | None = None,
    ) -> None:
        """Link datasets (with their context tags) and logged models to a run as inputs."""
        self.store.log_inputs(validate_run_id(run_id), datasets=datasets, models=models)

    def log_outputs(self, run_id: str, models: Sequence[LoggedModelOutput]) -> None:
        """Record logged models as outputs of a run."""
        self.store.log_outputs(validate_run_id(run_id), models)

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        """Every point of metric ``key`` in order of step, timestamp and value (all pages)."""
        validate_run_id(run_id)
        history: list[Metric] = []
        token: str | None = None
        while True:
            page = self.store.get_metric_history(
                run_id, key, max_results=_METRIC_HISTORY_PAGE, page_token=token
            )
            history.extend(page)
            token = page.token
            if not token:
                return history

    # sweeps ------------------------------------------------------------------------------

    def get_sweep(self, sweep_id: str) -> Sweep:
        """The sweep with its state, trials, trial counts, ``best_value`` and ``best_run_id``."""
        from mlharbor.store.sweeps import get_sweep_store

        return get_sweep_store(self._tracking_uri).get_sweep(sweep_id)


MlflowClient = MlharborClient
