"""The trace endpoints in-process: OTLP/JSON, the search grammar, tags, assessments, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mlharbor.server.app import create_app

V3 = "/api/3.0/mlflow/traces"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(f"sqlite:///{tmp_path / 'server.db'}", None, str(tmp_path / "artifacts"))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _attr(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def _span(
    trace: str, span: str, name: str, parent: str | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "traceId": trace,
        "spanId": span,
        "name": name,
        "startTimeUnixNano": str(1_700_000_000_000_000_000 + int(span, 16)),
        "endTimeUnixNano": str(1_700_000_000_500_000_000 + int(span, 16)),
        "attributes": extra.pop("attributes", []),
        "status": extra.pop("status", {"code": 1}),
    }
    if parent:
        body["parentSpanId"] = parent
    return body


def _export(client: TestClient, experiment_id: str, spans: list[dict[str, Any]]) -> Any:
    return client.post(
        "/v1/traces",
        json={"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]},
        headers={"x-mlflow-experiment-id": experiment_id},
    )


def _search(client: TestClient, experiment_id: str, **body: Any) -> list[dict[str, Any]]:
    location = {"mlflow_experiment": {"experiment_id": experiment_id}}
    reply = client.post(f"{V3}/search", json={"locations": [location], **body})
    assert reply.status_code == 200, reply.text
    traces: list[dict[str, Any]] = reply.json().get("traces", [])
    return traces


@pytest.fixture
def two_traces(client: TestClient) -> str:
    experiment_id = "0"
    llm = [
        _attr("mlflow.spanType", '"LLM"'),
        _attr("mlflow.chat.tokenUsage", '{"input_tokens": 5, "output_tokens": 2}'),
    ]
    a, b = "a" * 32, "b" * 32
    assert (
        _export(
            client,
            experiment_id,
            [
                _span(
                    a, "0000000000000001", "agent", attributes=[_attr("mlflow.spanInputs", '"q"')]
                ),
                _span(a, "0000000000000002", "chat", "0000000000000001", attributes=llm),
            ],
        ).status_code
        == 200
    )
    assert (
        _export(
            client, experiment_id, [_span(b, "0000000000000003", "tool", status={"code": 2})]
        ).status_code
        == 200
    )
    return experiment_id


def test_otlp_json_spans_become_searchable_traces(client: TestClient, two_traces: str) -> None:
    traces = _search(client, two_traces)
    assert [t["trace_id"] for t in traces] == [f"tr-{'b' * 32}", f"tr-{'a' * 32}"]
    first = traces[1]
    assert first["state"] == "OK"
    assert first["request_preview"] == '"q"'
    assert first["execution_duration"] == "0.500s"
    assert first["tags"]["mlflow.trace.spansLocation"] == "TRACKING_STORE"
    assert traces[0]["state"] == "ERROR"
    assert [t["trace_id"] for t in _search(client, two_traces, filter="span.type = 'LLM'")] == [
        f"tr-{'a' * 32}"
    ]
    assert len(_search(client, two_traces, filter="trace.status = 'ERROR'")) == 1
    assert len(_search(client, two_traces, filter="trace.name = 'agent'")) == 1
    assert len(_search(client, two_traces, filter="span.attributes.mlflow.spanType = 'LLM'")) == 1
    assert (
        len(_search(client, two_traces, filter="span.attributes.`mlflow.spanType` != 'LLM'")) == 1
    )
    assert len(_search(client, two_traces, max_results=1, order_by=["timestamp_ms ASC"])) == 1
    reply = client.get(f"{V3}/batchGet", params={"trace_ids": f"tr-{'a' * 32}"})
    [trace] = reply.json()["traces"]
    assert [s["name"] for s in trace["spans"]] == ["agent", "chat"]
    assert trace["spans"][1]["parentSpanId"] == "AAAAAAAAAAE="  # base64, as protobuf's JSON


def test_tags_links_and_deletion(client: TestClient, two_traces: str) -> None:
    trace_id = f"tr-{'a' * 32}"
    assert client.patch(f"{V3}/{trace_id}/tags", json={"key": "k", "value": "v"}).status_code == 200
    assert len(_search(client, two_traces, filter="tags.k = 'v'")) == 1
    assert client.request("DELETE", f"{V3}/{trace_id}/tags", json={"key": "k"}).status_code == 200
    assert _search(client, two_traces, filter="tags.k = 'v'") == []
    run = client.post("/api/2.0/mlflow/runs/create", json={"experiment_id": "0"}).json()
    run_id = run["run"]["info"]["run_id"]
    linked = client.post(
        "/api/2.0/mlflow/traces/link-to-run", json={"trace_ids": [trace_id], "run_id": run_id}
    )
    assert linked.status_code == 200
    assert len(_search(client, two_traces, filter=f"run_id = '{run_id}'")) == 1
    deleted = client.post(
        "/api/2.0/mlflow/traces/delete-traces",
        json={"experiment_id": "0", "request_ids": [trace_id]},
    )
    assert deleted.json() == {"traces_deleted": 1}
    assert client.get(f"{V3}/{trace_id}").status_code == 404


def test_assessments_create_update_override_delete(client: TestClient, two_traces: str) -> None:
    trace_id = f"tr-{'a' * 32}"
    base = {"assessment_name": "correct", "source": {"source_type": "HUMAN", "source_id": "me"}}
    created = client.post(
        f"{V3}/{trace_id}/assessments",
        json={"assessment": {**base, "trace_id": trace_id, "feedback": {"value": False}}},
    ).json()["assessment"]
    first = created["assessment_id"]
    override = client.post(
        f"{V3}/{trace_id}/assessments",
        json={
            "assessment": {
                **base,
                "trace_id": trace_id,
                "feedback": {"value": True},
                "overrides": first,
            }
        },
    ).json()["assessment"]
    assert client.get(f"{V3}/{trace_id}/assessments/{first}").json()["assessment"]["valid"] is False
    updated = client.patch(
        f"{V3}/{trace_id}/assessments/{override['assessment_id']}",
        json={
            "assessment": {"rationale": "checked", "assessment_name": "ignored"},
            "update_mask": "rationale",
        },
    ).json()["assessment"]
    assert (updated["rationale"], updated["assessment_name"]) == ("checked", "correct")
    info = client.get(f"{V3}/{trace_id}").json()["trace"]["trace_info"]
    assert [a["assessment_id"] for a in info["assessments"]] == [first, override["assessment_id"]]
    gone = client.delete(f"{V3}/{trace_id}/assessments/{override['assessment_id']}")
    assert gone.status_code == 200
    assert client.get(f"{V3}/{trace_id}/assessments/{first}").json()["assessment"]["valid"] is True


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"content": b"{}", "headers": {"content-type": "application/json"}}, 400, None),
        (
            {
                "content": b"not json",
                "headers": {"content-type": "application/json", "x-mlflow-experiment-id": "0"},
            },
            400,
            "INVALID_PARAMETER_VALUE",
        ),
        (
            {
                "content": b"\xff\x00garbage",
                "headers": {
                    "content-type": "application/x-protobuf",
                    "x-mlflow-experiment-id": "0",
                },
            },
            400,
            "INVALID_PARAMETER_VALUE",
        ),
        (
            {
                "content": b"x",
                "headers": {"content-type": "text/plain", "x-mlflow-experiment-id": "0"},
            },
            400,
            "INVALID_PARAMETER_VALUE",
        ),
    ],
)
def test_otlp_rejects_bad_requests(
    client: TestClient, kwargs: dict[str, Any], status: int, code: str | None
) -> None:
    reply = client.post("/v1/traces", **kwargs)
    assert reply.status_code == status
    if code:
        assert reply.json()["error_code"] == code


def test_unknown_experiment_trace_and_bad_filter(client: TestClient) -> None:
    assert _export(client, "999", [_span("c" * 32, "0000000000000001", "x")]).status_code == 404
    assert client.get(f"{V3}/tr-missing").json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    bad = client.post(
        f"{V3}/search",
        json={"locations": [{"mlflow_experiment": {"experiment_id": "0"}}], "filter": "x.y = 1"},
    )
    assert bad.status_code == 400
    assert bad.json()["error_code"] == "INVALID_PARAMETER_VALUE"
