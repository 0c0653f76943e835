"""Docker build contexts, and ``build-docker`` when no Docker engine answers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlharbor.cli.models import models
from mlharbor.exceptions import InvalidParameterValue, MlharborException
from mlharbor.serving.docker import build_docker, generate_dockerfile


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", "", dockerfile)
    lines = [line for line in joined.splitlines() if line.strip() and not line.startswith("#")]
    return [tuple(line.split(None, 1)) for line in lines]  # type: ignore[misc]


def test_generated_context(iris_model_dir: str, tmp_path: Path) -> None:
    context = generate_dockerfile(iris_model_dir, str(tmp_path / "ctx"))
    root = Path(context.directory)
    assert (root / "model" / "MLmodel").is_file()
    assert (root / "lib" / "mlharbor" / "serving" / "app.py").is_file()
    assert not list((root / "lib").rglob("__pycache__"))
    requirements = (root / "requirements.txt").read_text().splitlines()
    names = {re.split(r"[\[=<>!~ ]", line)[0].lower() for line in requirements}
    assert {"scikit-learn", "uvicorn", "orjson", "pandas"} <= names
    assert not names & {"mlflow", "mlharbor"}
    steps = _instructions(Path(context.dockerfile).read_text())
    kinds = [kind for kind, _ in steps]
    assert steps[0] == ("FROM", f"python:{sys.version_info[0]}.{sys.version_info[1]}-slim")
    assert kinds.index("USER") > kinds.index("RUN")
    assert dict(steps)["USER"] == "10001"
    assert dict(steps)["EXPOSE"] == "8080"
    healthcheck = dict(steps)["HEALTHCHECK"]
    assert "http://127.0.0.1:8080/ping" in healthcheck
    assert "mlharbor.serving.app:create_app_from_env" in dict(steps)["CMD"]


def test_generated_context_starts_the_server(iris_model_dir: str, tmp_path: Path) -> None:
    """The image's command, run here with the context's own package copy, serves the model."""
    from tests.fixtures.servers import free_port, run_server

    context = generate_dockerfile(iris_model_dir, str(tmp_path / "ctx"))
    root = Path(context.directory)
    port = free_port()
    cmd = [
        sys.executable, "-m", "uvicorn", "--factory",
        "mlharbor.serving.app:create_app_from_env", "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    env = {
        "PYTHONPATH": str(root / "lib"),
        "MLHARBOR_SERVING_MODEL_URI": str(root / "model"),
    }
    import requests

    with run_server(cmd, port, "/ping", env, cwd=root) as server:
        answer = requests.post(f"{server.url}/predict", json={"features": [5.1, 3.5, 1.4, 0.2]})
    assert answer.json() == {"prediction": 0}


def test_refuses_to_overwrite_a_context(iris_model_dir: str, tmp_path: Path) -> None:
    generate_dockerfile(iris_model_dir, str(tmp_path / "ctx"))
    with pytest.raises(InvalidParameterValue, match="already contains a 'model' directory"):
        generate_dockerfile(iris_model_dir, str(tmp_path / "ctx"))


def test_build_without_an_engine_fails_clearly(
    iris_model_dir: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a socket path nothing listens on: no engine answers even where Docker is installed
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    docker = subprocess.run(["which", "docker"], capture_output=True, text=True, check=False)
    if docker.returncode != 0:
        with pytest.raises(MlharborException, match="'docker' command was not found"):
            build_docker(iris_model_dir, "iris:test")
        return
    with pytest.raises(MlharborException, match="No Docker engine answers"):
        build_docker(iris_model_dir, "iris:test")
    result = CliRunner().invoke(models, ["build-docker", "-m", iris_model_dir, "-n", "iris:test"])
    assert result.exit_code == 1
    assert "No Docker engine answers" in result.stderr


def test_build_without_docker_installed(iris_model_dir: str, tmp_path: Path) -> None:
    missing = os.path.join(str(tmp_path), "docker")
    with pytest.raises(MlharborException, match="'docker' command was not found"):
        build_docker(iris_model_dir, "iris:test", docker=missing)


def test_cli_generate_dockerfile(iris_model_dir: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        models, ["generate-dockerfile", "-m", iris_model_dir, "-d", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "Dockerfile").is_file()
    assert "Wrote" in result.output
