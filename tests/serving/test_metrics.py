"""``GET /metrics``: Prometheus text with request counts, latencies, errors and the model."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from mlharbor.serving.metrics import LATENCY_BUCKETS, ServingMetrics


def _sample(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = "^" + re.escape(f"{name}{{{wanted}}}" if labels else name) + r" (\S+)$"
    match = re.search(pattern, text, re.MULTILINE)
    assert match, f"{name} {labels} not in:\n{text}"
    return float(match.group(1))


def test_counts_latency_errors_and_model(iris_model_dir: str) -> None:
    from mlharbor.serving import create_app

    app = create_app(iris_model_dir)
    with TestClient(app) as client:
        for _ in range(3):
            client.post("/invocations", json={"inputs": [[5.1, 3.5, 1.4, 0.2]]})
        client.post("/invocations", content=b"{bad", headers={"content-type": "application/json"})
        client.get("/nowhere")
        response = client.get("/metrics")
    app.close()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert _sample(text, "mlharbor_serving_requests_total", route="/invocations", status="200") == 3
    assert _sample(text, "mlharbor_serving_requests_total", route="/invocations", status="400") == 1
    assert _sample(text, "mlharbor_serving_requests_total", route="other", status="404") == 1
    assert _sample(text, "mlharbor_serving_errors_total", route="/invocations") == 1
    assert _sample(text, "mlharbor_serving_errors_total", route="other") == 1
    name = "mlharbor_serving_request_duration_seconds"
    assert _sample(text, f"{name}_count", route="/invocations") == 4
    assert _sample(text, f"{name}_bucket", route="/invocations", le="+Inf") == 4
    assert _sample(text, f"{name}_sum", route="/invocations") > 0
    assert _sample(text, "mlharbor_serving_model_info", model_uri=iris_model_dir, version="") == 1
    assert _sample(text, "mlharbor_serving_model_swaps_total") == 0
    for line in text.splitlines():
        assert line.startswith("#") or re.match(r"^[a-z_]+(\{[^}]*\})? \S+$", line), line


def test_histogram_buckets_are_cumulative() -> None:
    metrics = ServingMetrics()
    for seconds in (0.0005, 0.003, 0.003, 0.2, 30.0):
        metrics.observe("/invocations", 200, seconds)
    text = metrics.render()
    name = "mlharbor_serving_request_duration_seconds_bucket"
    counts = [
        _sample(text, name, route="/invocations", le=f"{b:g}" if b != int(b) else str(int(b)))
        for b in LATENCY_BUCKETS
    ]
    assert counts == sorted(counts)
    assert counts[0] == 1  # 0.5 ms
    assert _sample(text, name, route="/invocations", le="0.005") == 3
    assert counts[-1] == 4  # 30 s only in +Inf
    assert _sample(text, name, route="/invocations", le="+Inf") == 5


def test_label_values_are_escaped() -> None:
    metrics = ServingMetrics()
    metrics.set_model('models:/a"b\\c', "3", 1.0, swap=True)
    text = metrics.render()
    assert 'model_uri="models:/a\\"b\\\\c",version="3"' in text
    assert _sample(text, "mlharbor_serving_model_swaps_total") == 1


def test_credentials_never_reach_the_exposition() -> None:
    metrics = ServingMetrics()
    metrics.set_model("s3://key:secret@bucket/model", None, 1.0, swap=False)
    text = metrics.render()
    assert "secret" not in text
    assert 'model_uri="s3://***@bucket/model"' in text
