"""MLflow Projects: run a directory or git repository described by an MLproject file.

``run()`` matches ``mlflow.projects.run`` of MLflow 3.17.2 for the ``local`` backend: it fetches
the project, checks the entry point's parameters, builds the environment, creates the run
(tagged ``mlflow.source.type=PROJECT``), starts the command and, when synchronous, waits for
it and ends the run FINISHED or FAILED.

Modules: ``spec`` (the MLproject file), ``parameters`` (types and the command line),
``environments`` (local, virtualenv, conda, docker), ``git`` (fetching and git tags),
``execution`` (the run and the process), ``submitted`` (the returned handle).
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Mapping
from typing import Any

from mlharbor.client.active_run import _experiment_id
from mlharbor.client.client import MlharborClient
from mlharbor.entities import RunStatus
from mlharbor.projects import execution
from mlharbor.projects.environments import (
    Environment,
    check_docker,
    choose_env_manager,
    docker_environment,
    prepare_environment,
)
from mlharbor.projects.errors import ExecutionException, invalid
from mlharbor.projects.git import fetch_project
from mlharbor.projects.parameters import build_command, resolve_parameters
from mlharbor.projects.spec import load_project
from mlharbor.projects.submitted import SubmittedRun

__all__ = ["ExecutionException", "SubmittedRun", "run"]

_logger = logging.getLogger(__name__)


def _resolve_experiment_id(
    client: MlharborClient, experiment_name: str | None, experiment_id: str | None
) -> str:
    if experiment_name and experiment_id:
        raise invalid("Specify only one of 'experiment_name' or 'experiment_id'.")
    if experiment_id:
        return str(experiment_id)
    if experiment_name:
        experiment = client.get_experiment_by_name(experiment_name)
        if experiment is not None:
            return experiment.experiment_id
        return client.create_experiment(experiment_name)
    return _experiment_id()


def _backend_config(backend_config: Mapping[str, Any] | str | None) -> dict[str, Any]:
    if backend_config is None:
        return {}
    if isinstance(backend_config, Mapping):
        return dict(backend_config)
    try:
        with open(backend_config, encoding="utf-8") as handle:
            loaded = json.load(handle)
    except (OSError, ValueError) as error:
        raise invalid(f"Could not read the backend config {backend_config}: {error}") from None
    return dict(loaded) if isinstance(loaded, dict) else {}


def run(
    uri: str,
    entry_point: str = "main",
    version: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    docker_args: Mapping[str, Any] | None = None,
    experiment_name: str | None = None,
    experiment_id: str | None = None,
    backend: str = "local",
    backend_config: Mapping[str, Any] | str | None = None,
    storage_dir: str | None = None,
    synchronous: bool = True,
    run_id: str | None = None,
    run_name: str | None = None,
    env_manager: str | None = None,
    build_image: bool = False,
    docker_auth: Mapping[str, Any] | None = None,
) -> SubmittedRun:
    """Run the project at ``uri`` and return a handle on its run.

    Args:
        uri: a local directory, ``file://`` URI or git URI (``https://``, ``git@``), with an
            optional ``#subdirectory``.
        entry_point: an entry point of the MLproject file, or a ``.py``/``.sh`` file.
        version: for git projects, a branch, tag or commit to check out.
        parameters: values for the entry point; undeclared ones are appended as ``--k v``.
        docker_args: extra ``docker run`` flags (``{"gpus": "all", "t": True}``).
        experiment_name: experiment to log to (created when missing).
        experiment_id: experiment to log to (exclusive with ``experiment_name``).
        backend: only ``"local"`` is supported.
        backend_config: accepted for MLflow compatibility; the local backend has no settings.
        storage_dir: accepted for MLflow compatibility; remote ``path`` values are passed on
            unchanged for the script to read.
        synchronous: wait for the run (and raise when it fails) or return at once.
        run_id: log to this existing run instead of creating one.
        run_name: the name of the run.
        env_manager: ``local``, ``virtualenv`` or ``conda``; chosen from the project if None.
        build_image: accepted for MLflow compatibility; the project is mounted, not copied.
        docker_auth: accepted for MLflow compatibility; log in with ``docker login`` instead.

    Returns:
        A :class:`SubmittedRun`.

    Raises:
        ExecutionException: the project cannot be fetched or validated, its environment cannot
            be built, or (when synchronous) its command fails.
    """
    del storage_dir, build_image, docker_auth
    # The local backend takes no settings, but a malformed config file is still an error.
    _backend_config(backend_config)
    if backend != "local":
        raise invalid(f"Got unsupported execution mode {backend}. Supported values: ['local']")
    client = MlharborClient()
    experiment = _resolve_experiment_id(client, experiment_name, experiment_id)
    fetched = fetch_project(uri, version)
    try:
        return _run_fetched(
            client,
            uri=uri,
            work_dir=fetched.directory,
            entry_point=entry_point,
            version=version,
            parameters=dict(parameters or {}),
            docker_args=docker_args,
            experiment_id=experiment,
            synchronous=synchronous,
            run_id=run_id,
            run_name=run_name,
            env_manager=env_manager,
        )
    finally:
        # A clone is only needed while the command runs; a detached run keeps its copy.
        if fetched.clone_root is not None and synchronous:
            shutil.rmtree(fetched.clone_root, ignore_errors=True)


def _run_fetched(
    client: MlharborClient,
    *,
    uri: str,
    work_dir: str,
    entry_point: str,
    version: str | None,
    parameters: dict[str, Any],
    docker_args: Mapping[str, Any] | None,
    experiment_id: str,
    synchronous: bool,
    run_id: str | None,
    run_name: str | None,
    env_manager: str | None,
) -> SubmittedRun:
    project = load_project(work_dir)
    entry = project.entry_point(entry_point)
    values, extras = resolve_parameters(entry.parameters, parameters)
    command = build_command(entry.command, entry.parameters, values, extras, work_dir)
    manager = choose_env_manager(project, env_manager)
    # Built before the run exists, so a missing tool leaves no orphan RUNNING run behind.
    env: Environment | None = None
    if manager == "docker":
        check_docker(project)
    else:
        env = prepare_environment(project, manager)
    if run_id is None:
        run_id = execution.create_run(
            client,
            uri=uri,
            experiment_id=experiment_id,
            work_dir=work_dir,
            version=version,
            entry_point=entry_point,
            params={**values, **extras},
        )
    else:
        experiment_id = client.get_run(run_id).info.experiment_id
    variables = execution.run_env(run_id, experiment_id)
    try:
        if env is None:
            env = docker_environment(project, variables, docker_args)
        execution.set_run_tags(
            client,
            run_id,
            {
                "mlflow.project.env": env.tag,
                "mlflow.project.backend": "local",
                "mlflow.runName": run_name,
            },
        )
        if not synchronous:
            detached_manager = None if manager == "docker" else manager
            return execution.launch_detached(
                run_id, work_dir, entry_point, parameters, detached_manager, variables
            )
        _logger.info("=== Running command '%s' in run with ID '%s' ===", command, run_id)
        submitted = execution.launch_command(run_id, env, command, work_dir, variables)
    except BaseException:
        execution.end_run_if_open(client, run_id, RunStatus.FAILED.value)
        raise
    execution.wait_for(client, submitted)
    _logger.info("=== Run (ID '%s') succeeded ===", run_id)
    return submitted
