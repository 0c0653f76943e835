"""The route table covers every P0/P1 tracking endpoint of the wire specification."""

from __future__ import annotations

import re

import pytest

from mlharbor.server.app import Router
from mlharbor.server.routes import all_routes
from tests.spec_paths import SPEC

# (method, absolute path) for every P0/P1 row of spec §1.5, §2.2-§2.4 and §4.2; kept here so
# the check runs where the specification file is not available.
REQUIRED = [
    ("GET", "/health"),
    ("GET", "/version"),
    ("GET", "/api/3.0/mlflow/server-info"),
    ("GET", "/get-artifact"),
    ("GET", "/model-versions/get-artifact"),
    *[
        (method, f"/api/2.0/mlflow/{path}")
        for method, path in [
            ("GET", "experiments/get-by-name"),
            ("POST", "experiments/create"),
            ("GET", "experiments/get"),
            ("POST", "experiments/search"),
            ("GET", "experiments/search"),
            ("POST", "experiments/delete"),
            ("POST", "experiments/restore"),
            ("POST", "experiments/update"),
            ("POST", "experiments/set-experiment-tag"),
            ("POST", "experiments/delete-experiment-tag"),
            ("POST", "runs/create"),
            ("POST", "runs/update"),
            ("GET", "runs/get"),
            ("POST", "runs/delete"),
            ("POST", "runs/restore"),
            ("POST", "runs/log-metric"),
            ("POST", "runs/log-parameter"),
            ("POST", "runs/set-tag"),
            ("POST", "runs/delete-tag"),
            ("POST", "runs/log-batch"),
            ("POST", "runs/search"),
            ("GET", "metrics/get-history"),
            ("GET", "metrics/get-history-bulk-interval"),
            ("POST", "runs/log-inputs"),
            ("POST", "runs/outputs"),
            ("GET", "artifacts/list"),
            ("POST", "logged-models"),
            ("PATCH", "logged-models/m-0123"),
            ("GET", "logged-models/m-0123"),
            ("DELETE", "logged-models/m-0123"),
            ("POST", "logged-models/search"),
            ("PATCH", "logged-models/m-0123/tags"),
            ("DELETE", "logged-models/m-0123/tags/some-key"),
            ("POST", "logged-models/m-0123/params"),
            ("GET", "logged-models/m-0123/artifacts/directories"),
        ]
    ],
    ("PUT", "/api/2.0/mlflow-artifacts/artifacts/1/run/artifacts/a.txt"),
    ("GET", "/api/2.0/mlflow-artifacts/artifacts/1/run/artifacts/a.txt"),
    ("DELETE", "/api/2.0/mlflow-artifacts/artifacts/1/run/artifacts/a.txt"),
    ("GET", "/api/2.0/mlflow-artifacts/artifacts"),
    ("POST", "/api/2.0/mlflow-artifacts/mpu/create/1/big.bin"),
]

_ROW = re.compile(r"^\| (P0|P1) \| (GET|POST|PATCH|DELETE|PUT) \| `([^`?]+)", re.MULTILINE)
_SECTIONS = {
    "1.5": "",
    "2.2": "/api/2.0/mlflow/",
    "2.3": "/api/2.0/mlflow/",
    "2.4": "/api/2.0/mlflow/",
    "4.2": "/api/2.0/mlflow-artifacts/",
}


def _spec_endpoints() -> list[tuple[str, str]]:
    text = SPEC.read_text()
    found: list[tuple[str, str]] = []
    for section, base in _SECTIONS.items():
        start = text.index(f"### {section} ")
        end = text.index("\n### ", start + 1)
        for _prio, method, path in _ROW.findall(text[start:end]):
            concrete = re.sub(r"\{[^}]+\}|<[^>]+>", "x", path)
            found.append((method, concrete if concrete.startswith("/") else base + concrete))
    return found


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(all_routes())


def _routed(router: Router, method: str, path: str) -> bool:
    return isinstance(router.match(method, path), tuple)


@pytest.mark.parametrize(("method", "path"), REQUIRED)
def test_required_endpoint_has_a_route(router: Router, method: str, path: str) -> None:
    assert _routed(router, method, path)
    if path.startswith("/api/"):
        assert _routed(router, method, "/ajax-api/" + path[len("/api/") :])


@pytest.mark.skipif(not SPEC.exists(), reason="specification file not available")
def test_every_p0_p1_tracking_row_of_the_spec_is_routed(router: Router) -> None:
    endpoints = _spec_endpoints()
    assert len(endpoints) > 30
    unrouted = [(m, p) for m, p in endpoints if not _routed(router, m, p)]
    assert unrouted == []


def test_two_handlers_for_one_path_and_method_are_refused() -> None:
    routes = all_routes()
    with pytest.raises(ValueError, match="two handlers"):
        Router([*routes, routes[0]])
