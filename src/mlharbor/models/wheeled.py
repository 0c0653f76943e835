"""``add_libraries_to_model``: a new registered version whose requirements are bundled wheels.

The registered model is copied, ``pip wheel`` builds every line of its ``requirements.txt``
into ``wheels/``, ``requirements.txt`` and ``conda.yaml`` then name those files
(``original_requirements.txt`` keeps the old lines), and ``MLmodel`` records the platform the
wheels were built on under ``wheels``. The result installs without a package index, on the same
platform. Like MLflow, ``MLFLOW_WHEELED_MODEL_PIP_DOWNLOAD_OPTIONS`` (default
``--only-binary=:all:``) picks pip's options from a fixed list.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, MlharborException

__all__ = ["add_libraries_to_model"]

_WHEELS = "wheels"
_WHEELS_NAME = "model_wheels"
_ORIGINAL_REQUIREMENTS = "original_requirements.txt"
_OPTIONS_ENV = "MLFLOW_WHEELED_MODEL_PIP_DOWNLOAD_OPTIONS"
_ALLOWED_OPTIONS = frozenset(
    {
        "--only-binary=:all:",
        "--only-binary=:none:",
        "--no-binary=:all:",
        "--no-binary=:none:",
        "--prefer-binary",
        "--no-build-isolation",
        "--use-pep517",
        "--check-build-dependencies",
        "--ignore-requires-python",
        "--no-deps",
        "--no-verify",
        "--pre",
        "--require-hashes",
        "--no-clean",
    }
)


def add_libraries_to_model(
    model_uri: str, run_id: str | None = None, registered_model_name: str | None = None
) -> Any:
    """Log the registered model ``model_uri`` again with its requirements as wheels, and
    register that copy as a new version (of ``registered_model_name``, default: the same
    registered model).

    Args:
        model_uri: ``models:/<name>/<version|stage|latest>`` or ``models:/<name>@<alias>``.
        run_id: the run to log to when none is active; default: the version's source run
            (a new run when it has none).

    Returns:
        The :class:`~mlharbor.models.ModelInfo` of the new model.

    Raises:
        InvalidParameterValue: not a registered model URI, or bad pip options.
        MlharborException: the model already holds wheels, has no requirements, or pip fails.
    """
    from mlharbor.client import active_run as fluent
    from mlharbor.client.client import MlharborClient
    from mlharbor.client.registry_client import resolve_model_version
    from mlharbor.models.log import log_model as log_flow
    from mlharbor.models.uri import parse_models_uri

    target = parse_models_uri(str(model_uri))
    if target.name is None:
        raise InvalidParameterValue(
            f"add_libraries_to_model needs a registered model URI "
            f"(models:/<name>/<version>), got {model_uri!r}"
        )
    version = resolve_model_version(MlharborClient()._registry_store, str(model_uri))

    def log() -> Any:
        return log_flow(
            _save_with_wheels,
            name=_WHEELS_NAME,
            registered_model_name=registered_model_name or target.name,
            model_uri=str(model_uri),
        )

    if fluent.active_run() is not None:
        return log()
    with fluent.start_run(run_id=run_id or version.run_id or None):
        return log()


def _save_with_wheels(path: str, mlflow_model: Any, model_uri: str) -> None:
    """Copy the model to ``path`` with its requirements built as wheels; ``mlflow_model`` takes
    the copy's metadata and keeps its own identity (run, logged model, location)."""
    import tempfile

    from mlharbor.models.environment import CONDA_FILE, REQUIREMENTS_FILE
    from mlharbor.models.model import Model
    from mlharbor.models.model_dir import model_directory
    from mlharbor.models.uri import download_model

    with model_directory(path, mlflow_model) as draft:
        with tempfile.TemporaryDirectory(prefix="mlharbor-wheeled-") as tmp:
            shutil.copytree(download_model(model_uri, tmp), draft.directory, dirs_exist_ok=True)
        original = Model.load(draft.directory)
        if _WHEELS in original.extra:
            raise MlharborException("Model libraries are already added")
        requirements = os.path.join(draft.directory, REQUIREMENTS_FILE)
        if not os.path.isfile(requirements):
            raise MlharborException("Cannot add libraries for model with no logged dependencies.")
        wheels_dir = os.path.join(draft.directory, _WHEELS)
        _build_wheels(requirements, wheels_dir)
        shutil.copy2(requirements, os.path.join(draft.directory, _ORIGINAL_REQUIREMENTS))
        wheels = sorted(f"{_WHEELS}/{n}" for n in os.listdir(wheels_dir) if n.endswith(".whl"))
        with open(requirements, "w", encoding="utf-8") as fh:
            fh.writelines(line + "\n" for line in wheels)
        conda_file = os.path.join(draft.directory, CONDA_FILE)
        if os.path.isfile(conda_file):
            _point_conda_at(conda_file, wheels)
        for key in ("flavors", "signature", "saved_input_example_info", "metadata"):
            setattr(mlflow_model, key, getattr(original, key))
        mlflow_model.extra = {**original.extra, _WHEELS: {"platform": platform.platform()}}


def _build_wheels(requirements: str, wheels_dir: str) -> None:
    options = os.environ.get(_OPTIONS_ENV, "--only-binary=:all:").split()
    if not set(options) <= _ALLOWED_OPTIONS:
        raise InvalidParameterValue(
            f"Invalid pip wheel option in {_OPTIONS_ENV}; allowed: "
            + ", ".join(sorted(_ALLOWED_OPTIONS))
        )
    os.makedirs(wheels_dir, exist_ok=True)
    command = [sys.executable, "-m", "pip", "wheel", *options, "--wheel-dir", wheels_dir]
    done = subprocess.run(
        [*command, "-r", requirements, "--no-cache-dir", "--progress-bar=off"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise MlharborException(
            "An error occurred while downloading the dependency wheels: "
            + (done.stdout + done.stderr).strip()[-3000:]
        )


def _point_conda_at(conda_file: str, wheels: list[str]) -> None:
    """Replace the pip section of ``conda.yaml`` with the wheel files."""
    import yaml

    with open(conda_file, encoding="utf-8") as fh:
        env = yaml.safe_load(fh) or {}
    dependencies = [
        d for d in env.get("dependencies") or [] if not (isinstance(d, dict) and "pip" in d)
    ]
    env["dependencies"] = [*dependencies, {"pip": wheels}]
    with open(conda_file, "w", encoding="utf-8") as fh:
        yaml.safe_dump(env, fh, default_flow_style=False)
