"""Environment files of a model directory: ``requirements.txt``, ``python_env.yaml``,
``conda.yaml``.

Versions are those installed in the saving interpreter. The MLflow requirement is always
present so ``mlflow models serve`` can rebuild an environment that loads the model.
"""

from __future__ import annotations

import functools
import os
import platform
import re
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.models.model import MLFLOW_COMPAT_VERSION

__all__ = [
    "CONDA_FILE",
    "PYTHON_ENV_FILE",
    "REQUIREMENTS_FILE",
    "environment_flavor_config",
    "pinned_requirement",
    "resolve_requirements",
    "write_environment",
]

REQUIREMENTS_FILE = "requirements.txt"
PYTHON_ENV_FILE = "python_env.yaml"
CONDA_FILE = "conda.yaml"

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def pinned_requirement(distribution: str) -> str | None:
    """``name==version`` for an installed distribution, None when it is not installed."""
    version = _installed_version(distribution)
    return f"{distribution}=={version}" if version else None


def _requirement_name(line: str) -> str | None:
    match = _NAME.match(line)
    return match.group(1).lower().replace("_", "-") if match else None


def _read_requirement_lines(source: str | Sequence[str]) -> list[str]:
    if isinstance(source, str):
        path = Path(source)
        if not path.is_file():
            raise InvalidParameterValue(f"Requirements file '{source}' does not exist")
        lines = path.read_text(encoding="utf-8").splitlines()
    else:
        lines = [str(line) for line in source]
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _conda_pip_requirements(conda_env: str | dict[str, Any]) -> list[str]:
    """The pip requirements listed in a conda environment (a dict or a YAML file path)."""
    import yaml

    if isinstance(conda_env, str):
        path = Path(conda_env)
        if not path.is_file():
            raise InvalidParameterValue(f"Conda environment file '{conda_env}' does not exist")
        conda_env = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(conda_env, dict):
        raise InvalidParameterValue("`conda_env` must be a dict or the path of a YAML file")
    lines: list[str] = []
    for dependency in conda_env.get("dependencies") or []:
        if isinstance(dependency, dict):
            lines += [str(line) for line in dependency.get("pip") or []]
    return lines


def resolve_requirements(
    default_packages: Iterable[str],
    pip_requirements: str | Sequence[str] | None = None,
    extra_pip_requirements: str | Sequence[str] | None = None,
    conda_env: str | dict[str, Any] | None = None,
) -> list[str]:
    """The final pip requirement lines of a model.

    Args:
        default_packages: distributions the flavor needs; pinned to their installed versions.
        pip_requirements: replaces the defaults (a list of lines or a requirements file path).
        extra_pip_requirements: appended to the defaults.
        conda_env: a conda environment whose pip section replaces the defaults.

    Raises:
        InvalidParameterValue: when more than one override is given or a file is missing.
    """
    overrides = [pip_requirements, extra_pip_requirements, conda_env]
    if sum(o is not None for o in overrides) > 1:
        raise InvalidParameterValue(
            "Only one of `conda_env`, `pip_requirements`, and `extra_pip_requirements` can be "
            "specified at the same time."
        )
    if conda_env is not None:
        pip_requirements = _conda_pip_requirements(conda_env)
    mlflow_line = f"mlflow=={MLFLOW_COMPAT_VERSION}"
    if pip_requirements is not None:
        lines = _read_requirement_lines(pip_requirements)
    else:
        pinned = {p for p in (pinned_requirement(d) for d in default_packages) if p}
        lines = sorted(pinned, key=str.lower)
        if extra_pip_requirements is not None:
            lines += _read_requirement_lines(extra_pip_requirements)
    names = {_requirement_name(line) for line in lines}
    if "mlflow" not in names and "mlflow-skinny" not in names:
        lines.insert(0, mlflow_line)
    unique: list[str] = []
    for line in lines:
        if line not in unique:
            unique.append(line)
    return unique


def write_environment(path: str | os.PathLike[str], requirements: Sequence[str]) -> None:
    """Write the three environment files into model directory ``path``."""
    import yaml

    root = Path(path)
    python_version = platform.python_version()
    pip_version = _installed_version("pip")
    setuptools_version = _installed_version("setuptools")
    root.joinpath(REQUIREMENTS_FILE).write_text("\n".join(requirements), encoding="utf-8")
    python_env = {
        "python": python_version,
        "build_dependencies": [
            f"pip=={pip_version}" if pip_version else "pip",
            f"setuptools=={setuptools_version}" if setuptools_version else "setuptools",
            "wheel",
        ],
        "dependencies": [f"-r {REQUIREMENTS_FILE}"],
    }
    root.joinpath(PYTHON_ENV_FILE).write_text(
        yaml.safe_dump(python_env, sort_keys=False, default_flow_style=False), encoding="utf-8"
    )
    conda = conda_environment(requirements)
    root.joinpath(CONDA_FILE).write_text(
        yaml.safe_dump(conda, default_flow_style=False), encoding="utf-8"
    )


def conda_environment(requirements: Sequence[str]) -> dict[str, Any]:
    """The ``conda.yaml`` document for pip ``requirements`` on this Python."""
    pip_version = _installed_version("pip")
    return {
        "name": "mlflow-env",
        "channels": ["conda-forge"],
        "dependencies": [
            f"python={platform.python_version()}",
            f"pip<={pip_version}" if pip_version else "pip",
            {"pip": list(requirements)},
        ],
    }


def conda_env_getter(
    pip_requirements: Callable[..., list[str]],
) -> Callable[..., dict[str, Any]]:
    """A flavor's ``get_default_conda_env``, built on its ``get_default_pip_requirements`` and
    taking the same arguments."""

    @functools.wraps(pip_requirements)
    def get_default_conda_env(*args: Any, **kwargs: Any) -> dict[str, Any]:
        lines = pip_requirements(*args, **kwargs)
        return conda_environment([f"mlflow=={MLFLOW_COMPAT_VERSION}", *lines])

    get_default_conda_env.__name__ = get_default_conda_env.__qualname__ = "get_default_conda_env"
    get_default_conda_env.__doc__ = "The conda environment a saved model lists by default."
    return get_default_conda_env


def environment_flavor_config() -> dict[str, object]:
    """The ``env`` and ``python_version`` keys of the ``python_function`` flavor."""
    return {
        "env": {"conda": CONDA_FILE, "virtualenv": PYTHON_ENV_FILE},
        "python_version": platform.python_version(),
    }
