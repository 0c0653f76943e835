"""``mlharbor run``: run an MLflow project. Parses and prints only; see :mod:`mlharbor.projects`."""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

import click

from mlharbor.exceptions import MlharborException


def _user_args_to_dict(arguments: tuple[str, ...], flag: str) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for argument in arguments:
        name, sep, value = argument.partition("=")
        if not sep and flag != "A":
            raise click.UsageError(
                f"Invalid format for -{flag} parameter: '{argument}'. Use -{flag} name=value."
            )
        if name in parsed:
            raise click.UsageError(f"Repeated parameter: '{name}'")
        # A docker flag without a value (``-A t``) is passed as a bare switch.
        parsed[name] = value if sep else True
    return parsed


def _show_progress() -> None:
    # Only the project's own progress lines; the root logger is left to the user's setup.
    logger = logging.getLogger("mlharbor.projects")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


@click.command()
@click.argument("uri")
@click.option(
    "--entry-point",
    "-e",
    metavar="NAME",
    default="main",
    show_default=True,
    help="Entry point of the project, or a .py/.sh file of it to run.",
)
@click.option(
    "--version",
    "-v",
    metavar="VERSION",
    help="Git branch, tag or commit to check out (git projects).",
)
@click.option(
    "--param-list",
    "-P",
    metavar="NAME=VALUE",
    multiple=True,
    help="A parameter; undeclared ones are passed to the command as --name value.",
)
@click.option(
    "--docker-args",
    "-A",
    metavar="NAME=VALUE",
    multiple=True,
    help="A `docker run` flag: -A name=value or -A name.",
)
@click.option(
    "--experiment-name",
    envvar="MLFLOW_EXPERIMENT_NAME",
    help="Experiment to log the run to (created when missing).",
)
@click.option(
    "--experiment-id", envvar="MLFLOW_EXPERIMENT_ID", help="Id of the experiment to log the run to."
)
@click.option(
    "--backend",
    "-b",
    metavar="BACKEND",
    default="local",
    show_default=True,
    help="Execution backend; only 'local' is supported.",
)
@click.option(
    "--backend-config",
    "-c",
    metavar="FILE",
    help="JSON file or JSON string for the backend (unused by 'local').",
)
@click.option(
    "--env-manager",
    default=None,
    help="local, virtualenv or conda; by default conda for conda_env projects and "
    "virtualenv for the others.",
)
@click.option("--storage-dir", envvar="MLFLOW_TMP_DIR", help="Accepted for MLflow compatibility.")
@click.option("--run-id", metavar="RUN_ID", help="Log to this existing run (used internally).")
@click.option("--run-name", metavar="RUN_NAME", help="Name of the run.")
@click.option(
    "--build-image",
    is_flag=True,
    default=False,
    help="Accepted for MLflow compatibility (docker projects are mounted).",
)
def run(
    uri: str,
    entry_point: str,
    version: str | None,
    param_list: tuple[str, ...],
    docker_args: tuple[str, ...],
    experiment_name: str | None,
    experiment_id: str | None,
    backend: str,
    backend_config: str | None,
    env_manager: str | None,
    storage_dir: str | None,
    run_id: str | None,
    run_name: str | None,
    build_image: bool,
) -> None:
    """Run an MLflow project from a local directory or git URI, and wait for it."""
    from mlharbor import projects

    if experiment_id is not None and experiment_name is not None:
        raise click.UsageError("Specify only one of 'experiment-name' or 'experiment-id' options.")
    config: Any = backend_config
    if backend_config is not None and os.path.splitext(backend_config)[-1] != ".json":
        try:
            config = json.loads(backend_config)
        except ValueError as error:
            raise click.UsageError(f"Invalid backend config JSON. Parse error: {error}") from None
    _show_progress()
    try:
        projects.run(
            uri,
            entry_point,
            version,
            parameters=_user_args_to_dict(param_list, "P"),
            docker_args=_user_args_to_dict(docker_args, "A"),
            experiment_name=experiment_name,
            experiment_id=experiment_id,
            backend=backend,
            backend_config=config,
            env_manager=env_manager,
            storage_dir=storage_dir,
            synchronous=True,
            run_id=run_id,
            run_name=run_name,
            build_image=build_image,
        )
    except MlharborException as error:
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    # ``mlharbor.projects.run(synchronous=False)`` starts the project through this module.
    run()
