"""Bob, holding no permission on alice's experiment or model, tries every known way to read or
overwrite her artifacts through a basic-auth server; each class of attempt is refused.

Each test sends the attack as written and checks both the answer and that alice's files are
untouched.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator

import pytest

from tests.security.multi_user import (
    ALICE,
    BOB,
    PICKLE,
    PROXY,
    SECRET,
    Reply,
    Tenants,
    start_tenants,
)


@pytest.fixture(scope="module")
def tenants(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tenants]:
    yield from start_tenants(tmp_path_factory.mktemp("tenants"))


def _refused(reply: Reply, *statuses: int) -> None:
    allowed = statuses or (400, 403, 404)
    assert reply.status in allowed, (reply.status, reply.body)
    assert isinstance(reply.body, dict), reply.body
    assert set(reply.body) == {"error_code", "message"}
    assert SECRET not in repr(reply.body).encode()


def _untouched(tenants: Tenants) -> None:
    assert tenants.alice_file("secret.txt") == SECRET
    assert tenants.alice_file("model/model.pkl") == PICKLE


# -- 1. the permission check and the handler read the same values -----------------------------


def test_repeated_run_id_does_not_reach_alices_run(tenants: Tenants) -> None:
    bob, alice = tenants.bob_run, tenants.alice_run
    for key in ("run_id", "run_uuid"):
        reply = tenants.send(BOB, "GET", f"/get-artifact?{key}={bob}&{key}={alice}&path=secret.txt")
        _refused(reply, 400)
        assert reply.body["error_code"] == "INVALID_PARAMETER_VALUE"
    reply = tenants.send(BOB, "GET", f"/get-artifact?run_id={bob}&run_uuid={alice}&path=secret.txt")
    assert reply.status == 404 or reply.body != SECRET


def test_repeated_model_name_does_not_reach_alices_model(tenants: Tenants) -> None:
    reply = tenants.send(
        BOB,
        "GET",
        "/model-versions/get-artifact?name=bob-model&name=alice-model&version=1&path=model.pkl",
    )
    _refused(reply, 400)
    assert reply.body["error_code"] == "INVALID_PARAMETER_VALUE"


def test_repeated_upload_target_does_not_overwrite_alices_model(tenants: Tenants) -> None:
    bob, alice = tenants.bob_run, tenants.alice_run
    target = (
        f"/ajax-api/2.0/mlflow/upload-artifact?run_uuid={bob}&run_uuid={alice}&path=model/model.pkl"
    )
    reply = tenants.send(BOB, "POST", target, b"planted", "application/octet-stream")
    _refused(reply, 400)
    _untouched(tenants)


# -- 2. an experiment's artifact location never aliases another's -------------------------------


def _aliasing_locations(tenants: Tenants) -> list[str]:
    alice = tenants.alice_experiment
    destination = tenants.workdir / "artifacts"
    return [
        f"mlflow-artifacts:/{alice}#",
        "mlflow-artifacts:/#",
        f"mlflow-artifacts:/{alice}?x=1",
        f"mlflow-artifacts:/{alice}",
        f"mlflow-artifacts:/%3{alice}" if len(alice) == 1 else f"mlflow-artifacts:/./{alice}",
        f"mlflow-artifacts:/./{alice}",
        f"mlflow-artifacts:///{alice}",
        "mlflow-artifacts:",
        f"{destination}/{alice}",
        f"file://{destination}/{alice}",
        f"{destination}/x/../{alice}",
    ]


def test_artifact_locations_cannot_alias_another_experiment(tenants: Tenants) -> None:
    for number, location in enumerate(_aliasing_locations(tenants)):
        reply = tenants.send(
            BOB,
            "POST",
            "/api/2.0/mlflow/experiments/create",
            {"name": f"alias-{number}", "artifact_location": location},
        )
        _refused(reply, 400)
        assert reply.body["error_code"] == "INVALID_PARAMETER_VALUE", location


def test_query_and_fragment_locations_are_refused_without_auth_too(tenants: Tenants) -> None:
    for location in ("s3://bucket/x#y", "s3://bucket/x?versionId=1", "/tmp/elsewhere#"):
        reply = tenants.send(
            ALICE,
            "POST",
            "/api/2.0/mlflow/experiments/create",
            {"name": f"fragment {location}", "artifact_location": location},
        )
        _refused(reply, 400)
    outside = tenants.send(
        ALICE,
        "POST",
        "/api/2.0/mlflow/experiments/create",
        {"name": "own bucket", "artifact_location": "s3://alices-bucket/runs"},
    )
    assert outside.status == 200, outside.body


# -- 3. creating a model version needs READ on what it copies ----------------------------------


def test_model_version_needs_read_on_the_source_run(tenants: Tenants) -> None:
    alice_exp, alice_run = tenants.alice_experiment, tenants.alice_run
    reply = tenants.send(
        BOB,
        "POST",
        "/api/2.0/mlflow/model-versions/create",
        {
            "name": "bob-model",
            "source": f"mlflow-artifacts:/{alice_exp}/{alice_run}/artifacts",
            "run_id": alice_run,
        },
    )
    _refused(reply, 403)
    versions = tenants.ok(
        BOB, "GET", "/api/2.0/mlflow/model-versions/search?filter=name%3D'bob-model'"
    )
    assert [v["version"] for v in versions["model_versions"]] == ["1"]


def test_model_version_needs_read_on_a_models_source(tenants: Tenants) -> None:
    for source in ("models:/alice-model/1", "models:/alice-model/latest"):
        reply = tenants.send(
            BOB,
            "POST",
            "/api/2.0/mlflow/model-versions/create",
            {"name": "bob-model", "source": source},
        )
        _refused(reply, 403)


def test_model_version_needs_read_on_a_logged_model_source(tenants: Tenants) -> None:
    created = tenants.ok(
        ALICE,
        "POST",
        "/api/2.0/mlflow/logged-models",
        {"experiment_id": tenants.alice_experiment, "name": "alice-logged"},
    )
    model_id = created["model"]["info"]["model_id"]
    reply = tenants.send(
        BOB,
        "POST",
        "/api/2.0/mlflow/model-versions/create",
        {"name": "bob-model", "source": f"models:/{model_id}", "model_id": model_id},
    )
    _refused(reply, 403)


# -- 4. proxied artifact paths are normalised once, then checked --------------------------------


def _spellings(experiment: str, rest: str) -> list[str]:
    return [
        f"./{experiment}/{rest}",
        f"%2e/{experiment}/{rest}",
        f"%252e/{experiment}/{rest}",
        f"/{experiment}/{rest}",
        f".%2f{experiment}/{rest}",
        f"0{experiment}/{rest}",
        f"{experiment};x/{rest}",
        f".\\{experiment}/{rest}",
    ]


def test_proxy_path_spellings_do_not_reach_alices_files(tenants: Tenants) -> None:
    rest = f"{tenants.alice_run}/artifacts/secret.txt"
    for spelling in _spellings(tenants.alice_experiment, rest):
        reply = tenants.send(BOB, "GET", f"{PROXY}/{spelling}")
        _refused(reply)
        listed = tenants.send(
            BOB, "GET", f"{PROXY}?path={urllib.parse.quote(spelling.rsplit('/', 1)[0])}"
        )
        _refused(listed)
    whole = tenants.send(BOB, "GET", f"{PROXY}?path={tenants.alice_experiment}")
    _refused(whole)
    root = tenants.send(BOB, "GET", PROXY)
    _refused(root, 403)


def test_proxy_path_spellings_do_not_overwrite_alices_files(tenants: Tenants) -> None:
    rest = f"{tenants.alice_run}/artifacts/model/model.pkl"
    for spelling in _spellings(tenants.alice_experiment, rest):
        reply = tenants.send(BOB, "PUT", f"{PROXY}/{spelling}", b"planted", "text/plain")
        _refused(reply)
        reply = tenants.send(BOB, "DELETE", f"{PROXY}/{spelling}")
        _refused(reply)
    _untouched(tenants)


def test_alice_still_reaches_her_files_through_the_plain_spelling(tenants: Tenants) -> None:
    _untouched(tenants)
    listed = tenants.ok(ALICE, "GET", f"{PROXY}?path={tenants.alice_experiment}")
    assert listed["files"] == [{"path": tenants.alice_run, "is_dir": True}]


# -- 5. a run created without an experiment lands where the sender may write -------------------


def test_run_without_experiment_id_needs_update_on_the_default_experiment(
    tenants: Tenants,
) -> None:
    reply = tenants.send(BOB, "POST", "/api/2.0/mlflow/runs/create", {"run_name": "stray"})
    _refused(reply, 403)
    assert reply.body["error_code"] == "PERMISSION_DENIED"


# -- the same attempts through the official client and ours ------------------------------------


def _client_attempts(tenants: Tenants, python: str, module: str) -> dict[str, object]:
    import json
    import os
    import subprocess
    from pathlib import Path

    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": tenants.server.url,
        "MLFLOW_TRACKING_USERNAME": BOB[0],
        "MLFLOW_TRACKING_PASSWORD": BOB[1],
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "GIT_PYTHON_REFRESH": "quiet",
        "ALICE_EXPERIMENT": tenants.alice_experiment,
        "ALICE_RUN": tenants.alice_run,
    }
    script = Path(__file__).parent / "clients" / "bob_attempts.py"
    completed = subprocess.run(
        [python, str(script), module],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    results: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return results


def _assert_bob_kept_out(results: dict[str, object], tenants: Tenants) -> None:
    assert results == {
        "read_alice_run": "PERMISSION_DENIED",
        "download_alice_artifact": "PERMISSION_DENIED",
        "log_to_alice_run": "PERMISSION_DENIED",
        "alias_alice_location": "INVALID_PARAMETER_VALUE",
        "version_from_alice_run": "PERMISSION_DENIED",
        "version_from_alice_model": "PERMISSION_DENIED",
        "read_alice_model": "PERMISSION_DENIED",
        "own_artifact": "bob's notes",
        "own_version": "1",
    }
    _untouched(tenants)


@pytest.mark.interop
def test_official_client_as_bob(tenants: Tenants, mlflow_python: str) -> None:
    _assert_bob_kept_out(_client_attempts(tenants, mlflow_python, "mlflow"), tenants)


def test_mlharbor_client_as_bob(tenants: Tenants) -> None:
    import sys

    _assert_bob_kept_out(_client_attempts(tenants, sys.executable, "mlharbor"), tenants)
