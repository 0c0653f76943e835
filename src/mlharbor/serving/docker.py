"""A container image for a model: Dockerfile, build context and ``docker build``.

The build context holds the model directory, a copy of the installed ``mlharbor`` package (so
building needs no package index for mlharbor itself) and ``requirements.txt``: mlharbor's own
dependencies plus the model's, minus MLflow. The image runs the scoring server on port 8080 as
an unprivileged user, with a ``HEALTHCHECK`` on ``/ping``.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from mlharbor.exceptions import InvalidParameterValue, MlharborException

__all__ = ["DEFAULT_PORT", "DockerContext", "build_docker", "generate_dockerfile"]

DEFAULT_PORT = 8080
_MODEL_DIR = "model"
_LIB_DIR = "lib"
_USER_ID = 10001
_SKIPPED_REQUIREMENTS = {"mlflow", "mlflow-skinny", "mlharbor"}
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_DOCKER_TIMEOUT_S = 20

_DOCKERFILE = """\
# Scoring server for {model_uri}
FROM {base_image}

ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    PIP_NO_CACHE_DIR=1 \\
    PIP_DISABLE_PIP_VERSION_CHECK=1 \\
    PYTHONPATH=/opt/mlharbor/{lib_dir} \\
    MLHARBOR_SERVING_MODEL_URI=/opt/mlharbor/{model_dir} \\
    MLHARBOR_SERVING_WORKERS=1

RUN useradd --create-home --uid {uid} --shell /usr/sbin/nologin mlharbor
WORKDIR /opt/mlharbor

COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY {lib_dir}/ ./{lib_dir}/
COPY {model_dir}/ ./{model_dir}/

USER {uid}
EXPOSE {port}
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \\
    CMD python -c "import sys, urllib.request; \\
sys.exit(urllib.request.urlopen('http://127.0.0.1:{port}/ping', timeout=4).status != 200)"

