"""The official MLflow 3.17.2 client drives the registry of a real ``mlharbor server``.

The seed workflows run as MLflow users write them: ``register_model`` from a ``runs:/`` URI
(plain artifacts and MLflow-3 logged models), aliases switched between champion and challenger,
tags, legacy stages with ``archive_existing_versions``, searches, copy, rename and deletes.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.servers import RunningServer

pytestmark = pytest.mark.interop

SCRIPT = textwrap.dedent(
    """
    import json, sys, warnings
    warnings.simplefilter("ignore")
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    mlflow.set_tracking_uri(sys.argv[1])
    client = MlflowClient()
    out = {}
    mlflow.set_experiment("registry-seed")
    with mlflow.start_run() as run:
        mlflow.log_param("n_estimators", 10)
        mlflow.log_metric("accuracy", 0.95)
        mlflow.log_text("flavors: {}\\n", "model/MLmodel")
    run_id = run.info.run_id

    # seed 000: a plain artifact directory registered from runs:/
    v1 = mlflow.register_model(f"runs:/{run_id}/model", "iris-rf")
    client.set_registered_model_alias("iris-rf", "production", v1.version)
    out["plain"] = [v1.version, v1.source, v1.run_id]
    out["by_alias"] = client.get_model_version_by_alias("iris-rf", "production").version
    out["download"] = client.get_model_version_download_uri("iris-rf", v1.version)

    # MLflow 3: a logged model, reached through runs:/ (no run artifacts) and models:/<id>
    experiment_id = run.info.experiment_id
    model = client.create_logged_model(experiment_id, name="clf", source_run_id=run_id)
    client.finalize_logged_model(model.model_id, "READY")
    v2 = mlflow.register_model(f"runs:/{run_id}/clf", "iris-rf")
    v3 = mlflow.register_model(
        f"models:/{model.model_id}", "iris-rf", tags={"origin": "models-uri"}
    )
    out["logged"] = [v2.version, v2.source, v3.version, v3.source, v3.run_id]
    out["model_versions_tag"] = json.loads(
        client.get_logged_model(model.model_id).tags["mlflow.modelVersions"]
    )
    out["logged_download"] = client.get_model_version_download_uri("iris-rf", v3.version)

    # seed 002: champion / challenger
    client.set_registered_model_alias("iris-rf", "champion", "2")
    client.set_registered_model_alias("iris-rf", "challenger", "3")
    client.set_registered_model_alias("iris-rf", "champion", "3")
    client.delete_registered_model_alias("iris-rf", "challenger")
    out["aliases"] = client.get_registered_model("iris-rf").aliases
    client.set_registered_model_tag("iris-rf", "task", "classification")
    client.set_model_version_tag("iris-rf", "3", "validation_status", "approved")
    client.update_registered_model("iris-rf", "Iris classifier")
    client.update_model_version("iris-rf", "3", "third")

    # seed 004: legacy stages, promote_to_production archives the previous production version
    client.transition_model_version_stage("iris-rf", "1", "Staging")
    client.transition_model_version_stage("iris-rf", "2", "Production")
    client.transition_model_version_stage(
        "iris-rf", "3", "Production", archive_existing_versions=True
    )
    out["latest"] = sorted(
        (v.version, v.current_stage) for v in client.get_latest_versions("iris-rf")
    )
    out["production"] = [v.version for v in client.get_latest_versions("iris-rf", ["production"])]
    out["search_models"] = [m.name for m in client.search_registered_models("name LIKE 'iris%'")]
    out["search_versions"] = [
        v.version
        for v in client.search_model_versions(
            "name='iris-rf' and tags.validation_status = 'approved'"
        )
    ]
    out["fluent_search"] = [m.name for m in mlflow.search_registered_models()]
    model_info = client.get_registered_model("iris-rf")
    out["model"] = [model_info.description, model_info.tags]

    copy = client.copy_model_version("models:/iris-rf/3", "iris-copy")
    out["copy"] = [copy.name, copy.version, copy.source]
    client.rename_registered_model("iris-copy", "iris-renamed")
    out["renamed"] = [v.name for v in client.search_model_versions("name = 'iris-renamed'")]
    client.delete_model_version("iris-rf", "1")
    out["after_delete"] = mlflow.register_model(f"runs:/{run_id}/model", "iris-rf").version
    client.delete_registered_model("iris-renamed")

    errors = []
    for call in (
        lambda: client.get_registered_model("no-such-model"),
        lambda: client.create_registered_model("iris-rf"),
        lambda: client.get_model_version("iris-rf", "99"),
        lambda: client.get_model_version_by_alias("iris-rf", "nope"),
        lambda: client.set_registered_model_alias("iris-rf", "v2", "3"),
        lambda: client.transition_model_version_stage("iris-rf", "3", "Prod"),
        lambda: client.create_model_version("iris-rf", "/etc/passwd", run_id=run_id),
    ):
        try:
            call()
            errors.append(None)
        except MlflowException as exc:
            errors.append(exc.error_code)
    out["errors"] = errors
    print("RESULT " + json.dumps(out))
    """
)


def _run_official(mlflow_python: str, url: str, workdir: Path) -> dict[str, Any]:
    script = workdir / "flow.py"
    script.write_text(SCRIPT)
    env = {
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [mlflow_python, str(script), url],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=workdir,
        env=env,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    log = done.stdout[-3000:] + done.stderr[-3000:]
    assert done.returncode == 0, log
    assert lines, log
    result: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
    return result


def test_registry_seed_flows(
    harbor_server: RunningServer, mlflow_python: str, tmp_path: Path
) -> None:
    out = _run_official(mlflow_python, harbor_server.url, tmp_path)
    version, source, run_id = out["plain"]
    assert version == "1"
    assert source == f"mlflow-artifacts:/1/{run_id}/artifacts/model"
    assert out["by_alias"] == "1"
    assert out["download"] == source

    v2, v2_source, v3, v3_source, v3_run = out["logged"]
    assert (v2, v3) == ("2", "3")
    assert v2_source == v3_source
    assert v3_source.startswith("models:/m-")
    assert v3_run == run_id
    model_id = v3_source[len("models:/") :]
    # the server records each version as a number, the official client appends a string
    assert out["model_versions_tag"] == [
        {"name": "iris-rf", "version": 2},
        {"name": "iris-rf", "version": "2"},
        {"name": "iris-rf", "version": 3},
        {"name": "iris-rf", "version": "3"},
    ]
    assert out["logged_download"] == f"mlflow-artifacts:/1/models/{model_id}/artifacts"

    assert out["aliases"] == {"champion": "3", "production": "1"}
    assert out["latest"] == [["1", "Staging"], ["2", "Archived"], ["3", "Production"]]
    assert out["production"] == ["3"]
    assert out["search_models"] == ["iris-rf"]
    assert out["search_versions"] == ["3"]
    assert out["fluent_search"] == ["iris-rf"]
    assert out["model"] == ["Iris classifier", {"task": "classification"}]
    assert out["copy"] == ["iris-copy", "1", "models:/iris-rf/3"]
    assert out["renamed"] == ["iris-renamed"]
    assert out["after_delete"] == "4"
    assert out["errors"] == [
        "RESOURCE_DOES_NOT_EXIST",
        "RESOURCE_ALREADY_EXISTS",
        "RESOURCE_DOES_NOT_EXIST",
        "INVALID_PARAMETER_VALUE",
        "INVALID_PARAMETER_VALUE",
        "INVALID_PARAMETER_VALUE",
        "INVALID_PARAMETER_VALUE",
    ]
