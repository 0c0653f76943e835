"""``/mlflow/metrics/*``: full history with paging, and sampled histories of many runs."""

from __future__ import annotations

from starlette.testclient import TestClient

API = "/api/2.0/mlflow"


def _run_with_history(client: TestClient, points: int) -> str:
    run = client.post(f"{API}/runs/create", json={"experiment_id": "0", "start_time": 1})
    run_id: str = run.json()["run"]["info"]["run_id"]
    metrics = [
        {"key": "loss", "value": 1.0 / (i + 1), "timestamp": 100 + i, "step": i}
        for i in range(points)
    ]
    assert (
        client.post(
            f"{API}/runs/log-batch", json={"run_id": run_id, "metrics": metrics}
        ).status_code
        == 200
    )
    return run_id


def test_history_is_ordered_and_paged(client: TestClient) -> None:
    run_id = _run_with_history(client, 5)
    query = {"run_id": run_id, "run_uuid": run_id, "metric_key": "loss", "max_results": "2"}
    first = client.get(f"{API}/metrics/get-history", params=query).json()
    assert first["metrics"] == [
        {"key": "loss", "value": 1.0, "timestamp": 100, "step": 0},
        {"key": "loss", "value": 0.5, "timestamp": 101, "step": 1},
    ]
    steps = [m["step"] for m in first["metrics"]]
    token = first["next_page_token"]
    while token:
        page = client.get(
            f"{API}/metrics/get-history", params={**query, "page_token": token}
        ).json()
        steps += [m["step"] for m in page["metrics"]]
        token = page.get("next_page_token")
    assert steps == [0, 1, 2, 3, 4]


def test_history_of_unknown_key_is_empty_and_unknown_run_404(client: TestClient) -> None:
    run_id = _run_with_history(client, 1)
    empty = client.get(f"{API}/metrics/get-history", params={"run_id": run_id, "metric_key": "x"})
    assert empty.json() == {}
    unknown = client.get(
        f"{API}/metrics/get-history", params={"run_id": "f" * 32, "metric_key": "loss"}
    )
    assert unknown.status_code == 404


def test_bulk_interval_samples_each_run(client: TestClient) -> None:
    run_a = _run_with_history(client, 50)
    run_b = _run_with_history(client, 3)
    response = client.get(
        "/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval",
        params=[
            ("run_ids", run_a),
            ("run_ids", run_b),
            ("metric_key", "loss"),
            ("max_results", "10"),
        ],
    )
    metrics = response.json()["metrics"]
    steps_a = [m["step"] for m in metrics if m["run_id"] == run_a]
    assert len(steps_a) == 10
    assert (steps_a[0], steps_a[-1]) == (0, 49)
    assert [m["step"] for m in metrics if m["run_id"] == run_b] == [0, 1, 2]
    window = client.get(
        f"{API}/metrics/get-history-bulk-interval",
        params={"run_ids": run_a, "metric_key": "loss", "start_step": 5, "end_step": 7},
    ).json()
    assert [m["step"] for m in window["metrics"]] == [5, 6, 7]


def test_bulk_interval_requires_run_ids(client: TestClient) -> None:
    response = client.get(f"{API}/metrics/get-history-bulk-interval", params={"metric_key": "loss"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("Missing value for required parameter 'run_ids'.")
    half = client.get(
        f"{API}/metrics/get-history-bulk-interval",
        params={"run_ids": "a", "metric_key": "loss", "start_step": 1},
    )
    assert half.status_code == 400


def test_bulk_history_concatenates_runs_up_to_the_cap(client: TestClient) -> None:
    run_a = _run_with_history(client, 4)
    run_b = _run_with_history(client, 4)
    query = [("run_id", run_a), ("run_id", run_b), ("metric_key", "loss")]
    every = client.get("/ajax-api/2.0/mlflow/metrics/get-history-bulk", params=query).json()
    assert [(m["run_id"], m["step"]) for m in every["metrics"]] == [
        *((run_a, s) for s in range(4)),
        *((run_b, s) for s in range(4)),
    ]
    capped = client.get(
        "/ajax-api/2.0/mlflow/metrics/get-history-bulk", params=[*query, ("max_results", "5")]
    ).json()
    assert len(capped["metrics"]) == 5


def test_streamed_history_is_the_paged_reply(client: TestClient) -> None:
    """The history is encoded chunk by chunk; the body is the one the store's page gives."""
    from mlharbor.server.routes.common import page_reply
    from mlharbor.store.tracking.sql import history_stream
    from mlharbor.wire import metric_to_json

    run_id = _run_with_history(client, 25)
    nan = {"key": "loss", "value": "NaN", "timestamp": 1, "step": 30}
    client.post(f"{API}/runs/log-metric", json={"run_id": run_id, **nan})
    store = client.app.context.store  # type: ignore[attr-defined]
    original = history_stream.CHUNK_ROWS
    history_stream.CHUNK_ROWS = 4  # several chunks, one of them cut by max_results
    try:
        for query in ({}, {"max_results": "10"}, {"max_results": "26"}, {"max_results": "7"}):
            params = {"run_id": run_id, "metric_key": "loss", **query}
            token: str | None = None
            while True:
                sent = client.get(
                    f"{API}/metrics/get-history",
                    params={**params, **({"page_token": token} if token else {})},
                )
                limit = int(query["max_results"]) if query else None
                page = store.get_metric_history(run_id, "loss", limit, token)
                assert sent.json() == page_reply("metrics", page, metric_to_json)
                token = page.token
                if token is None:
                    break
    finally:
        history_stream.CHUNK_ROWS = original
    assert client.get(f"{API}/metrics/get-history?run_id={run_id}&metric_key=x").json() == {}
