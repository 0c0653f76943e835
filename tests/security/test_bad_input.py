"""Input that once made the server answer 500: each gets a 4xx in MLflow's error shape, and the
server keeps answering afterwards.

Ids beyond 64 bits are sent to every field of the route table that names an experiment, a
model version or a number, generated from the table itself.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from mlharbor.server.app import create_app
from mlharbor.server.params import Kind
from mlharbor.server.routes import Route, all_routes, expand_paths
from tests.security.asgi import AsgiReply, request

HUGE = "9223372036854775808"  # 2**63: one past the largest 64-bit id
HUGER = "99999999999999999999"
ID_FIELDS = {"experiment_id", "experiment_ids", "version", "dataset_id"}
BODY_METHODS = ("POST", "PATCH", "DELETE", "PUT")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    workdir: Path = tmp_path_factory.mktemp("bad-input")
    return create_app(f"sqlite:///{workdir / 'server.db'}", None, str(workdir / "artifacts"))


def _send(app: Any, method: str, target: str, body: Any = None) -> AsgiReply:
    raw = b"" if body is None else json.dumps(body).encode()
    headers = {"content-type": "application/json"} if body is not None else {}
    return request(app, method, target, raw, headers)


def _client_error(reply: AsgiReply) -> None:
    assert 400 <= reply.status < 500, (reply.status, reply.body[:300])
    assert set(reply.json()) == {"error_code", "message"}
    assert len(reply.body) < 4096


def _numeric_cases() -> list[tuple[Route, str, Any]]:
    cases: list[tuple[Route, str, Any]] = []
    for route in all_routes():
        if route.raw or route.request is None:
            continue
        for field in route.request.fields:
            if field.kind is Kind.INT or field.name in ID_FIELDS:
                huge: Any = [HUGE] if field.kind is Kind.STR_LIST else HUGE
                cases.append((route, field.name, huge))
                if field.name == "version":
                    cases.append((route, field.name, HUGER))
    return cases


def _filled(route: Route) -> dict[str, Any]:
    """The other required fields, with plausible values."""
    assert route.request is not None
    values: dict[str, Any] = {}
    for field in route.request.fields:
        if field.required:
            values[field.name] = [] if field.kind in (Kind.STR_LIST, Kind.OBJECT_LIST) else "1"
    return values


@pytest.mark.parametrize(
    ("route", "field", "value"),
    _numeric_cases(),
    ids=lambda x: x.path if isinstance(x, Route) else str(x)[:12],
)
def test_ids_beyond_64_bits_are_client_errors(
    app: Any, route: Route, field: str, value: Any
) -> None:
    target = expand_paths(route)[0].replace("{model_id}", "m-1").replace("{path:path}", "x")
    target = target.replace("{tag_key}", "k")
    fields = {**_filled(route), field: value}
    if route.method in BODY_METHODS:
        reply = _send(app, route.method, target, fields)
    else:
        pairs = [(k, v) for k, vs in fields.items() for v in (vs if isinstance(vs, list) else [vs])]
        query = "&".join(f"{k}={v}" for k, v in pairs)
        reply = _send(app, route.method, f"{target}?{query}")
    _client_error(reply)


def test_model_version_artifact_with_a_huge_version(app: Any) -> None:
    _client_error(_send(app, "GET", f"/model-versions/get-artifact?name=m&version={HUGER}&path=x"))


def test_page_token_offset_beyond_64_bits(app: Any) -> None:
    for offset in (2**64, 10**400, "Infinity"):
        raw = f'{{"offset": {offset}}}'
        token = base64.b64encode(raw.encode()).decode()
        _client_error(
            _send(
                app,
                "POST",
                "/api/2.0/mlflow/experiments/search",
                {"max_results": 1, "page_token": token},
            )
        )
        _client_error(
            _send(
                app,
                "POST",
                "/api/2.0/mlflow/runs/search",
                {"experiment_ids": ["0"], "page_token": token},
            )
        )
        _client_error(
            _send(app, "GET", f"/api/2.0/mlflow/registered-models/search?page_token={token}")
        )


def test_thousand_and_clauses_answer_or_explain(app: Any) -> None:
    clauses = " AND ".join(f"params.p{i} = 'v'" for i in range(1000))
    reply = _send(
        app, "POST", "/api/2.0/mlflow/runs/search", {"experiment_ids": ["0"], "filter": clauses}
    )
    if reply.status != 200:
        _client_error(reply)
        assert "limit" in reply.json()["message"].lower()


def test_multi_megabyte_filter_is_refused_quickly(app: Any) -> None:
    import time

    huge = "params.p = '" + "x" * (4 * 1024 * 1024) + "'"
    started = time.monotonic()
    reply = _send(
        app, "POST", "/api/2.0/mlflow/runs/search", {"experiment_ids": ["0"], "filter": huge}
    )
    _client_error(reply)
    assert time.monotonic() - started < 5


def test_deeply_nested_tag_value(app: Any) -> None:
    run = _send(app, "POST", "/api/2.0/mlflow/runs/create", {"experiment_id": "0"}).json()
    run_id = run["run"]["info"]["run_id"]
    nested = "[" * 1000 + "]" * 1000
    raw = f'{{"run_id": "{run_id}", "key": "k", "value": {nested}}}'
    reply = request(
        app,
        "POST",
        "/api/2.0/mlflow/runs/set-tag",
        raw.encode(),
        {"content-type": "application/json"},
    )
    _client_error(reply)
    deepest = "[" * 100000 + "]" * 100000
    deeper = f'{{"run_id": "{run_id}", "key": "k", "value": {deepest}}}'
    reply = request(
        app,
        "POST",
        "/api/2.0/mlflow/runs/set-tag",
        deeper.encode(),
        {"content-type": "application/json"},
    )
    _client_error(reply)
    assert _send(app, "GET", f"/api/2.0/mlflow/runs/get?run_id={run_id}").status == 200


def test_ids_beyond_64_bits_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    app = create_app(postgres_url, None, str(tmp_path / "artifacts"))
    for target in (
        f"/api/2.0/mlflow/experiments/get?experiment_id={HUGE}",
        f"/api/2.0/mlflow/model-versions/get?name=m&version={HUGER}",
    ):
        _client_error(_send(app, "GET", target))
    reply = _send(app, "POST", "/api/2.0/mlflow/runs/create", {"experiment_id": HUGE})
    _client_error(reply)
    assert _send(app, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0").status == 200
