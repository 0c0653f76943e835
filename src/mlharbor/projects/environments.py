"""Where a project's command runs: here, a cached virtualenv, a conda env or a container.

Every environment turns the entry point's shell command into the argv to start. The tag value
is what the run records as ``mlflow.project.env`` (MLflow sets none for ``local``).

The env manager is chosen as MLflow 3.17.2 chooses it: ``docker_env`` always runs in Docker;
otherwise an explicit ``env_manager`` wins, and without one a conda project uses conda and any
other project a virtualenv.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlharbor.projects.errors import ExecutionException, invalid
from mlharbor.projects.spec import CONDA, DOCKER, PYTHON, Project

__all__ = [
    "ENV_MANAGERS",
    "Environment",
    "PythonEnv",
    "check_docker",
    "choose_env_manager",
    "docker_environment",
    "prepare_environment",
]

ENV_MANAGERS = ("local", "virtualenv", "uv", "conda")
_DOCKER_WORKDIR = "/mlflow/projects/code"
_COMPLETE_MARKER = ".mlharbor-env-complete"
_CONDA_DEP = re.compile(
    r"^(?P<package>[A-Za-z0-9_.\-]+)\s*(?P<op><=|>=|==|=|<|>|!=)?\s*(?P<ver>.*)$"
)


@dataclass(frozen=True)
class Environment:
    """How to start the command: ``prefix`` argv, then ``bash -c "<setup> && <command>"``,
    with ``variables`` added to its environment."""

    tag: str | None
    prefix: list[str] = field(default_factory=list)
    setup: str | None = None
    variables: dict[str, str] = field(default_factory=dict)

    def argv(self, command: str) -> list[str]:
        script = f"{self.setup} && {command}" if self.setup else command
        return [*self.prefix, "bash", "-c", script]


def choose_env_manager(project: Project, env_manager: str | None) -> str:
    """The env manager for ``project`` (``docker`` for a docker_env project).

    Raises:
        ExecutionException: an unknown manager, or conda for a python_env project.
    """
    if env_manager is not None and env_manager not in ENV_MANAGERS:
        raise invalid(
            f"Invalid value for `env_manager`: {env_manager}. Must be one of {list(ENV_MANAGERS)}"
        )
    if project.env_type == DOCKER:
        return "docker"
    if env_manager is None:
        return "conda" if project.env_type == CONDA else "virtualenv"
    if env_manager == "conda" and project.env_type == PYTHON:
        raise invalid(
            "python_env project cannot be executed using conda. Set `--env-manager` to "
            "'virtualenv' or 'local' to execute this project."
        )
    if env_manager == "uv":
        raise invalid(
            "The 'uv' environment manager is not supported by mlharbor; use 'virtualenv', "
            "'conda' or 'local'."
        )
    return env_manager


# virtualenv ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PythonEnv:
    """The content of a python_env.yaml: interpreter version and pip requirements."""

    python: str | None = None
    build_dependencies: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()

    @classmethod
    def from_python_env_yaml(cls, path: str) -> PythonEnv:
        data = _load_yaml(path)
        return cls(
            python=str(data["python"]) if data.get("python") is not None else None,
            build_dependencies=tuple(str(d) for d in data.get("build_dependencies") or ()),
            dependencies=tuple(str(d) for d in data.get("dependencies") or ()),
        )

    @classmethod
    def from_conda_yaml(cls, path: str) -> PythonEnv:
        """Conda packages become pip build dependencies, the ``pip:`` list the dependencies."""
        python: str | None = None
        build: list[str] = []
        pip_deps: list[str] = []
        for dep in _load_yaml(path).get("dependencies") or ():
            if isinstance(dep, Mapping):
                pip_deps.extend(str(d) for d in dep.get("pip") or ())
                continue
            match = _CONDA_DEP.match(str(dep))
            if match is None:
                continue
            package, op, version = match["package"], match["op"], match["ver"]
            if package == "python" and python is None:
                if not op:
                    raise invalid(f"Invalid dependency for python: {dep}. It must be pinned.")
                python = version
            elif package != "python":
                build.append(package + ("==" if op == "=" else op or "") + version)
        return cls(python, tuple(build), tuple(pip_deps))


def _load_yaml(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        loaded = yaml.safe_load(handle)
    return loaded if isinstance(loaded, dict) else {}


def _env_root() -> Path:
    # MLFLOW_ENV_ROOT is where MLflow keeps its environments; ours sit beside them.
    root = os.environ.get("MLFLOW_ENV_ROOT") or str(Path.home() / ".mlflow" / "envs")
    return Path(root) / "virtualenv_envs"


def _interpreter(version: str | None) -> str:
    current = f"{sys.version_info.major}.{sys.version_info.minor}"
    if version is None or _matches(version, sys.version_info[:3]):
        return sys.executable
    minor = ".".join(version.split(".")[:2])
    candidate = shutil.which(f"python{minor}")
    if candidate is None:
        raise ExecutionException(
            f"The project needs Python {version}, but this is Python {current} and no "
            f"python{minor} is on PATH. Install it, or run with --env-manager local."
        )
    return candidate


def _matches(version: str, actual: tuple[int, ...]) -> bool:
    wanted = version.split(".")
    return all(w == str(a) for w, a in zip(wanted, actual, strict=False))


def _run_setup(argv: list[str], cwd: str, what: str) -> None:
    """Run one build step, its output (pip's progress) shown on stderr as it comes."""
    print(f"mlharbor: {what[0].upper()}{what[1:]}...", file=sys.stderr, flush=True)
    completed = subprocess.run(
        argv,
        cwd=cwd,
        stdout=sys.stderr,
        check=False,
        env={**os.environ, "PIP_NO_INPUT": "1"},
    )
    if completed.returncode != 0:
        raise ExecutionException(
            f"Failed to {what} (exit code {completed.returncode}); the output is above. Fix "
            "the project's environment file, or run with --env-manager local to use this "
            "Python environment."
        )


def _link_mlharbor(env_dir: Path, interpreter: str) -> None:
    """Make this mlharbor, and what it needs, importable in a virtualenv of the same Python.

    A ``.pth`` file appends this installation's package directories after the environment's
    own, so packages the project declares still win. A different Python gets mlharbor
    installed by pip instead.
    """
    if interpreter != sys.executable:
        import mlharbor

        source = Path(mlharbor.__file__).resolve().parents[2]
        target = str(source) if (source / "pyproject.toml").is_file() else "mlharbor"
        env_python = str(env_dir / "bin" / "python")
        _run_setup([env_python, "-m", "pip", "install", target], str(env_dir), "install mlharbor")
        return
    import site

    import mlharbor

    package_parent = str(Path(mlharbor.__file__).resolve().parents[1])
    paths = [package_parent, *site.getsitepackages()]
    [site_dir] = (env_dir / "lib").glob("python*/site-packages")
    (site_dir / "mlharbor-host.pth").write_text("\n".join(dict.fromkeys(paths)) + "\n")


def _virtualenv(project: Project) -> Environment:
    if project.env_type == CONDA and project.env_file:
        python_env = PythonEnv.from_conda_yaml(project.env_file)
    elif project.env_file:
        python_env = PythonEnv.from_python_env_yaml(project.env_file)
    else:
        python_env = PythonEnv()
    interpreter = _interpreter(python_env.python)
    key = json.dumps(
        [python_env.python, list(python_env.build_dependencies), list(python_env.dependencies)]
    )
    env_dir = _env_root() / ("mlharbor-" + hashlib.sha1(key.encode()).hexdigest())
    if not (env_dir / _COMPLETE_MARKER).exists():
        _create_virtualenv(project.directory, interpreter, python_env, env_dir)
    activate = env_dir / "bin" / "activate"
    return Environment(tag="virtualenv", setup=f"source {shlex.quote(str(activate))}")


def _create_virtualenv(work_dir: str, interpreter: str, env: PythonEnv, env_dir: Path) -> None:
    shutil.rmtree(env_dir, ignore_errors=True)
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    needs_pip = bool(env.build_dependencies or env.dependencies)
    try:
        venv_args = [] if needs_pip or interpreter != sys.executable else ["--without-pip"]
        _run_setup(
            [interpreter, "-m", "venv", *venv_args, str(env_dir)],
            work_dir,
            f"create a virtualenv in {env_dir}",
        )
        env_python = str(env_dir / "bin" / "python")
        for requirements in (env.build_dependencies, env.dependencies):
            if not requirements:
                continue
            # A requirements file lets entries such as `-r requirements.txt` resolve against
            # the project directory, which is the working directory of the install.
            with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
                handle.write("\n".join(requirements) + "\n")
            try:
                _run_setup(
                    [env_python, "-m", "pip", "install", "-r", handle.name],
                    work_dir,
                    "install the project's dependencies",
                )
            finally:
                os.unlink(handle.name)
        _link_mlharbor(env_dir, interpreter)
        (env_dir / _COMPLETE_MARKER).touch()
    except BaseException:
        shutil.rmtree(env_dir, ignore_errors=True)
        raise


# conda --------------------------------------------------------------------------------------


def _conda_executable() -> str:
    conda_home = os.environ.get("MLFLOW_CONDA_HOME")
    found = (
        os.path.join(conda_home, "bin", "conda")
        if conda_home
        else os.environ.get("CONDA_EXE") or shutil.which("conda")
    )
    if not found or not os.path.exists(found):
        raise ExecutionException(
            f"Could not find Conda executable at {found or 'conda'}. Ensure Conda is installed "
            "(https://conda.io/projects/conda/en/latest/user-guide/install/index.html) or set "
            "MLFLOW_CONDA_HOME to its installation; or run the project in this environment "
            "with --env-manager local (or in a virtualenv with --env-manager virtualenv)."
        )
    return found


def _conda(project: Project) -> Environment:
    conda = _conda_executable()
    contents = Path(project.env_file).read_text() if project.env_file else ""
    # Named, like MLflow's, by a hash of the env file so an unchanged file reuses the env.
    name = "mlflow-" + hashlib.sha1(contents.encode()).hexdigest()
    listing = subprocess.run(
        [conda, "env", "list", "--json"], capture_output=True, text=True, check=False
    )
    existing = json.loads(listing.stdout or "{}").get("envs", []) if listing.returncode == 0 else []
    if not any(os.path.basename(path) == name for path in existing):
        create = [conda, "create", "--yes", "--name", name, "python"]
        if project.env_file:
            create = [conda, "env", "create", "--name", name, "--file", project.env_file]
        _run_setup(create, project.directory, "create the conda environment")
    return Environment(tag="conda", prefix=[conda, "run", "--no-capture-output", "-n", name])


# docker -------------------------------------------------------------------------------------


def check_docker(project: Project) -> None:
    """Fail early, with a clear message, when a docker_env project cannot run.

    Raises:
        ExecutionException: the project has no name, or no Docker engine answers.
    """
    if not project.name:
        raise invalid(
            "Project name in MLProject must be specified when using docker for image tagging."
        )
    if shutil.which("docker") is None:
        raise ExecutionException(
            "Could not find Docker executable. Ensure Docker is installed as per the "
            "instructions at https://docs.docker.com/install/overview/."
        )
    try:
        info = subprocess.run(
            ["docker", "info"], capture_output=True, text=True, timeout=60, check=False
        )
    except subprocess.TimeoutExpired:
        raise ExecutionException(
            "`docker info` did not answer; is the Docker engine running?"
        ) from None
    if info.returncode != 0:
        output = (info.stdout + info.stderr).strip()
        raise ExecutionException(
            "Ran `docker info` to ensure docker daemon is running but it failed with the "
            f"following output:\n{output}"
        )


def _local_store_dir(tracking_uri: str) -> str | None:
    """The host directory a local tracking URI writes to, mounted at the same path."""
    if tracking_uri.startswith("sqlite:///"):
        return os.path.dirname(os.path.abspath(tracking_uri[len("sqlite:///") :]))
    if tracking_uri.startswith("file:"):
        return urllib.parse.urlparse(tracking_uri).path
    return None if "://" in tracking_uri else os.path.abspath(tracking_uri)


def docker_environment(
    project: Project,
    run_env: Mapping[str, str],
    docker_args: Mapping[str, Any] | None,
) -> Environment:
    """``docker run`` of the project's image with the project mounted as working directory.

    ``run_env`` (run id, tracking URI, experiment id) is passed into the container; a local
    tracking store is mounted at its host path so the same URI works inside.
    """
    assert project.docker_env is not None
    check_docker(project)
    argv = ["docker", "run", "--rm"]
    for name, value in (docker_args or {}).items():
        flag = f"-{name}" if len(name) == 1 else f"--{name}"
        argv += [flag] if value is True else [flag, str(value)]
    argv += ["-v", f"{project.directory}:{_DOCKER_WORKDIR}", "-w", _DOCKER_WORKDIR]
    store_dir = _local_store_dir(run_env.get("MLFLOW_TRACKING_URI", ""))
    if store_dir:
        argv += ["-v", f"{store_dir}:{store_dir}"]
    for volume in project.docker_env.get("volumes") or ():
        argv += ["-v", volume]
    env = dict(run_env)
    for entry in project.docker_env.get("environment") or ():
        if isinstance(entry, list):
            env[str(entry[0])] = str(entry[1])
        elif entry in os.environ:
            env[entry] = os.environ[entry]
        else:
            raise invalid(
                f"This project expects the {entry} environment variable to be set on the "
                "machine running the project, but it is not set."
            )
    for key, value in env.items():
        argv += ["-e", f"{key}={value}"]
    argv.append(str(project.docker_env["image"]))
    return Environment(tag="docker", prefix=argv)


def prepare_environment(project: Project, manager: str) -> Environment:
    """Build (or reuse) the environment of ``manager`` for ``project`` (not docker).

    Raises:
        ExecutionException: the tool is missing or the environment cannot be built.
    """
    if manager == "virtualenv":
        return _virtualenv(project)
    if manager == "conda":
        return _conda(project)
    return _local()


def _local() -> Environment:
    # `python` in the command is the interpreter running mlharbor, even from a venv that was
    # not activated (a console script called by its path).
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    return Environment(tag=None, variables={"PATH": path})
