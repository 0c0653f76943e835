"""Which requests each user may make, endpoint class by endpoint class."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.server.auth.middleware import PUBLIC_ROUTES
from mlharbor.server.auth.rules import RULES, artifact_experiment
from mlharbor.server.routes import all_routes
from mlharbor.server.ui import routes as ui_routes
from tests.server.auth.conftest import ADMIN, ALICE, BOB, basic

API = "/api/2.0/mlflow"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"


@dataclass
class World:
    """Alice's experiment, run, artifact, logged model and registered model (with a version)."""

    client: TestClient
    experiment_id: str
    run_id: str
    model_id: str
    model: str = "alices-model"

    def call(self, who: tuple[str, str], method: str, path: str, **kwargs: Any) -> Any:
        return self.client.request(method, path, headers=basic(who), **kwargs)

    def status(self, who: tuple[str, str], method: str, path: str, **kwargs: Any) -> int:
        return int(self.call(who, method, path, **kwargs).status_code)

    def grant(self, username: str, permission: str, kind: str = "experiment") -> None:
        if kind == "experiment":
            base, key = f"{API}/experiments/permissions", {"experiment_id": self.experiment_id}
        else:
            base, key = f"{API}/registered-models/permissions", {"name": self.model}
        response = self.call(
            ADMIN,
            "POST",
            f"{base}/create",
            json={**key, "username": username, "permission": permission},
        )
        assert response.status_code == 200, response.text


@pytest.fixture
def world(client: TestClient, users: None) -> World:
    def ok(method: str, path: str, **kwargs: Any) -> Any:
        response = client.request(method, path, headers=basic(ALICE), **kwargs)
        assert response.status_code == 200, response.text
        return response.json() if response.content else {}

    experiment_id = ok("POST", f"{API}/experiments/create", json={"name": "alices"})[
        "experiment_id"
    ]
    run = ok("POST", f"{API}/runs/create", json={"experiment_id": experiment_id})["run"]
    run_id = run["info"]["run_id"]
    ok("PUT", f"{ARTIFACTS}/{experiment_id}/{run_id}/artifacts/notes.txt", content=b"hello")
    model_id = ok(
        "POST", f"{API}/logged-models", json={"experiment_id": experiment_id, "name": "m"}
    )["model"]["info"]["model_id"]
    ok("POST", f"{API}/registered-models/create", json={"name": "alices-model"})
    ok(
        "POST",
        f"{API}/model-versions/create",
        json={
            "name": "alices-model",
            "source": f"{run['info']['artifact_uri']}/model",
            "run_id": run_id,
        },
    )
    return World(client, experiment_id, run_id, model_id)


def test_creator_gets_manage(world: World) -> None:
    def permission(path: str, params: dict[str, str], key: str) -> str:
        body = world.call(ALICE, "GET", path, params={**params, "username": "alice"}).json()
        return str(body[key]["permission"])

    assert (
        permission(
            f"{API}/experiments/permissions/get",
            {"experiment_id": world.experiment_id},
            "experiment_permission",
        )
        == "MANAGE"
    )
    assert (
        permission(
            f"{API}/registered-models/permissions/get",
            {"name": world.model},
            "registered_model_permission",
        )
        == "MANAGE"
    )


def test_default_read_lets_others_read_but_not_write(world: World) -> None:
    e, r = world.experiment_id, world.run_id
    assert world.status(BOB, "GET", f"{API}/experiments/get", params={"experiment_id": e}) == 200
    assert (
        world.status(
            BOB, "GET", f"{API}/experiments/get-by-name", params={"experiment_name": "alices"}
        )
        == 200
    )
    assert world.status(BOB, "GET", f"{API}/runs/get", params={"run_id": r}) == 200
    assert (
        world.status(
            BOB, "GET", f"{API}/metrics/get-history", params={"run_id": r, "metric_key": "m"}
        )
        == 200
    )
    assert world.status(BOB, "GET", f"{ARTIFACTS}/{e}/{r}/artifacts/notes.txt") == 200
    assert world.status(BOB, "GET", f"{API}/logged-models/{world.model_id}") == 200
    assert (
        world.status(BOB, "GET", f"{API}/registered-models/get", params={"name": world.model})
        == 200
    )
    assert (
        world.status(
            BOB, "GET", f"{API}/model-versions/get", params={"name": world.model, "version": "1"}
        )
        == 200
    )

    denied = world.call(
        BOB, "POST", f"{API}/experiments/update", json={"experiment_id": e, "new_name": "x"}
    )
    assert denied.status_code == 403
    assert denied.json() == {"error_code": "PERMISSION_DENIED", "message": "Permission denied"}
    writes = [
        (
            "POST",
            f"{API}/experiments/set-experiment-tag",
            {"json": {"experiment_id": e, "key": "k", "value": "v"}},
        ),
        ("POST", f"{API}/experiments/delete", {"json": {"experiment_id": e}}),
        ("POST", f"{API}/runs/create", {"json": {"experiment_id": e}}),
        (
            "POST",
            f"{API}/runs/log-metric",
            {"json": {"run_id": r, "key": "m", "value": 1, "timestamp": 1}},
        ),
        (
            "POST",
            f"{API}/runs/log-batch",
            {"json": {"run_id": r, "params": [{"key": "a", "value": "1"}]}},
        ),
        ("POST", f"{API}/runs/delete", {"json": {"run_id": r}}),
        ("PUT", f"{ARTIFACTS}/{e}/{r}/artifacts/evil.txt", {"content": b"x"}),
        ("DELETE", f"{ARTIFACTS}/{e}/{r}/artifacts/notes.txt", {}),
        (
            "PATCH",
            f"{API}/logged-models/{world.model_id}/tags",
            {"json": {"tags": [{"key": "k", "value": "v"}]}},
        ),
        (
            "PATCH",
            f"{API}/registered-models/update",
            {"json": {"name": world.model, "description": "d"}},
        ),
        ("DELETE", f"{API}/registered-models/delete", {"json": {"name": world.model}}),
        (
            "PATCH",
            f"{API}/model-versions/update",
            {"json": {"name": world.model, "version": "1", "description": "d"}},
        ),
        (
            "POST",
            f"{API}/model-versions/create",
            {"json": {"name": world.model, "source": "s3://b/k"}},
        ),
    ]
    for method, path, kwargs in writes:
        assert world.status(BOB, method, path, **kwargs) == 403, (method, path)
    # Nothing was changed behind the refusals.
    assert world.status(ALICE, "GET", f"{ARTIFACTS}/{e}/{r}/artifacts/notes.txt") == 200
    run = world.call(ALICE, "GET", f"{API}/runs/get", params={"run_id": r}).json()["run"]
    assert "metrics" not in run["data"]


