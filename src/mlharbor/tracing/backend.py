"""Where traces are written and read: a tracking server over REST, or the SQL store directly.

Against a server, spans go to ``/v1/traces`` as OTLP/JSON (MLflow's server and ours both take
it) and the trace info to ``POST /api/3.0/mlflow/traces``; reads use the v3 trace API.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from typing import Any

from mlharbor.utils.http import HostCreds, RetrySettings, call_endpoint, get_host_creds

__all__ = ["RestTraceBackend", "SqlTraceBackend", "trace_backend"]

_V3 = "/api/3.0/mlflow/traces"
EXPERIMENT_HEADER = "x-mlflow-experiment-id"


class RestTraceBackend:
    def __init__(self, uri: str) -> None:
        self.uri = uri

    @property
    def creds(self) -> HostCreds:
        return get_host_creds(self.uri)

    def export(
        self,
        experiment_id: str,
        info: dict[str, Any],
        spans: list[dict[str, Any]],
        retry: RetrySettings | None = None,
    ) -> None:
        import orjson

        from mlharbor.utils.http import http_request, raise_for_response

        body = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": spans}]}]}
        response = http_request(
            self.creds,
            "/v1/traces",
            "POST",
            json_bytes=orjson.dumps(body),
            headers={EXPERIMENT_HEADER: experiment_id},
            retry=retry,
        )
        raise_for_response(response, "/v1/traces")
        call_endpoint(
            self.creds, _V3, "POST", {"trace": {"trace_info": info, "spans": []}}, retry=retry
        )

    def get_trace(self, trace_id: str) -> dict[str, Any]:
        reply = call_endpoint(self.creds, f"{_V3}/get", "GET", {"trace_id": trace_id})
        trace: dict[str, Any] = reply["trace"]
        return trace

    def search(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None,
        max_results: int,
        order_by: Sequence[str] | None,
        page_token: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        body: dict[str, Any] = {
            "locations": [
                {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": e}}
                for e in experiment_ids
            ],
            "max_results": max_results,
        }
        if filter_string:
            body["filter"] = filter_string
        if order_by:
            body["order_by"] = list(order_by)
        if page_token:
            body["page_token"] = page_token
        reply = call_endpoint(self.creds, f"{_V3}/search", "POST", body)
        return reply.get("traces", []), reply.get("next_page_token") or None

    def batch_get(self, trace_ids: Sequence[str]) -> list[dict[str, Any]]:
        reply = call_endpoint(self.creds, f"{_V3}/batchGet", "GET", {"trace_ids": list(trace_ids)})
        traces: list[dict[str, Any]] = reply.get("traces", [])
        return traces

    def create_assessment(self, assessment: dict[str, Any]) -> dict[str, Any]:
        trace_id = urllib.parse.quote(assessment["trace_id"], safe="")
        reply = call_endpoint(
            self.creds, f"{_V3}/{trace_id}/assessments", "POST", {"assessment": assessment}
        )
        created: dict[str, Any] = reply["assessment"]
        return created

    def get_assessment(self, trace_id: str, assessment_id: str) -> dict[str, Any]:
        path = f"{_V3}/{urllib.parse.quote(trace_id, safe='')}/assessments/" + urllib.parse.quote(
            assessment_id, safe=""
        )
        found: dict[str, Any] = call_endpoint(self.creds, path, "GET")["assessment"]
        return found


class SqlTraceBackend:
    """Traces in a local database (a ``sqlite:``/``postgresql:`` URI or a directory)."""

    def __init__(self, uri: str) -> None:
        from mlharbor.store.tracking.factory import get_tracking_store
        from mlharbor.store.tracking.sql.traces import TracesMixin

        store = get_tracking_store(uri)
        assert isinstance(store, TracesMixin)
        self.store = store

    def export(
        self,
        experiment_id: str,
        info: dict[str, Any],
        spans: list[dict[str, Any]],
        retry: RetrySettings | None = None,
    ) -> None:
        from mlharbor.wire.traces import trace_info_from_json

        self.store.log_spans(experiment_id, spans)
        self.store.start_trace(trace_info_from_json(info))

    def get_trace(self, trace_id: str) -> dict[str, Any]:
        from mlharbor.exceptions import ResourceDoesNotExist

        found = self.batch_get([trace_id])
        if not found:
            raise ResourceDoesNotExist(f"Trace with ID {trace_id} not found.")
        return found[0]

    def search(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None,
        max_results: int,
        order_by: Sequence[str] | None,
        page_token: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        from mlharbor.wire.traces import trace_info_to_json

        page = self.store.search_traces(
            experiment_ids, filter_string, max_results, order_by, page_token
        )
        return [trace_info_to_json(info) for info in page], page.token

    def batch_get(self, trace_ids: Sequence[str]) -> list[dict[str, Any]]:
        from mlharbor.wire.traces import trace_to_json

        return [trace_to_json(trace) for trace in self.store.batch_get_traces(trace_ids)]

    def create_assessment(self, assessment: dict[str, Any]) -> dict[str, Any]:
        return self.store.create_assessment(assessment)

    def get_assessment(self, trace_id: str, assessment_id: str) -> dict[str, Any]:
        return self.store.get_assessment(trace_id, assessment_id)


def trace_backend(uri: str | None = None) -> RestTraceBackend | SqlTraceBackend:
    """The backend of ``uri`` (default: the tracking URI in effect)."""
    from mlharbor.client.tracking_uri import get_tracking_uri

    uri = uri or get_tracking_uri()
    if urllib.parse.urlparse(uri).scheme.lower() in ("http", "https"):
        return RestTraceBackend(uri)
    return SqlTraceBackend(uri)
