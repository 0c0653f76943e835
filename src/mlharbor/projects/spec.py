"""The MLproject file: name, environment and entry points of a project directory.

A directory without an MLproject file is still a project: its ``.py`` and ``.sh`` files are
entry points. The environment comes from ``docker_env``, ``python_env`` or ``conda_env`` (at
most one), else from a ``python_env.yaml`` or ``conda.yaml`` lying in the directory.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from mlharbor.projects.errors import ExecutionException, invalid
from mlharbor.projects.parameters import Parameter

__all__ = ["CONDA", "DOCKER", "PYTHON", "EntryPoint", "Project", "load_project"]

CONDA = "conda_env"
PYTHON = "python_env"
DOCKER = "docker_env"
_ENV_FIELDS = (CONDA, PYTHON, DOCKER)
_DEFAULT_FILES = ((PYTHON, "python_env.yaml"), (CONDA, "conda.yaml"))


@dataclass(frozen=True)
class EntryPoint:
    """A named command with its declared parameters (in declaration order)."""

    name: str
    command: str
    parameters: dict[str, Parameter] = field(default_factory=dict)


@dataclass(frozen=True)
class Project:
    """A parsed project directory.

    ``env_type`` is one of :data:`CONDA`, :data:`PYTHON` or :data:`DOCKER`; ``env_file`` is the
    conda or python env file when there is one; ``docker_env`` the MLproject's mapping.
    """

    directory: str
    name: str | None
    env_type: str
    env_file: str | None
    entry_points: dict[str, EntryPoint]
    docker_env: dict[str, Any] | None = None

    def entry_point(self, name: str) -> EntryPoint:
        """The declared entry point ``name``, or a script of the project run by extension.

        Raises:
            ExecutionException: ``name`` is neither declared nor a ``.py``/``.sh`` file name.
        """
        if name in self.entry_points:
            return self.entry_points[name]
        runners = {".py": "python", ".sh": os.environ.get("SHELL", "bash")}
        runner = runners.get(os.path.splitext(name)[1])
        if runner is None:
            raise invalid(
                f"Could not find {name} among entry points {list(self.entry_points)} or "
                f"interpret {name} as a runnable script. Supported script file extensions: "
                f"{list(runners)}"
            )
        return EntryPoint(name=name, command=f"{runner} {shlex.quote(name)}")


def _find_mlproject(directory: str) -> str | None:
    # MLflow accepts the file name in any letter case.
    for entry in sorted(os.listdir(directory)):
        if entry.lower() == "mlproject" and os.path.isfile(os.path.join(directory, entry)):
            return os.path.join(directory, entry)
    return None


def _read_yaml(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            loaded = yaml.safe_load(handle)
    except yaml.YAMLError as error:
        raise invalid(
            f"Project configuration (MLproject file) {path} is not valid YAML: {error}"
        ) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise invalid(f"Project configuration (MLproject file) {path} must be a mapping.")
    return loaded


def _entry_points(raw: Any) -> dict[str, EntryPoint]:
    if not isinstance(raw, Mapping):
        raise invalid("Project configuration (MLproject file): 'entry_points' must be a mapping.")
    parsed: dict[str, EntryPoint] = {}
    for name, spec in raw.items():
        if not isinstance(spec, Mapping) or not isinstance(spec.get("command"), str):
            raise invalid(f"Entry point {name!r} of the MLproject file must have a 'command'.")
        params = spec.get("parameters") or {}
        if not isinstance(params, Mapping):
            raise invalid(f"The parameters of entry point {name!r} must be a mapping.")
        parsed[str(name)] = EntryPoint(
            name=str(name),
            command=spec["command"],
            parameters={str(k): Parameter.from_yaml(str(k), v) for k, v in params.items()},
        )
    return parsed


def _validate_docker_env(docker_env: Any) -> dict[str, Any]:
    if not isinstance(docker_env, Mapping) or not docker_env.get("image"):
        raise invalid(
            "Project configuration (MLproject file) was invalid: Docker environment specified "
            "but no image attribute found."
        )
    volumes = docker_env.get("volumes")
    if volumes and not (isinstance(volumes, list) and all(isinstance(v, str) for v in volumes)):
        raise invalid(
            "Project configuration (MLproject file) was invalid: Docker volumes must be a list "
            "of strings, e.g.: ['/path1/:/path1', '/path2/:/path2']"
        )
    environment = docker_env.get("environment")
    if environment and not (
        isinstance(environment, list)
        and all(isinstance(e, str) or (isinstance(e, list) and len(e) == 2) for e in environment)
    ):
        raise invalid(
            "Project configuration (MLproject file) was invalid: environment must be a list of "
            "names (copied from the host) or [name, value] pairs."
        )
    return dict(docker_env)


def load_project(directory: str) -> Project:
    """Parse the project in ``directory``.

    Raises:
        ExecutionException: the MLproject file is malformed, names two environments, or
            names an env file that does not exist.
    """
    path = _find_mlproject(directory)
    config = _read_yaml(path) if path else {}
    env_fields = [f for f in _ENV_FIELDS if f in config]
    if len(env_fields) > 1:
        raise invalid(f"Project cannot contain multiple environment fields: {set(env_fields)}")
    name = config.get("name")
    entry_points = _entry_points(config.get("entry_points") or {})
    base = Project(
        directory=directory, name=name, env_type=PYTHON, env_file=None, entry_points=entry_points
    )
    if DOCKER in config:
        docker_env = _validate_docker_env(config[DOCKER])
        return replace(base, env_type=DOCKER, docker_env=docker_env)
    for env_field in (PYTHON, CONDA):
        if config.get(env_field):
            env_file = os.path.join(directory, str(config[env_field]))
            if not os.path.isfile(env_file):
                kind = "python_env" if env_field == PYTHON else "conda environment"
                raise ExecutionException(
                    f"Project specified {kind} file {env_file}, but no such file was found."
                )
            return replace(base, env_type=env_field, env_file=env_file)
    for env_field, file_name in _DEFAULT_FILES:
        candidate = os.path.join(directory, file_name)
        if os.path.isfile(candidate):
            return replace(base, env_type=env_field, env_file=candidate)
    return base
