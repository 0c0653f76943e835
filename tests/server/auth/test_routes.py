"""The auth app's REST endpoints: shapes, who may call them, and MLflow's error codes."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.server.auth.conftest import ADMIN, ALICE, BOB, basic

USERS = "/api/2.0/mlflow/users"
EXP_PERMS = "/api/2.0/mlflow/experiments/permissions"
MODEL_PERMS = "/api/2.0/mlflow/registered-models/permissions"
V3_PERMS = "/api/3.0/mlflow/users/permissions"


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code
    return str(body["message"])


def test_user_lifecycle(client: TestClient) -> None:
    admin = basic(ADMIN)
    created = client.post(
        f"{USERS}/create", json={"username": "carol", "password": "carol-password-1"}, headers=admin
    )
    assert created.status_code == 200
    user = created.json()["user"]
    assert user == {"id": user["id"], "username": "carol", "is_admin": False}
    assert client.get(f"{USERS}/get", params={"username": "carol"}, headers=admin).json() == {
        "user": user
    }
    # The ajax mount serves the same endpoints for the web UI.
    assert client.get(
        "/ajax-api/2.0/mlflow/users/get", params={"username": "carol"}, headers=admin
    ).json() == {"user": user}

    carol = ("carol", "carol-password-1")
    current = client.get(f"{USERS}/current", headers=basic(carol)).json()
    assert current == {"user": user, "is_basic_auth": True}

    response = client.patch(
        f"{USERS}/update-admin", json={"username": "carol", "is_admin": True}, headers=admin
    )
    assert response.status_code == 200
    assert response.json() == {}
    assert client.get(f"{USERS}/current", headers=basic(carol)).json()["user"]["is_admin"]

    response = client.patch(
        f"{USERS}/update-password",
        json={"username": "carol", "password": "carol-password-2"},
        headers=admin,
    )
    assert response.status_code == 200
    assert client.get(f"{USERS}/current", headers=basic(carol)).status_code == 401
    carol = ("carol", "carol-password-2")
    assert client.get(f"{USERS}/current", headers=basic(carol)).status_code == 200

    listed = client.get(f"{USERS}/list", headers=admin).json()["users"]
    assert [u["username"] for u in listed] == ["admin", "carol"]

    assert (
        client.request(
            "DELETE", f"{USERS}/delete", json={"username": "carol"}, headers=admin
        ).json()
        == {}
    )
    assert client.get(f"{USERS}/current", headers=basic(carol)).status_code == 401
    message = _error(
        client.get(f"{USERS}/get", params={"username": "carol"}, headers=admin),
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )
    assert "carol" in message


@pytest.mark.parametrize(
    ("method", "path", "payload", "status", "code"),
    [
        (
            "POST",
            "create",
            {"username": "alice", "password": "x" * 12},
            400,
            "RESOURCE_ALREADY_EXISTS",
        ),
        ("POST", "create", {"username": "dave"}, 400, "INVALID_PARAMETER_VALUE"),
        ("POST", "create", {"password": "x" * 12}, 400, "INVALID_PARAMETER_VALUE"),
        (
            "POST",
            "create",
            {"username": "dave", "password": "short"},
            400,
            "INVALID_PARAMETER_VALUE",
        ),
        ("POST", "create", {"username": 5, "password": "x" * 12}, 400, "INVALID_PARAMETER_VALUE"),
        ("GET", "get", {"username": "nobody"}, 404, "RESOURCE_DOES_NOT_EXIST"),
        ("GET", "get", {}, 400, "INVALID_PARAMETER_VALUE"),
        (
            "PATCH",
            "update-password",
            {"username": "nobody", "password": "x" * 12},
            404,
            "RESOURCE_DOES_NOT_EXIST",
        ),
        (
            "PATCH",
            "update-admin",
            {"username": "nobody", "is_admin": True},
            404,
            "RESOURCE_DOES_NOT_EXIST",
        ),
        ("PATCH", "update-admin", {"username": "alice"}, 400, "INVALID_PARAMETER_VALUE"),
        (
            "PATCH",
            "update-admin",
            {"username": "alice", "is_admin": "maybe"},
            400,
            "INVALID_PARAMETER_VALUE",
        ),
        ("DELETE", "delete", {"username": "nobody"}, 404, "RESOURCE_DOES_NOT_EXIST"),
        ("DELETE", "delete", {"username": "admin"}, 400, "BAD_REQUEST"),
    ],
)
def test_user_errors(
    client: TestClient,
    users: None,
    method: str,
    path: str,
    payload: dict[str, Any],
    status: int,
    code: str,
) -> None:
    if method == "GET":
        response = client.get(f"{USERS}/{path}", params=payload, headers=basic(ADMIN))
    else:
        response = client.request(method, f"{USERS}/{path}", json=payload, headers=basic(ADMIN))
    _error(response, status, code)


def test_create_user_needs_a_json_body(client: TestClient) -> None:
    response = client.post(f"{USERS}/create", content="username=x&password=y", headers=basic(ADMIN))
    _error(response, 400, "INVALID_PARAMETER_VALUE")


def test_user_administration_is_for_admins(client: TestClient, users: None) -> None:
    alice = basic(ALICE)
    new = {"username": "eve", "password": "eve-password-123"}
    _error(client.post(f"{USERS}/create", json=new, headers=alice), 403, "PERMISSION_DENIED")
    _error(
        client.get(f"{USERS}/get", params={"username": "bob"}, headers=alice),
        403,
        "PERMISSION_DENIED",
    )
    assert (
        client.get(f"{USERS}/get", params={"username": "alice"}, headers=alice).status_code == 200
    )
    grant_admin = {"username": "alice", "is_admin": True}
    _error(
        client.patch(f"{USERS}/update-admin", json=grant_admin, headers=alice),
        403,
        "PERMISSION_DENIED",
    )
    _error(
        client.request("DELETE", f"{USERS}/delete", json={"username": "bob"}, headers=alice),
        403,
        "PERMISSION_DENIED",
    )
    _error(
        client.patch(
            f"{USERS}/update-password",
            json={"username": "bob", "password": "x" * 12},
            headers=alice,
        ),
        403,
        "PERMISSION_DENIED",
    )


def test_changing_ones_own_password_needs_the_current_one(client: TestClient, users: None) -> None:
    alice = basic(ALICE)
    path = f"{USERS}/update-password"
    new = {"username": "alice", "password": "alice-password-new"}
    message = _error(client.patch(path, json=new, headers=alice), 400, "INVALID_PARAMETER_VALUE")
    assert "Current password is required" in message
    wrong = {**new, "current_password": "not-the-password"}
    _error(client.patch(path, json=wrong, headers=alice), 400, "INVALID_PARAMETER_VALUE")
    same = {"username": "alice", "password": ALICE[1], "current_password": ALICE[1]}
    _error(client.patch(path, json=same, headers=alice), 400, "INVALID_PARAMETER_VALUE")
    right = {**new, "current_password": ALICE[1]}
    assert client.patch(path, json=right, headers=alice).status_code == 200
    assert (
        client.get(f"{USERS}/current", headers=basic(("alice", new["password"]))).status_code == 200
    )


@pytest.mark.parametrize(
    ("base", "key", "value", "reply"),
    [
        (EXP_PERMS, "experiment_id", "0", "experiment_permission"),
        (MODEL_PERMS, "name", "some-model", "registered_model_permission"),
    ],
)
def test_grant_lifecycle_and_errors(
    client: TestClient, users: None, base: str, key: str, value: str, reply: str
) -> None:
    admin = basic(ADMIN)
    alice_id = client.get(f"{USERS}/get", params={"username": "alice"}, headers=admin).json()[
        "user"
    ]["id"]
    grant = {key: value, "username": "alice", "permission": "READ"}
    response = client.post(f"{base}/create", json=grant, headers=admin)
    assert response.json() == {reply: {key: value, "user_id": alice_id, "permission": "READ"}}
    _error(client.post(f"{base}/create", json=grant, headers=admin), 400, "RESOURCE_ALREADY_EXISTS")

    query = {key: value, "username": "alice"}
    assert (
        client.get(f"{base}/get", params=query, headers=admin).json()[reply]["permission"] == "READ"
    )
    updated = client.patch(f"{base}/update", json={**query, "permission": "EDIT"}, headers=admin)
    assert updated.json() == {}
    assert (
        client.get(f"{base}/get", params=query, headers=admin).json()[reply]["permission"] == "EDIT"
    )

    message = _error(
        client.patch(f"{base}/update", json={**query, "permission": "OWNER"}, headers=admin),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    assert "Invalid permission 'OWNER'" in message
    _error(
        client.post(f"{base}/create", json={**grant, "username": "nobody"}, headers=admin),
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )
    _error(
        client.post(f"{base}/create", json={key: value, "username": "bob"}, headers=admin),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    _error(
        client.get(f"{base}/get", params={"username": "bob"}, headers=admin),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    _error(
        client.get(f"{base}/get", params={key: value, "username": "bob"}, headers=admin),
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )

    assert client.request("DELETE", f"{base}/delete", json=query, headers=admin).json() == {}
    _error(
        client.request("DELETE", f"{base}/delete", json=query, headers=admin),
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )


def test_grants_need_manage_on_the_resource(client: TestClient, users: None) -> None:
    created = client.post(
        "/api/2.0/mlflow/experiments/create", json={"name": "alices"}, headers=basic(ALICE)
    )
    experiment_id = created.json()["experiment_id"]
    grant = {"experiment_id": experiment_id, "username": "bob", "permission": "EDIT"}
    # Bob only has the default READ: he cannot grant himself more.
    _error(
        client.post(f"{EXP_PERMS}/create", json=grant, headers=basic(BOB)), 403, "PERMISSION_DENIED"
    )
    # Alice created the experiment, so she manages it and may share it.
    assert client.post(f"{EXP_PERMS}/create", json=grant, headers=basic(ALICE)).status_code == 200


def test_per_user_grants_of_the_mlflow3_client(client: TestClient, users: None) -> None:
    admin = basic(ADMIN)
    grant = {
        "username": "bob",
        "resource_type": "experiment",
        "resource_id": "0",
        "permission": "EDIT",
    }
    assert client.post(f"{V3_PERMS}/grant", json=grant, headers=admin).json() == {}
    _error(
        client.post(f"{V3_PERMS}/grant", json=grant, headers=admin), 400, "RESOURCE_ALREADY_EXISTS"
    )
    query = {"username": "bob", "resource_type": "experiment", "resource_id": "0"}
    assert client.get(f"{V3_PERMS}/get", params=query, headers=basic(BOB)).json() == {
        "allowed": True,
        "permission": "EDIT",
    }
    _error(
        client.get(f"{V3_PERMS}/get", params=query, headers=basic(ALICE)), 403, "PERMISSION_DENIED"
    )
    assert client.post(f"{V3_PERMS}/revoke", json=query, headers=admin).json() == {}
    assert client.get(f"{V3_PERMS}/get", params=query, headers=admin).json() == {
        "allowed": False,
        "permission": "READ",
    }
    _error(
        client.post(f"{V3_PERMS}/revoke", json=query, headers=admin), 404, "RESOURCE_DOES_NOT_EXIST"
    )
    bad_type = {**grant, "resource_type": "workspace"}
    _error(
        client.post(f"{V3_PERMS}/grant", json=bad_type, headers=admin),
        400,
        "INVALID_PARAMETER_VALUE",
    )


def test_cross_site_requests_are_refused(client: TestClient) -> None:
    user = {"username": "mallory", "password": "mallory-password"}
    forged = client.post(
        f"{USERS}/create",
        json=user,
        headers={**basic(ADMIN), "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    _error(forged, 403, "PERMISSION_DENIED")
    form = client.post(
        "/api/2.0/mlflow/users/create-ui",
        data=user,
        headers={**basic(ADMIN), "Origin": "http://evil.example"},
    )
    assert form.status_code == 403
    assert (
        client.get(f"{USERS}/get", params={"username": "mallory"}, headers=basic(ADMIN)).status_code
        == 404
    )
    ui = client.post(
        "/ajax-api/2.0/mlflow/users/create",
        json=user,
        headers={**basic(ADMIN), "Origin": "http://testserver", "X-Mlharbor-Csrf": "1"},
    )
    assert ui.status_code == 200


def test_signup_page_creates_users(client: TestClient) -> None:
    admin = basic(ADMIN)
    page = client.get("/signup", headers=admin)
    assert page.status_code == 200
    assert 'action="/api/2.0/mlflow/users/create-ui"' in page.text
    form = {"username": "<b>frank</b>", "password": "frank-password-1"}
    done = client.post("/api/2.0/mlflow/users/create-ui", data=form, headers=admin)
    assert done.status_code == 200
    assert "&lt;b&gt;frank&lt;/b&gt;" in done.text
    assert "<b>frank</b>" not in done.text
    again = client.post("/api/2.0/mlflow/users/create-ui", data=form, headers=admin)
    assert again.status_code == 400
    assert "already exists" in again.text
    assert client.get("/signup").status_code == 401