def test_edit_allows_updates_but_not_deletes(world: World) -> None:
    world.grant("bob", "EDIT")
    world.grant("bob", "EDIT", kind="registered_model")
    e, r = world.experiment_id, world.run_id
    assert (
        world.status(
            BOB,
            "POST",
            f"{API}/runs/log-metric",
            json={"run_id": r, "key": "m", "value": 1, "timestamp": 1},
        )
        == 200
    )
    assert (
        world.status(
            BOB,
            "POST",
            f"{API}/experiments/update",
            json={"experiment_id": e, "new_name": "renamed"},
        )
        == 200
    )
    assert world.status(BOB, "PUT", f"{ARTIFACTS}/{e}/{r}/artifacts/bob.txt", content=b"b") == 200
    assert (
        world.status(
            BOB,
            "PATCH",
            f"{API}/model-versions/update",
            json={"name": world.model, "version": "1", "description": "d"},
        )
        == 200
    )
    assert world.status(BOB, "POST", f"{API}/runs/delete", json={"run_id": r}) == 403
    assert world.status(BOB, "POST", f"{API}/experiments/delete", json={"experiment_id": e}) == 403
    assert world.status(BOB, "DELETE", f"{ARTIFACTS}/{e}/{r}/artifacts/bob.txt") == 403
    assert (
        world.status(
            BOB,
            "DELETE",
            f"{API}/model-versions/delete",
            json={"name": world.model, "version": "1"},
        )
        == 403
    )
    # MANAGE is needed to share.
    share = {"experiment_id": e, "username": "bob", "permission": "MANAGE"}
    assert world.status(BOB, "PATCH", f"{API}/experiments/permissions/update", json=share) == 403


def test_no_permissions_hides_everything(world: World) -> None:
    world.grant("bob", "NO_PERMISSIONS")
    world.grant("bob", "NO_PERMISSIONS", kind="registered_model")
    e, r = world.experiment_id, world.run_id
    reads = [
        (f"{API}/experiments/get", {"experiment_id": e}),
        (f"{API}/experiments/get-by-name", {"experiment_name": "alices"}),
        (f"{API}/runs/get", {"run_id": r}),
        (f"{API}/artifacts/list", {"run_id": r}),
        (f"{API}/metrics/get-history-bulk-interval", {"run_ids": r, "metric_key": "m"}),
        ("/get-artifact", {"run_id": r, "path": "notes.txt"}),
        (f"{ARTIFACTS}/{e}/{r}/artifacts/notes.txt", {}),
        (ARTIFACTS, {"path": f"{e}/{r}/artifacts"}),
        (f"{API}/logged-models/{world.model_id}", {}),
        (f"{API}/registered-models/get", {"name": world.model}),
        (f"{API}/model-versions/get", {"name": world.model, "version": "1"}),
        (f"{API}/model-versions/get-download-uri", {"name": world.model, "version": "1"}),
        ("/model-versions/get-artifact", {"name": world.model, "version": "1", "path": "x"}),
    ]
    for path, params in reads:
        assert world.status(BOB, "GET", path, params=params) == 403, path
    # A doubly percent-encoded experiment id still names the experiment.
    encoded = "".join(f"%25{ord(c):x}" for c in e)
    assert world.status(BOB, "GET", f"{ARTIFACTS}/{encoded}/{r}/artifacts/notes.txt") == 403

    experiments = world.call(
        BOB, "GET", f"{API}/experiments/search", params={"max_results": 10}
    ).json()
    assert [x["experiment_id"] for x in experiments["experiments"]] == ["0"]
    runs = world.call(BOB, "POST", f"{API}/runs/search", json={"experiment_ids": [e]}).json()
    assert runs == {}
    both = world.call(BOB, "POST", f"{API}/runs/search", json={"experiment_ids": [e, "0"]})
    assert both.status_code == 200
    assert "runs" not in both.json()
    # The lowerCamel spelling of the field is narrowed too.
    camel = world.call(BOB, "POST", f"{API}/runs/search", json={"experimentIds": [e, "0"]})
    assert camel.status_code == 200
    assert "runs" not in camel.json()
    assert world.call(BOB, "GET", f"{API}/registered-models/search").json() == {}
    assert world.call(BOB, "GET", f"{API}/model-versions/search").json() == {}
    models = world.call(
        BOB, "POST", f"{API}/logged-models/search", json={"experiment_ids": [e]}
    ).json()
    assert "models" not in models
    # Alice and the admin still see everything.
    for who in (ALICE, ADMIN):
        names = world.call(who, "GET", f"{API}/registered-models/search").json()[
            "registered_models"
        ]
        assert [m["name"] for m in names] == [world.model]
        runs = world.call(who, "POST", f"{API}/runs/search", json={"experiment_ids": [e]}).json()
        assert [x["info"]["run_id"] for x in runs["runs"]] == [r]


