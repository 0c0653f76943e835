"""``POST /predict``: one row of ``features`` in, one ``prediction`` out (seed 000's API)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.serving.conftest import IRIS_COLUMNS

SETOSA = [5.1, 3.5, 1.4, 0.2]
VIRGINICA = [6.7, 3.0, 5.2, 2.3]


def test_one_row_of_features_gives_one_prediction(iris_client: TestClient) -> None:
    response = iris_client.post("/predict", json={"features": SETOSA})
    assert response.status_code == 200
    assert response.json() == {"prediction": 0}


def _row(values: list[float]) -> dict[str, float]:
    return dict(zip(IRIS_COLUMNS, values, strict=True))


def test_named_features_and_records(iris_client: TestClient) -> None:
    named = iris_client.post("/predict", json={"features": _row(SETOSA)})
    records = iris_client.post("/predict", json={"records": [_row(SETOSA), _row(VIRGINICA)]})
    bare_list = iris_client.post("/predict", json=[_row(VIRGINICA)])
    assert named.json() == {"prediction": 0}
    assert records.json() == {"predictions": [0, 2]}
    assert bare_list.json() == {"predictions": [2]}


def test_several_rows_give_a_list(iris_client: TestClient) -> None:
    response = iris_client.post("/predict", json={"features": [SETOSA, VIRGINICA]})
    assert response.json() == {"predictions": [0, 2]}


def test_signature_names_positional_features(signature_client: TestClient) -> None:
    response = signature_client.post("/predict", json={"features": VIRGINICA})
    assert response.json() == {"prediction": 2}


def test_wrong_feature_count_with_a_signature(signature_client: TestClient) -> None:
    response = signature_client.post("/predict", json={"features": SETOSA[:3]})
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "BAD_REQUEST"
    assert body["message"].startswith("Expected 4 features per row (sepal length (cm), ")
    assert body["message"].endswith("got 3.")


def test_wrong_feature_count_without_a_signature(iris_client: TestClient) -> None:
    response = iris_client.post("/predict", json={"features": [1.0, 2.0]})
    assert response.status_code == 400
    body = response.json()
    assert body["message"].startswith("Encountered an unexpected error while evaluating")
    assert "features" in body["stack_trace"]


@pytest.mark.parametrize(
    "payload",
    [{"rows": [SETOSA]}, {"features": []}, {"features": "5.1"}, {"records": [1, 2]}, 3],
)
def test_bad_bodies_are_bad_requests(iris_client: TestClient, payload: Any) -> None:
    response = iris_client.post("/predict", json=payload)
    assert response.status_code == 400
    assert response.json()["error_code"] == "BAD_REQUEST"


def test_predict_route_can_be_turned_off(iris_model_dir: str) -> None:
    from mlharbor.serving import create_app

    with TestClient(create_app(iris_model_dir, enable_predict_route=False)) as client:
        assert client.post("/predict", json={"features": SETOSA}).status_code == 404
        assert client.post("/invocations", json={"inputs": [SETOSA]}).json() == {"predictions": [0]}


def test_mounted_inside_a_fastapi_service(iris_model_dir: str) -> None:
    from fastapi import FastAPI

    from mlharbor.serving import create_app

    service = FastAPI()

    @service.get("/")
    def home() -> dict[str, str]:
        return {"service": "shop"}

    scoring = create_app(iris_model_dir)
    service.mount("/model", scoring)
    with TestClient(service) as client:
        assert client.get("/").json() == {"service": "shop"}
        assert client.get("/model/ping").status_code == 200
        assert client.post("/model/predict", json={"features": SETOSA}).json() == {"prediction": 0}
        response = client.post("/model/invocations", json={"inputs": [VIRGINICA]})
        assert response.json() == {"predictions": [2]}
    scoring.close()
