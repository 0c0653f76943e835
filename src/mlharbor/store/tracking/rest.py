"""A tracking store that talks MLflow's REST protocol to a tracking server.

Works against ``mlharbor server`` and a stock ``mlflow server`` alike. Requests are shaped the
way MLflow's own client shapes them (both ``run_id`` and ``run_uuid`` where it sends both,
experiment ids as strings, enums by name, NaN as ``"NaN"``), so servers that only understand
MLflow's client understand this one. Errors answered by the server are raised as
:class:`~mlharbor.exceptions.RestException` carrying the server's ``error_code``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

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
    RunStatus,
    RunTag,
    ViewType,
)
from mlharbor.exceptions import MlharborException
from mlharbor.store.rest_base import API_PREFIX, RestStoreBase
from mlharbor.store.tracking.protocol import SEARCH_MAX_RESULTS_DEFAULT
from mlharbor.utils.validation import validate_logged_model_name, validate_metric
from mlharbor.wire import (
    JsonDict,
    dataset_input_to_json,
    dataset_summary_from_json,
    encode_double,
    experiment_from_json,
    logged_model_from_json,
    metric_from_json,
    metric_to_json,
    model_input_to_json,
    model_output_to_json,
    param_to_json,
    run_from_json,
    run_info_from_json,
    tag_to_json,
)

__all__ = ["API_PREFIX", "RestTrackingStore"]
# MLflow's client asks for metric history in pages of this size.
_HISTORY_PAGE = 25000


def _pairs(items: Sequence[tuple[str, str]] | None) -> list[dict[str, str]]:
    return [{"key": str(k), "value": str(v)} for k, v in items or ()]


def _metric_json(metric: Metric, path: str = "") -> JsonDict:
    """Encode a metric, first refusing values JSON would silently change (bools, strings).

    Numeric look-alikes (numpy scalars) are sent as plain floats and ints.
    """
    value: object = metric.value
    if type(value) not in (float, int) or type(metric.step) is not int:
        validate_metric(metric, path)
    if type(metric.timestamp) is not int or metric.timestamp < 0:
        validate_metric(metric, path)
    out = metric_to_json(metric)
    out["value"] = encode_double(float(metric.value))
    out["timestamp"] = int(metric.timestamp)
    out["step"] = int(metric.step)
    return out


class RestTrackingStore(RestStoreBase):
    """A :class:`~mlharbor.store.tracking.protocol.TrackingStore` backed by a tracking server.

    Args:
        host_creds_or_uri: the server's :class:`HostCreds`, or its URI (credentials are then
            read from the environment).
    """

    # -- experiments ---------------------------------------------------------------------------

    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Sequence[tuple[str, str]] | None = None,
    ) -> str:
        body: dict[str, Any] = {"name": name}
        if artifact_location:
            body["artifact_location"] = artifact_location
        if tags:
            body["tags"] = _pairs(tags)
        return str(self._call("experiments/create", "POST", body)["experiment_id"])

    def get_experiment(self, experiment_id: str) -> Experiment:
        response = self._call("experiments/get", "GET", {"experiment_id": str(experiment_id)})
        return experiment_from_json(response["experiment"])

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """The experiment called ``name`` (deleted ones included), or None."""
        if not name:
            # No experiment can be named "", and servers reject the empty query as missing.
            return None
        try:
            response = self._call("experiments/get-by-name", "GET", {"experiment_name": name})
        except MlharborException as exc:
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                return None
            raise
        return experiment_from_json(response["experiment"])

    def search_experiments(
        self,
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Experiment]:
        body: dict[str, Any] = {
            "max_results": max_results,
            "view_type": ViewType.coerce(view_type).name,
        }
        if filter_string:
            body["filter"] = filter_string
        if order_by:
            body["order_by"] = list(order_by)
        if page_token:
            body["page_token"] = page_token
        response = self._call("experiments/search", "POST", body)
        return PagedList(
            [experiment_from_json(e) for e in response.get("experiments", [])],
            response.get("next_page_token") or None,
        )

    def delete_experiment(self, experiment_id: str) -> None:
        self._call("experiments/delete", "POST", {"experiment_id": str(experiment_id)})

    def restore_experiment(self, experiment_id: str) -> None:
        self._call("experiments/restore", "POST", {"experiment_id": str(experiment_id)})

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        self._call(
            "experiments/update",
            "POST",
            {"experiment_id": str(experiment_id), "new_name": new_name},
        )

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        self._call(
            "experiments/set-experiment-tag",
            "POST",
            {"experiment_id": str(experiment_id), "key": key, "value": str(value)},
        )

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        self._call(
            "experiments/delete-experiment-tag",
            "POST",
            {"experiment_id": str(experiment_id), "key": key},
        )

    # -- runs ----------------------------------------------------------------------------------

    def create_run(
        self,
        experiment_id: str,
        user_id: str,
        start_time: int | None,
        tags: Sequence[RunTag],
        run_name: str | None,
    ) -> Run:
        body: dict[str, Any] = {"experiment_id": str(experiment_id), "user_id": user_id}
        if start_time is not None:
            body["start_time"] = start_time
        if tags:
            body["tags"] = [tag_to_json(t) for t in tags]
        if run_name:
            body["run_name"] = run_name
        return run_from_json(self._call("runs/create", "POST", body)["run"])

    def get_run(self, run_id: str) -> Run:
        response = self._call("runs/get", "GET", {"run_uuid": run_id, "run_id": run_id})
        return run_from_json(response["run"])

    def update_run_info(
        self,
        run_id: str,
        run_status: str | None,
        end_time: int | None,
        run_name: str | None,
    ) -> RunInfo:
        body: dict[str, Any] = {"run_uuid": run_id, "run_id": run_id}
        if run_status is not None:
            # Servers silently ignore unknown status names, so refuse them here.
            body["status"] = RunStatus.from_string(str(run_status)).value
        if end_time is not None:
            body["end_time"] = end_time
        if run_name:
            body["run_name"] = run_name
        return run_info_from_json(self._call("runs/update", "POST", body)["run_info"])

    def delete_run(self, run_id: str) -> None:
        self._call("runs/delete", "POST", {"run_id": run_id})

    def restore_run(self, run_id: str) -> None:
        self._call("runs/restore", "POST", {"run_id": run_id})

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        run_view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Run]:
        # MLflow's server silently matches nothing for numeric ids, so always send strings.
        body: dict[str, Any] = {
            "experiment_ids": [str(e) for e in experiment_ids],
            "run_view_type": ViewType.coerce(run_view_type).name,
            "max_results": max_results,
        }
        if filter_string:
            body["filter"] = filter_string
        if order_by:
            body["order_by"] = list(order_by)
        if page_token:
            body["page_token"] = page_token
        response = self._call("runs/search", "POST", body)
        return PagedList(
            [run_from_json(r) for r in response.get("runs", [])],
            response.get("next_page_token") or None,
        )

    # -- run data ------------------------------------------------------------------------------

    def log_metric(self, run_id: str, metric: Metric) -> None:
        body: dict[str, Any] = {"run_uuid": run_id, "run_id": run_id, **_metric_json(metric)}
        self._call("runs/log-metric", "POST", body)

    def log_param(self, run_id: str, param: Param) -> None:
        body = {"run_uuid": run_id, "run_id": run_id, **param_to_json(param)}
        self._call("runs/log-parameter", "POST", body)

    def set_tag(self, run_id: str, tag: RunTag) -> None:
        body = {"run_uuid": run_id, "run_id": run_id, **tag_to_json(tag)}
        self._call("runs/set-tag", "POST", body)

    def delete_tag(self, run_id: str, key: str) -> None:
        self._call("runs/delete-tag", "POST", {"run_id": run_id, "key": key})

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        """Send everything in one ``runs/log-batch`` request; the server applies it atomically."""
        body: dict[str, Any] = {"run_id": run_id}
        if metrics:
            body["metrics"] = [_metric_json(m, f"metrics[{i}]") for i, m in enumerate(metrics)]
        if params:
            body["params"] = [param_to_json(p) for p in params]
        if tags:
            body["tags"] = [tag_to_json(t) for t in tags]
        self._call("runs/log-batch", "POST", body)

    def get_metric_history(
        self,
        run_id: str,
        metric_key: str,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> PagedList[Metric]:
        """One page of ``max_results`` points, or every point when ``max_results`` is None."""
        body: dict[str, Any] = {"run_uuid": run_id, "run_id": run_id, "metric_key": metric_key}
        body["max_results"] = _HISTORY_PAGE if max_results is None else max_results
        points: list[Metric] = []
        token = page_token
        while True:
            if token:
                body["page_token"] = token
            response = self._call("metrics/get-history", "GET", body)
            points.extend(metric_from_json(m) for m in response.get("metrics", []))
            token = response.get("next_page_token") or None
            if max_results is not None or token is None:
                return PagedList(points, token)

    def get_metric_history_bulk_interval(
        self,
        run_ids: Sequence[str],
        metric_key: str,
        max_results: int,
        start_step: int | None = None,
        end_step: int | None = None,
    ) -> list[Metric]:
        body: dict[str, Any] = {
            "run_ids": list(run_ids),
            "metric_key": metric_key,
            "max_results": max_results,
        }
        if start_step is not None:
            body["start_step"] = start_step
        if end_step is not None:
            body["end_step"] = end_step
        response = self._call("metrics/get-history-bulk-interval", "GET", body)
        return [metric_from_json(m) for m in response.get("metrics", [])]

    def log_inputs(
        self,
        run_id: str,
        datasets: Sequence[DatasetInput] | None = None,
        models: Sequence[LoggedModelInput] | None = None,
    ) -> None:
        body: dict[str, Any] = {"run_id": run_id}
        if datasets:
            body["datasets"] = [dataset_input_to_json(d) for d in datasets]
        if models:
            body["models"] = [model_input_to_json(m) for m in models]
        self._call("runs/log-inputs", "POST", body)

    def log_outputs(self, run_id: str, models: Sequence[LoggedModelOutput]) -> None:
        body = {"run_id": run_id, "models": [model_output_to_json(m) for m in models]}
        self._call("runs/outputs", "POST", body)

    def search_datasets(self, experiment_ids: Sequence[str]) -> list[DatasetSummary]:
        body = {"experiment_ids": [str(e) for e in experiment_ids]}
        reply = self._call("experiments/search-datasets", "POST", body)
        return [dataset_summary_from_json(s) for s in reply.get("dataset_summaries") or ()]

    # -- logged models -------------------------------------------------------------------------

    @staticmethod
    def _model_path(model_id: str, suffix: str = "") -> str:
        return "logged-models/" + quote(model_id, safe="") + suffix

    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        source_run_id: str | None = None,
        tags: Sequence[tuple[str, str]] | None = None,
        params: Sequence[tuple[str, str]] | None = None,
        model_type: str | None = None,
    ) -> LoggedModel:
        # Servers read an empty name as "none given" and invent one; refuse bad names here.
        validate_logged_model_name(name)
        body: dict[str, Any] = {"experiment_id": str(experiment_id)}
        if name is not None:
            body["name"] = name
        if model_type is not None:
            body["model_type"] = model_type
        if source_run_id is not None:
            body["source_run_id"] = source_run_id
        if params:
            body["params"] = _pairs(params)
        if tags:
            body["tags"] = _pairs(tags)
        return logged_model_from_json(self._call("logged-models", "POST", body)["model"])

    def get_logged_model(self, model_id: str) -> LoggedModel:
        return logged_model_from_json(self._call(self._model_path(model_id), "GET")["model"])

    def delete_logged_model(self, model_id: str) -> None:
        self._call(self._model_path(model_id), "DELETE", {"model_id": model_id})

    def finalize_logged_model(self, model_id: str, status: LoggedModelStatus | str) -> LoggedModel:
        body = {"model_id": model_id, "status": LoggedModelStatus.coerce(status).proto_name}
        response = self._call(self._model_path(model_id), "PATCH", body)
        return logged_model_from_json(response["model"])

    def set_logged_model_tags(self, model_id: str, tags: Sequence[tuple[str, str]]) -> None:
        self._call(self._model_path(model_id, "/tags"), "PATCH", {"tags": _pairs(tags)})

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        self._call(self._model_path(model_id, "/tags/" + quote(key, safe="")), "DELETE")

    def log_logged_model_params(self, model_id: str, params: Sequence[tuple[str, str]]) -> None:
        body = {"model_id": model_id, "params": _pairs(params)}
        self._call(self._model_path(model_id, "/params"), "POST", body)

    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        datasets: Sequence[dict[str, str]] | None = None,
        max_results: int | None = None,
        order_by: Sequence[dict[str, object]] | None = None,
        page_token: str | None = None,
    ) -> PagedList[LoggedModel]:
        body: dict[str, Any] = {"experiment_ids": [str(e) for e in experiment_ids]}
        if filter_string:
            body["filter"] = filter_string
        if datasets:
            body["datasets"] = [dict(d) for d in datasets]
        if max_results is not None:
            body["max_results"] = max_results
        if order_by:
            body["order_by"] = [dict(o) for o in order_by]
        if page_token:
            body["page_token"] = page_token
        response = self._call("logged-models/search", "POST", body)
        return PagedList(
            [logged_model_from_json(m) for m in response.get("models", [])],
            response.get("next_page_token") or None,
        )