CMD ["sh", "-c", "exec python -m uvicorn --factory mlharbor.serving.app:create_app_from_env \\
--host 0.0.0.0 --port {port} --workers ${{MLHARBOR_SERVING_WORKERS}}"]
"""


@dataclass(frozen=True)
class DockerContext:
    """A generated build context: its directory, Dockerfile and requirement lines."""

    directory: str
    dockerfile: str
    requirements: list[str]


def _requirement_name(line: str) -> str | None:
    match = _NAME.match(line)
    return match.group(1).lower().replace("_", "-") if match else None


def _own_requirements() -> list[str]:
    lines = []
    for requirement in metadata.requires("mlharbor") or []:
        if "extra ==" in requirement:
            continue
        lines.append(requirement.split(";")[0].strip())
    return lines


def _model_requirements(model_dir: str) -> list[str]:
    path = os.path.join(model_dir, "requirements.txt")
    if not os.path.isfile(path):
        return []
    lines = []
    for raw in Path(path).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "-")):
            continue
        if _requirement_name(line) in _SKIPPED_REQUIREMENTS:
            continue
        lines.append(line)
    return lines


def _merge(own: list[str], model: list[str]) -> list[str]:
    """The model's pins win over mlharbor's ranges for the same distribution."""
    pinned = {_requirement_name(line) for line in model}
    return [line for line in own if _requirement_name(line) not in pinned] + model


def _python_version(model_dir: str) -> str:
    from mlharbor.models.model import Model

    try:
        conf = Model.load(model_dir).flavors.get("python_function") or {}
    except MlharborException:
        conf = {}
    version = str(conf.get("python_version") or platform.python_version())
    major_minor = ".".join(version.split(".")[:2])
    return major_minor if re.fullmatch(r"\d+\.\d+", major_minor) else "3.11"


def _copy_model(model_uri: str, destination: str) -> None:
    from mlharbor.models.uri import download_model

    source = download_model(model_uri)
    if not os.path.isfile(os.path.join(source, "MLmodel")):
        raise InvalidParameterValue(f"'{model_uri}' is not a model directory (no MLmodel file)")
    shutil.copytree(source, destination)


def _copy_package(destination: str) -> None:
    import mlharbor

    package_dir = os.path.dirname(os.path.abspath(mlharbor.__file__))
    shutil.copytree(
        package_dir,
        os.path.join(destination, "mlharbor"),
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


def generate_dockerfile(
    model_uri: str,
    output_dir: str,
    *,
    base_image: str | None = None,
    port: int = DEFAULT_PORT,
) -> DockerContext:
    """Write a Docker build context for serving ``model_uri`` into ``output_dir``.

    Args:
        model_uri: any model URI; the model is copied into the context.
        output_dir: created if missing; must not already hold a ``model`` directory.
        base_image: default ``python:<model's python major.minor>-slim``.
        port: the port the server listens on inside the container.

    Raises:
        InvalidParameterValue: when ``output_dir`` already holds a generated context.
    """
    os.makedirs(output_dir, exist_ok=True)
    model_dir = os.path.join(output_dir, _MODEL_DIR)
    if os.path.exists(model_dir):
        raise InvalidParameterValue(
            f"'{output_dir}' already contains a '{_MODEL_DIR}' directory; choose an empty directory"
        )
    _copy_model(model_uri, model_dir)
    _copy_package(os.path.join(output_dir, _LIB_DIR))
    requirements = _merge(_own_requirements(), _model_requirements(model_dir))
    Path(output_dir, "requirements.txt").write_text("\n".join(requirements) + "\n")
    dockerfile = _DOCKERFILE.format(
        model_uri=model_uri.replace("\n", " "),
        base_image=base_image or f"python:{_python_version(model_dir)}-slim",
        lib_dir=_LIB_DIR,
        model_dir=_MODEL_DIR,
        uid=_USER_ID,
        port=port,
    )
    dockerfile_path = os.path.join(output_dir, "Dockerfile")
    Path(dockerfile_path).write_text(dockerfile)
    Path(output_dir, ".dockerignore").write_text("**/__pycache__\n**/*.pyc\n")
    return DockerContext(
        directory=os.path.abspath(output_dir), dockerfile=dockerfile_path, requirements=requirements
    )


def _docker_engine_answers(docker: str) -> None:
    try:
        probe = subprocess.run(
            [docker, "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            text=True,
            timeout=_DOCKER_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise MlharborException(
            f"No Docker engine answered within {_DOCKER_TIMEOUT_S} s. Start Docker (or point "
            "DOCKER_HOST at a running engine) and try again."
        ) from None
    if probe.returncode != 0 or not probe.stdout.strip():
        detail = (probe.stderr or probe.stdout).strip().splitlines()
        raise MlharborException(
            "No Docker engine answers, so the image cannot be built. Start Docker (or point "
            "DOCKER_HOST at a running engine) and try again."
            + (f" Docker said: {detail[-1]}" if detail else "")
        )


def build_docker(
    model_uri: str,
    image_name: str,
    *,
    base_image: str | None = None,
    docker: str | None = None,
) -> DockerContext:
    """Generate a build context for ``model_uri`` and ``docker build -t image_name`` it.

    Raises:
        MlharborException: when Docker is not installed, no engine answers, or the build fails.
    """
    executable = docker or shutil.which("docker")
    if executable is None or not os.path.exists(executable):
        raise MlharborException(
            "The 'docker' command was not found. Install Docker to build images, or use "
            "'mlharbor models generate-dockerfile' and build the context elsewhere."
        )
    _docker_engine_answers(executable)
    with tempfile.TemporaryDirectory(prefix="mlharbor-docker-") as scratch:
        context = generate_dockerfile(model_uri, scratch, base_image=base_image)
        result = subprocess.run([executable, "build", "-t", image_name, scratch], check=False)
        if result.returncode != 0:
            raise MlharborException(
                f"docker build of '{image_name}' failed with exit code {result.returncode}"
            )
    return context
