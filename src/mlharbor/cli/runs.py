"""``mlharbor runs``: MLflow's run commands against the tracking URI in effect."""

from __future__ import annotations

import datetime as dt
import json

import click

from mlharbor.cli.errors import run_or_exit
from mlharbor.cli.experiments import table, view_type

_RUN_ID = click.option("--run-id", required=True)
_DATE = "%Y-%m-%d %H:%M:%S"


@click.group()
def runs() -> None:
    """Manage runs (set MLFLOW_TRACKING_URI to work on a server)."""


@runs.command("list")
@click.option("--experiment-id", envvar="MLFLOW_EXPERIMENT_ID", required=True)
@click.option(
    "--view",
    "-v",
    default="active_only",
    type=click.Choice(["active_only", "deleted_only", "all"]),
    help="Which runs: active (default), deleted, or all.",
)
def list_runs(experiment_id: str, view: str) -> None:
    """List the runs of an experiment, newest first: start date, name, id."""
    import mlharbor

    found = run_or_exit(
        lambda: mlharbor.search_runs(
            experiment_ids=[experiment_id], run_view_type=view_type(view), output_format="list"
        )
    )
    rows = []
    for run in found:
        start = run.info.start_time
        when = (
            dt.datetime.fromtimestamp(start / 1000).strftime("%Y-%m-%d %H:%M:%S") if start else ""
        )
        rows.append([when, run.info.run_name or "", run.info.run_id])
    click.echo(table(sorted(rows, reverse=True), ["Date", "Name", "ID"]))


@runs.command("describe")
@_RUN_ID
def describe_run(run_id: str) -> None:
    """Print a run (info, params, metrics, tags, inputs) as JSON."""
    import mlharbor
    from mlharbor.wire.tracking import run_to_json

    run = run_or_exit(lambda: mlharbor.get_run(run_id))
    click.echo(json.dumps(run_to_json(run), indent=4))


@runs.command("delete")
@_RUN_ID
def delete_run(run_id: str) -> None:
    """Mark a run deleted (restorable until `mlharbor gc`)."""
    import mlharbor

    run_or_exit(lambda: mlharbor.delete_run(run_id))
    click.echo(f"Run with ID {run_id} has been deleted.")


@runs.command("restore")
@_RUN_ID
def restore_run(run_id: str) -> None:
    """Restore a deleted run."""
    import mlharbor

    run_or_exit(lambda: mlharbor.restore_run(run_id))
    click.echo(f"Run with id {run_id} has been restored.")
