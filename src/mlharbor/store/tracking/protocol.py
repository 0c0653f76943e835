"""The contract every tracking store honours (SQL, REST).

Method names and arguments follow MLflow's tracking store so the REST layer maps one-to-one onto
them. Every failure is raised as an :mod:`mlharbor.exceptions` error carrying MLflow's error code.
Timestamps are milliseconds since the epoch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

from mlharbor.entities import (
    DatasetInput,
    DatasetSummary,
    Experiment,
    LoggedModel,
    LoggedModelInput,
    LoggedModelOutput,
    LoggedModelStatus,
    Metric,
    PagedList,
    Param,
    Run,
    RunInfo,
    RunTag,
    ViewType,
)

SEARCH_MAX_RESULTS_DEFAULT = 1000
SEARCH_MAX_RESULTS_LIMIT = 50000
MAX_DATASET_SUMMARIES = 1000


@runtime_checkable
class ExperimentStore(Protocol):
    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Sequence[tuple[str, str]] | None = None,
    ) -> str:
        """Create an experiment and return its id; RESOURCE_ALREADY_EXISTS if the name is taken
        (deleted experiments keep their name)."""
        ...

    def get_experiment(self, experiment_id: str) -> Experiment: ...

    def get_experiment_by_name(self, name: str) -> Experiment | None: ...

    def search_experiments(
        self,
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Experiment]: ...

    def delete_experiment(self, experiment_id: str) -> None:
        """Soft-delete the experiment and all its runs."""
        ...

    def restore_experiment(self, experiment_id: str) -> None: ...

    def rename_experiment(self, experiment_id: str, new_name: str) -> None: ...

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None: ...

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None: ...


@runtime_checkable
class RunStore(Protocol):
    def create_run(
        self,
        experiment_id: str,
        user_id: str,
        start_time: int | None,
        tags: Sequence[RunTag],
        run_name: str | None,
    ) -> Run: ...

    def get_run(self, run_id: str) -> Run: ...

    def update_run_info(
        self,
        run_id: str,
        run_status: str | None,
        end_time: int | None,
        run_name: str | None,
    ) -> RunInfo: ...

    def delete_run(self, run_id: str) -> None: ...

    def restore_run(self, run_id: str) -> None: ...

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        run_view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Run]: ...


@runtime_checkable
class RunDataStore(Protocol):
    def log_metric(self, run_id: str, metric: Metric) -> None: ...

    def log_param(self, run_id: str, param: Param) -> None: ...

    def set_tag(self, run_id: str, tag: RunTag) -> None: ...

    def delete_tag(self, run_id: str, key: str) -> None: ...

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        """Validate everything, then write everything in one transaction, or nothing."""
        ...

    def get_metric_history(
        self,
        run_id: str,
        metric_key: str,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> PagedList[Metric]:
        """Every point of one metric, ordered by step, timestamp, value."""
        ...

    def get_metric_history_bulk_interval(
        self,
        run_ids: Sequence[str],
        metric_key: str,
        max_results: int,
        start_step: int | None = None,
        end_step: int | None = None,
    ) -> list[Metric]:
        """Per run, ``max_results`` points spread evenly over the ordered history (every point
        when there are fewer), the last point always included; each point names its run.
        ``start_step`` and ``end_step`` (both or neither) limit the steps sampled."""
        ...

    def log_inputs(
        self,
        run_id: str,
        datasets: Sequence[DatasetInput] | None = None,
        models: Sequence[LoggedModelInput] | None = None,
    ) -> None: ...

    def log_outputs(self, run_id: str, models: Sequence[LoggedModelOutput]) -> None: ...

    def search_datasets(self, experiment_ids: Sequence[str]) -> list[DatasetSummary]:
        """The distinct (dataset, context) pairs runs of these experiments used, at most
        :data:`MAX_DATASET_SUMMARIES`."""
        ...


@runtime_checkable
class LoggedModelStore(Protocol):
    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        source_run_id: str | None = None,
        tags: Sequence[tuple[str, str]] | None = None,
        params: Sequence[tuple[str, str]] | None = None,
        model_type: str | None = None,
    ) -> LoggedModel: ...

    def get_logged_model(self, model_id: str) -> LoggedModel: ...

    def delete_logged_model(self, model_id: str) -> None: ...

    def finalize_logged_model(
        self, model_id: str, status: LoggedModelStatus | str
    ) -> LoggedModel: ...

    def set_logged_model_tags(self, model_id: str, tags: Sequence[tuple[str, str]]) -> None: ...

    def delete_logged_model_tag(self, model_id: str, key: str) -> None: ...

    def log_logged_model_params(self, model_id: str, params: Sequence[tuple[str, str]]) -> None: ...

    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        datasets: Sequence[dict[str, str]] | None = None,
        max_results: int | None = None,
        order_by: Sequence[dict[str, object]] | None = None,
        page_token: str | None = None,
    ) -> PagedList[LoggedModel]: ...


class MetricHistoryChunks(Protocol):
    """One metric's history read on demand: ``chunks()`` yields non-empty lists of
    ``(value, is_nan, timestamp, step)`` rows in history order; ``next_page_token`` is set once
    they are exhausted, when ``max_results`` cut the history short."""

    key: str
    next_page_token: str | None

    def chunks(self) -> Iterator[list[tuple[Any, ...]]]: ...


@runtime_checkable
class StreamsMetricHistory(Protocol):
    """A store that can hand out a metric history in chunks (the SQL store)."""

    def metric_history_stream(
        self,
        run_id: str,
        metric_key: str,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> MetricHistoryChunks:
        """Check the run and arguments now, read the rows while iterating."""
        ...


@runtime_checkable
class TrackingStore(ExperimentStore, RunStore, RunDataStore, LoggedModelStore, Protocol):
    """Everything a tracking backend provides."""
