"""``mlharbor experiments``: MLflow's experiment commands against the tracking URI in effect."""

from __future__ import annotations

import json
import os

import click

from mlharbor.cli.errors import run_or_exit

_EXPERIMENT_ID = click.option("--experiment-id", "-x", type=click.STRING, required=True)
_VIEW = click.option(
    "--view",
    "-v",
    default="active_only",
    type=click.Choice(["active_only", "deleted_only", "all"]),
    help="Which experiments: active (default), deleted, or all.",
)


def view_type(view: str) -> object:
    """The ViewType a --view value names."""
    from mlharbor.entities import ViewType

    return ViewType[view.upper()]


def table(rows: list[list[str]], headers: list[str]) -> str:
    """Rows as a plain text table (columns padded to their widest cell)."""
    cells = [headers, *rows]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


@click.group()
def experiments() -> None:
    """Manage experiments (set MLFLOW_TRACKING_URI to work on a server)."""


@experiments.command()
@click.option("--experiment-name", "-n", required=True)
@click.option("--artifact-location", "-l", default=None, help="Where its runs keep artifacts.")
def create(experiment_name: str, artifact_location: str | None) -> None:
    """Create an experiment."""
    import mlharbor

    experiment_id = run_or_exit(
        lambda: mlharbor.create_experiment(experiment_name, artifact_location)
    )
    click.echo(f"Created experiment '{experiment_name}' with id {experiment_id}")


@experiments.command("search")
@_VIEW
@click.option("--max-results", type=click.IntRange(min=0), default=None)
def search_experiments(view: str, max_results: int | None) -> None:
    """List experiments: id, name and artifact location."""
    import mlharbor

    found = run_or_exit(
        lambda: mlharbor.search_experiments(view_type=view_type(view), max_results=max_results)
    )
    rows = [[e.experiment_id, e.name, e.artifact_location] for e in found]
    click.echo(table(sorted(rows), ["Experiment Id", "Name", "Artifact Location"]))


@experiments.command("describe")
@click.option("--experiment-id", "-x", default=None)
@click.option("--experiment-name", "-n", default=None)
def describe_experiment(experiment_id: str | None, experiment_name: str | None) -> None:
    """Print an experiment (by id or name) as JSON."""
    from mlharbor.client.fluent import get_experiment, get_experiment_by_name
    from mlharbor.entities import Experiment
    from mlharbor.exceptions import ResourceDoesNotExist

    if (experiment_id is None) == (experiment_name is None):
        raise click.UsageError("Give exactly one of --experiment-id or --experiment-name")

    def lookup() -> Experiment:
        if experiment_id is not None:
            return get_experiment(experiment_id)
        found = get_experiment_by_name(str(experiment_name))
        if found is None:
            raise ResourceDoesNotExist(f"Experiment '{experiment_name}' does not exist.")
        return found

    experiment = run_or_exit(lookup)
    from mlharbor.wire.tracking import experiment_to_json

    click.echo(json.dumps(experiment_to_json(experiment), indent=2))


@experiments.command("delete")
@_EXPERIMENT_ID
def delete_experiment(experiment_id: str) -> None:
    """Mark an experiment and its runs deleted (restorable until `mlharbor gc`)."""
    import mlharbor

    run_or_exit(lambda: mlharbor.delete_experiment(experiment_id))
    click.echo(f"Experiment with ID {experiment_id} has been deleted.")


@experiments.command("restore")
@_EXPERIMENT_ID
def restore_experiment(experiment_id: str) -> None:
    """Restore a deleted experiment and its runs."""
    import mlharbor

    run_or_exit(lambda: mlharbor.restore_experiment(experiment_id))
    click.echo(f"Experiment with id {experiment_id} has been restored.")


@experiments.command("rename")
@_EXPERIMENT_ID
@click.option("--new-name", required=True)
def rename_experiment(experiment_id: str, new_name: str) -> None:
    """Rename an experiment."""
    import mlharbor

    run_or_exit(lambda: mlharbor.MlflowClient().rename_experiment(experiment_id, new_name))
    click.echo(f"Experiment with id {experiment_id} has been renamed to '{new_name}'.")


@experiments.command("csv")
@_EXPERIMENT_ID
@click.option("--filename", "-o", default=None, help="Write here instead of stdout.")
def generate_csv_with_runs(experiment_id: str, filename: str | None) -> None:
    """Export every run of an experiment (params, metrics, tags) as CSV."""
    import mlharbor

    runs = run_or_exit(lambda: mlharbor.search_runs(experiment_ids=[experiment_id]))
    if filename:
        runs.to_csv(os.fspath(filename), index=False)
        click.echo(
            f"Experiment with ID {experiment_id} has been exported as a CSV to file: {filename}."
        )
    else:
        click.echo(runs.to_csv(index=False), nl=False)
