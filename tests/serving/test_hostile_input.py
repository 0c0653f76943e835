"""Hostile request bodies on the scoring server: a 400 with a bounded message, never a 500, and
the server keeps answering."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mlharbor.serving.errors import MAX_MESSAGE_CHARS

ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}


def _bounded_client_error(reply: object) -> None:
    status = reply.status_code  # type: ignore[attr-defined]
    assert 400 <= status < 500, (status, reply.text[:300])  # type: ignore[attr-defined]
    assert len(reply.content) < MAX_MESSAGE_CHARS * 3  # type: ignore[attr-defined]


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_deeply_nested_body(iris_client: TestClient, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    body = f'{{"dataframe_records": {nested}}}'
    reply = iris_client.post(
        "/invocations", content=body, headers={"Content-Type": "application/json"}
    )
    _bounded_client_error(reply)
    assert iris_client.get("/ping").status_code == 200


def test_huge_invalid_body_is_not_echoed(iris_client: TestClient) -> None:
    body = b'{"dataframe_records": [' + b"x" * (5 * 1024 * 1024) + b"]}"
    reply = iris_client.post(
        "/invocations", content=body, headers={"Content-Type": "application/json"}
    )
    _bounded_client_error(reply)


def test_huge_value_in_a_valid_body_is_not_echoed(iris_client: TestClient) -> None:
    row = {**ROW, "sepal_length": "y" * (2 * 1024 * 1024)}
    reply = iris_client.post("/invocations", json={"dataframe_records": [row]})
    _bounded_client_error(reply)
    reply = iris_client.post("/invocations", json={"dataframe_records": [ROW]})
    assert reply.status_code == 200
