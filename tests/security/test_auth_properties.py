"""Property tests over the whole permission rules table, in-process for speed.

* Every route of the rules table refuses a repeated single-valued query parameter with 400
  ``INVALID_PARAMETER_VALUE``, for plain users and admins alike, so no check can read one copy
  while the endpoint reads another.
* Every spelling of a path into alice's experiment directory (``./``, ``%2e``, ``%252e``,
  ``//``, backslashes, ``;``, ``?path=``) is refused to bob on every artifact proxy route, and
  never changes her files.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlharbor.server.app import create_app
from mlharbor.server.auth import wrap_app
from mlharbor.server.auth.rules import RULES
from mlharbor.server.params import Kind, lower_camel
from mlharbor.server.routes import Route, all_routes, expand_paths
from mlharbor.server.ui import routes as ui_routes
from tests.security.asgi import AsgiReply, basic, request
from tests.server.auth.conftest import ADMIN, write_ini

ALICE = ("alice", "alice-password-1234")
BOB = ("bob", "bob-password-12345")
SECRET = b"alice's secret"
PROXY = "/api/2.0/mlflow-artifacts/artifacts"
# What raw endpoints read from the query string, each once.
RAW_QUERY_KEYS = ("run_id", "run_uuid", "path", "name", "version", "artifact_file_path")


@dataclass(frozen=True)
class InProcess:
    app: Any
    alice_experiment: str
    alice_run: str

    def send(self, user: tuple[str, str], method: str, target: str, body: Any = None) -> AsgiReply:
        raw = (
            b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
        )
        headers = basic(user)
        if body is not None:
            headers["content-type"] = "application/json"
        return request(self.app, method, target, raw, headers)


@pytest.fixture(scope="module")
def tenants(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    workdir = tmp_path_factory.mktemp("in-process")
    ini = write_ini(workdir / "auth.ini", f"sqlite:///{workdir / 'users.db'}", "READ")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_AUTH_CONFIG_PATH", str(ini))
        app = create_app(f"sqlite:///{workdir / 'server.db'}", None, str(workdir / "artifacts"))
        wrapped = wrap_app(app, "basic-auth")
    empty = InProcess(wrapped, "", "")
    for user in (ALICE, BOB):
        created = empty.send(
            ADMIN,
            "POST",
            "/api/2.0/mlflow/users/create",
            {"username": user[0], "password": user[1]},
        )
        assert created.status == 200, created.body
    experiment = empty.send(ALICE, "POST", "/api/2.0/mlflow/experiments/create", {"name": "a"})
    experiment_id = experiment.json()["experiment_id"]
    run = empty.send(ALICE, "POST", "/api/2.0/mlflow/runs/create", {"experiment_id": experiment_id})
    run_id = run.json()["run"]["info"]["run_id"]
    put = request(
        wrapped,
        "PUT",
        f"{PROXY}/{experiment_id}/{run_id}/artifacts/secret.txt",
        SECRET,
        basic(ALICE),
    )
    assert put.status == 200, put.body
    grant = empty.send(
        ADMIN,
        "POST",
        "/api/2.0/mlflow/experiments/permissions/create",
        {"experiment_id": experiment_id, "username": "bob", "permission": "NO_PERMISSIONS"},
    )
    assert grant.status == 200, grant.body
    yield InProcess(wrapped, experiment_id, run_id)
    wrapped.store.close()


def _rule_routes() -> list[Route]:
    every = {(r.method, r.path): r for r in [*all_routes(), *ui_routes]}
    return [every[key] for key in sorted(RULES) if key in every]


def _concrete(route: Route, experiment_id: str) -> str:
    path = expand_paths(route)[0]
    return (
        path.replace("{path:path}", f"{experiment_id}/x")
        .replace("{model_id}", "m-0")
        .replace("{tag_key}", "k")
    )


def _single_valued(route: Route) -> list[str]:
    if route.raw or route.request is None:
        return list(RAW_QUERY_KEYS)
    names: list[str] = []
    for field in route.request.fields:
        if field.kind not in (Kind.STR_LIST, Kind.OBJECT_LIST):
            names.extend({field.name, lower_camel(field.name), *field.aliases})
    return names or ["anything"]


def _list_valued(route: Route) -> set[str]:
    if route.raw or route.request is None:
        return set()
    return {
        spelling
        for field in route.request.fields
        if field.kind in (Kind.STR_LIST, Kind.OBJECT_LIST)
        for name in (field.name, *field.aliases)
        for spelling in (name, lower_camel(name))
    }


def test_every_rule_route_is_walked() -> None:
    assert len(_rule_routes()) == len(RULES)


_values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12)


@pytest.mark.parametrize("route", _rule_routes(), ids=lambda r: f"{r.method} {r.path or '(empty)'}")
@settings(max_examples=6, deadline=None)
@given(data=st.data(), first=_values, second=_values)
def test_repeated_parameters_are_refused_on_every_rule_route(
    tenants: InProcess, route: Route, data: st.DataObject, first: str, second: str
) -> None:
    key = data.draw(st.sampled_from(_single_valued(route)) | st.text(min_size=1, max_size=8))
    if urllib.parse.unquote(key) in _list_valued(route):
        return
    # The key once as is, once fully percent-encoded: both name the same parameter.
    encoded = "".join(f"%{byte:02X}" for byte in key.encode())
    spelled = data.draw(st.sampled_from([urllib.parse.quote(key, safe=""), encoded]))
    query = f"{urllib.parse.quote(key, safe='')}={urllib.parse.quote(first, safe='')}"
    query += f"&{spelled}={urllib.parse.quote(second, safe='')}"
    target = f"{_concrete(route, tenants.alice_experiment)}?{query}"
    body = b"{}" if route.method in ("POST", "PATCH", "DELETE", "PUT") else None
    for user in (BOB, ADMIN):
        reply = tenants.send(user, route.method, target, body)
        assert reply.status == 400, (user[0], target, reply.status, reply.body[:300])
        assert reply.json()["error_code"] == "INVALID_PARAMETER_VALUE"


# -- artifact path spellings ---------------------------------------------------------------------

_SEPARATORS = ["/", "//", "\\", "%2f", "%5c", "%252f"]
_JUNK = [".", "%2e", "%252e", "", ";", ".;x", "%3b"]
_EXPERIMENT = ["{e}", "%3{last}", "%253{last}", "0{e}", "{e};x", "{e}%3bx", "{e}."]


@st.composite
def _spellings(draw: st.DrawFn, experiment_id: str, rest: str) -> str:
    prefix = draw(st.lists(st.sampled_from(_JUNK), max_size=3))
    separator = draw(st.sampled_from(_SEPARATORS))
    named = draw(st.sampled_from(_EXPERIMENT)).format(e=experiment_id, last=experiment_id[-1])
    if len(experiment_id) > 1 and named.startswith(("%3", "%253")):
        named = experiment_id  # the encoded forms spell one digit
    parts = [*prefix, named, *rest.split("/")]
    return draw(st.sampled_from(["", "/"])) + separator.join(parts)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_artifact_path_spellings_never_reach_another_users_files(
    tenants: InProcess, data: st.DataObject
) -> None:
    rest = f"{tenants.alice_run}/artifacts/secret.txt"
    spelled = data.draw(_spellings(tenants.alice_experiment, rest))
    query = urllib.parse.quote(spelled, safe="%")
    method, target = data.draw(
        st.sampled_from(
            [
                ("GET", f"{PROXY}/{spelled}"),
                ("PUT", f"{PROXY}/{spelled}"),
                ("DELETE", f"{PROXY}/{spelled}"),
                ("GET", f"{PROXY}?path={query}"),
                ("GET", f"{PROXY}/x?path={query}"),
                ("GET", f"/api/2.0/mlflow-artifacts/presigned/{spelled}"),
                ("POST", f"/api/2.0/mlflow-artifacts/mpu/create/{spelled}"),
            ]
        )
    )
    body = b"planted" if method == "PUT" else b"{}" if method == "POST" else b""
    headers = {**basic(BOB), "content-type": "application/json"}
    reply = request(tenants.app, method, target, body, headers)
    assert 400 <= reply.status < 500, (target, reply.status, reply.body[:300])
    assert set(reply.json()) == {"error_code", "message"}
    assert SECRET not in reply.body
    own = request(
        tenants.app, "GET", f"{PROXY}/{tenants.alice_experiment}/{rest}", b"", basic(ALICE)
    )
    assert own.body == SECRET


def _every_route() -> list[Route]:
    from mlharbor.server.auth.routes import routes as auth_routes

    return [*all_routes(), *ui_routes, *auth_routes]


@pytest.mark.parametrize("route", _every_route(), ids=lambda r: f"{r.method} {r.path or '(empty)'}")
def test_every_route_needs_credentials(tenants: InProcess, route: Route) -> None:
    from mlharbor.server.auth.middleware import PUBLIC_ROUTES

    body = b"{}" if route.method in ("POST", "PATCH", "DELETE", "PUT") else b""
    headers = {"content-type": "application/json"} if body else {}
    reply = request(tenants.app, route.method, _concrete(route, "0"), body, headers)
    if (route.method, route.path) in PUBLIC_ROUTES:
        assert reply.status != 401
    else:
        assert reply.status == 401, (route.method, route.path, reply.status)
        assert reply.json()["error_code"] == "UNAUTHENTICATED"