def test_unknown_runs_are_refused_not_revealed(world: World) -> None:
    response = world.call(BOB, "GET", f"{API}/runs/get", params={"run_id": "0" * 32})
    assert response.status_code == 403
    assert world.status(ADMIN, "GET", f"{API}/runs/get", params={"run_id": "0" * 32}) == 404


def test_renamed_and_deleted_models_carry_and_drop_their_grants(world: World) -> None:
    renamed = world.call(
        ALICE,
        "POST",
        f"{API}/registered-models/rename",
        json={"name": world.model, "new_name": "new-name"},
    )
    assert renamed.status_code == 200
    get = f"{API}/registered-models/permissions/get"
    moved = world.call(ALICE, "GET", get, params={"name": "new-name", "username": "alice"})
    assert moved.json()["registered_model_permission"]["permission"] == "MANAGE"
    assert (
        world.status(ALICE, "DELETE", f"{API}/registered-models/delete", json={"name": "new-name"})
        == 200
    )
    assert world.status(ADMIN, "GET", get, params={"name": "new-name", "username": "alice"}) == 404


@pytest.mark.parametrize("default_permission", ["NO_PERMISSIONS"])
def test_default_permission_from_the_ini(world: World) -> None:
    e = world.experiment_id
    assert world.status(BOB, "GET", f"{API}/experiments/get", params={"experiment_id": e}) == 403
    assert (
        world.status(BOB, "GET", f"{API}/registered-models/get", params={"name": world.model})
        == 403
    )
    # Bob can still create and use his own experiment, and grants open Alice's to him.
    own = world.call(BOB, "POST", f"{API}/experiments/create", json={"name": "bobs"}).json()[
        "experiment_id"
    ]
    assert world.status(BOB, "POST", f"{API}/runs/create", json={"experiment_id": own}) == 200
    listed = world.call(BOB, "POST", f"{API}/experiments/search", json={"max_results": 10}).json()
    assert [x["name"] for x in listed["experiments"]] == ["bobs"]
    world.grant("bob", "READ")
    assert world.status(BOB, "GET", f"{API}/experiments/get", params={"experiment_id": e}) == 200


def test_admin_may_do_anything(world: World) -> None:
    world.grant("admin", "NO_PERMISSIONS")
    e = world.experiment_id
    assert world.status(ADMIN, "GET", f"{API}/experiments/get", params={"experiment_id": e}) == 200
    assert (
        world.status(ADMIN, "POST", f"{API}/experiments/delete", json={"experiment_id": e}) == 200
    )


def test_every_route_has_a_rule() -> None:
    declared = {(r.method, r.path) for r in [*all_routes(), *ui_routes]}
    assert declared - set(RULES) - PUBLIC_ROUTES == set()
    assert set(RULES) - declared == set()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("1/abc/artifacts/x", "1"),
        ("1", "1"),
        ("./1/abc", "1"),
        ("%31/abc", "1"),
        # Decoded once, as the artifact handlers do: a folder literally named "%31".
        ("%2531/abc", None),
        ("01/abc", None),
        ("models/abc", None),
        ("abc", None),
        ("", None),
    ],
)
def test_artifact_experiment(path: str, expected: str | None) -> None:
    assert artifact_experiment(path) == expected


@pytest.mark.parametrize("path", ["/12/abc", "1/../2/x", "%252e/1", "1\\x", "1;x/y"])
def test_artifact_experiment_refuses_what_the_handlers_refuse(path: str) -> None:
    with pytest.raises(InvalidParameterValue):
        artifact_experiment(path)
