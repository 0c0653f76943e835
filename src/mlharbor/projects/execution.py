"""Running a fetched project: create (or reuse) its run, start the command, record the end.

The run exists before the command starts. The child gets ``MLFLOW_RUN_ID``,
``MLFLOW_TRACKING_URI`` and ``MLFLOW_EXPERIMENT_ID``, so ``mlflow.start_run()`` in the script
resumes it; whatever the script leaves open is ended here, FINISHED or FAILED by exit code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from mlharbor.client.active_run import active_run
from mlharbor.client.client import MlharborClient
from mlharbor.client.run_context import _user
from mlharbor.client.tracking_uri import get_tracking_uri
from mlharbor.entities import Param, RunStatus, RunTag
from mlharbor.projects.environments import Environment
from mlharbor.projects.errors import ExecutionException
from mlharbor.projects.git import git_tags, source_name
from mlharbor.projects.submitted import LocalSubmittedRun
from mlharbor.store.tracking.factory import resolve_tracking_uri

__all__ = [
    "create_run",
    "end_run_if_open",
    "launch_command",
    "launch_detached",
    "run_env",
    "set_run_tags",
    "wait_for",
]


def create_run(
    client: MlharborClient,
    *,
    uri: str,
    experiment_id: str,
    work_dir: str,
    version: str | None,
    entry_point: str,
    params: Mapping[str, str],
) -> str:
    """Create the project's run with MLflow's project tags and its parameters; return its id."""
    tags = {
        "mlflow.user": _user(),
        "mlflow.source.name": source_name(uri),
        "mlflow.source.type": "PROJECT",
        "mlflow.project.entryPoint": entry_point,
        **git_tags(work_dir, version),
    }
    parent = active_run()
    if parent is not None:
        tags["mlflow.parentRunId"] = parent.info.run_id
    run_id = client.create_run(experiment_id, tags=tags).info.run_id
    client.log_batch(run_id, params=[Param(k, v) for k, v in params.items()])
    return run_id


def set_run_tags(client: MlharborClient, run_id: str, tags: Mapping[str, str | None]) -> None:
    """Set the tags whose value is not None."""
    kept = [RunTag(k, v) for k, v in tags.items() if v is not None]
    if kept:
        client.log_batch(run_id, tags=kept)


def run_env(run_id: str, experiment_id: str) -> dict[str, str]:
    """The variables that point a child process at its run."""
    return {
        "MLFLOW_RUN_ID": run_id,
        # absolute, so a child working in the project's folder finds the same database
        "MLFLOW_TRACKING_URI": resolve_tracking_uri(get_tracking_uri()),
        "MLFLOW_EXPERIMENT_ID": str(experiment_id),
    }


def launch_command(
    run_id: str, env: Environment, command: str, work_dir: str, variables: Mapping[str, str]
) -> LocalSubmittedRun:
    """Start ``command`` in ``env`` from ``work_dir``, as the leader of a new process group."""
    process = subprocess.Popen(
        env.argv(command),
        cwd=work_dir,
        env={**os.environ, **env.variables, **variables},
        close_fds=True,
        start_new_session=True,
    )
    return LocalSubmittedRun(run_id, process)


def launch_detached(
    run_id: str,
    work_dir: str,
    entry_point: str,
    parameters: Mapping[str, Any],
    env_manager: str | None,
    variables: Mapping[str, str],
) -> LocalSubmittedRun:
    """Run the project in a child ``mlharbor run --run-id``, which records the run's end.

    The child, not this process, waits for the command, so the run ends FINISHED or FAILED
    even when nobody calls :meth:`SubmittedRun.wait`.
    """
    argv = [sys.executable, "-m", "mlharbor.cli.run", work_dir, "-e", entry_point]
    argv += ["--run-id", run_id]
    if env_manager is not None:
        argv += ["--env-manager", env_manager]
    for key, value in parameters.items():
        argv += ["-P", f"{key}={value}"]
    process = subprocess.Popen(argv, env={**os.environ, **variables}, start_new_session=True)
    return LocalSubmittedRun(run_id, process)


def end_run_if_open(client: MlharborClient, run_id: str, status: str) -> None:
    """Set ``status`` unless the script already ended its run itself."""
    if not RunStatus.is_terminated(client.get_run(run_id).info.status):
        client.set_terminated(run_id, status)


def wait_for(client: MlharborClient, submitted: LocalSubmittedRun) -> None:
    """Wait for ``submitted`` and record how it ended.

    Raises:
        ExecutionException: the command exited non-zero.
        KeyboardInterrupt: after cancelling the command and marking the run FAILED.
    """
    try:
        succeeded = submitted.wait()
    except KeyboardInterrupt:
        submitted.cancel()
        end_run_if_open(client, submitted.run_id, RunStatus.FAILED.value)
        raise
    if succeeded:
        end_run_if_open(client, submitted.run_id, RunStatus.FINISHED.value)
        return
    end_run_if_open(client, submitted.run_id, RunStatus.FAILED.value)
    raise ExecutionException(f"Run (ID '{submitted.run_id}') failed")
