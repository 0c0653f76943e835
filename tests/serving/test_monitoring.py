"""Drift monitoring in the scoring server: the window fills, a background check runs, and the
gauges on ``/metrics`` follow the traffic."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from starlette.testclient import TestClient

from mlharbor.exceptions import MlharborException
from tests.fixtures.servers import free_port, run_server
from tests.serving.conftest import IRIS_COLUMNS, serve_command, train_iris

WINDOW = 40


def _reference(tmp_path: Path) -> Path:
    _, features = train_iris(IRIS_COLUMNS)
    path = tmp_path / "reference.csv"
    features.to_csv(path, index=False)
    return path


def _rows(shift: float) -> list[dict[str, float]]:
    _, features = train_iris(IRIS_COLUMNS)
    sample = features.sample(WINDOW, random_state=3).assign(
        petal_length=lambda f: f.petal_length + shift, petal_width=lambda f: f.petal_width + shift
    )
    return list(sample.to_dict(orient="records"))


def _gauges(text: str) -> dict[str, float]:
    values = {}
    for line in text.splitlines():
        if line.startswith(("mlharbor_data_drift", "mlharbor_monitoring")):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def _wait_for_checks(client: TestClient, checks: int) -> dict[str, float]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        gauges = _gauges(client.get("/metrics").text)
        if gauges.get("mlharbor_monitoring_checks_total", 0) >= checks:
            return gauges
        time.sleep(0.05)
    raise AssertionError(f"no drift check finished: {gauges}")


def test_gauges_appear_after_a_window_and_flip_on_shifted_rows(
    iris_model_dir: str, tmp_path: Path
) -> None:
    from mlharbor.serving import create_app

    app = create_app(iris_model_dir, monitor_reference=_reference(tmp_path), monitor_window=WINDOW)
    with TestClient(app) as client:
        for row in _rows(shift=0.0)[:-1]:
            assert client.post("/predict", json={"features": row}).status_code == 200
        before = _gauges(client.get("/metrics").text)
        assert before["mlharbor_monitoring_rows_total"] == WINDOW - 1
        assert "mlharbor_data_drift_share" not in before
        last = _rows(shift=0.0)[-1]
        assert client.post("/predict", json={"features": last}).status_code == 200
        gauges = _wait_for_checks(client, 1)
        assert gauges["mlharbor_data_drift_detected"] == 0
        assert gauges["mlharbor_data_drift_share"] == 0
        assert 'mlharbor_data_drift_column_score{column="petal_length",stattest="ks"}' in gauges
        # the rest of the requests go through /invocations in batches: any DataFrame input counts
        shifted = _rows(shift=4.0)
        for start in range(0, WINDOW, 10):
            body = {"dataframe_records": shifted[start : start + 10]}
            assert client.post("/invocations", json=body).status_code == 200
        gauges = _wait_for_checks(client, 2)
        assert gauges["mlharbor_data_drift_detected"] == 1
        assert gauges["mlharbor_data_drift_share"] == 0.5
        assert gauges['mlharbor_data_drift_column_detected{column="petal_width"}'] == 1
        assert gauges['mlharbor_data_drift_column_detected{column="sepal_width"}'] == 0
        assert gauges["mlharbor_monitoring_rows_total"] == 2 * WINDOW


def test_window_stays_bounded(iris_model_dir: str, tmp_path: Path) -> None:
    import pandas as pd

    from mlharbor.monitoring import DriftWindow

    window = DriftWindow(_reference(tmp_path), 10)
    frame = pd.DataFrame(_rows(0.0)[:3])
    for _ in range(100):
        window.record(frame)
        window.record([[1.0, 2.0, 3.0, 4.0]])  # arrays carry no column names: not kept
    assert window.wait(20)
    assert len(window._frames) <= 4
    snapshot = window.snapshot()
    assert snapshot.rows_total == 300
    assert snapshot.failures_total == 0
    assert snapshot.report is not None
    assert snapshot.report.current_rows == 10


def test_monitoring_off_changes_nothing(iris_client: TestClient) -> None:
    text = iris_client.get("/metrics").text
    assert "mlharbor_data_drift" not in text
    assert "mlharbor_monitoring" not in text
    assert iris_client.app.monitor is None  # type: ignore[attr-defined]


def test_bad_reference_fails_before_serving(iris_model_dir: str, tmp_path: Path) -> None:
    from mlharbor.serving import create_app

    with pytest.raises(MlharborException, match="No such file") as caught:
        create_app(iris_model_dir, monitor_reference=str(tmp_path / "missing.csv"))
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlharborException, match="window"):
        create_app(iris_model_dir, monitor_reference=_reference(tmp_path), monitor_window=0)


def test_models_serve_process_reports_drift(iris_model_dir: str, tmp_path: Path) -> None:
    port = free_port()
    reference = str(_reference(tmp_path))
    cmd = serve_command(
        iris_model_dir, port, "--monitor-reference", reference, "--monitor-window", str(WINDOW)
    )
    with run_server(cmd, port, "/ping") as server:
        body = {"dataframe_records": _rows(shift=4.0)}
        assert requests.post(f"{server.url}/invocations", json=body, timeout=30).status_code == 200
        deadline = time.monotonic() + 20
        gauges: dict[str, float] = {}
        while time.monotonic() < deadline and "mlharbor_data_drift_detected" not in gauges:
            gauges = _gauges(requests.get(f"{server.url}/metrics", timeout=10).text)
            time.sleep(0.1)
    assert gauges["mlharbor_data_drift_detected"] == 1
    assert gauges["mlharbor_monitoring_rows_total"] == WINDOW
