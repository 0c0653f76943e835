"""``mlharbor gc``: permanently delete deleted runs and experiments (MLflow's options)."""

from __future__ import annotations

import click


def _ids(value: str | None) -> list[str] | None:
    return [part.strip() for part in value.split(",") if part.strip()] if value else None


@click.command()
@click.option(
    "--older-than",
    default=None,
    help="Only what was deleted longer ago than this, e.g. '30d', '2d8h5m20s'.",
)
@click.option(
    "--backend-store-uri",
    envvar="MLFLOW_BACKEND_STORE_URI",
    default=None,
    help="The database to purge (default: the tracking URI in effect).",
)
@click.option(
    "--artifacts-destination",
    default=None,
    help="Where a tracking server stores mlflow-artifacts: files (its --artifacts-destination).",
)
@click.option("--run-ids", default=None, help="Comma-separated deleted runs to purge.")
@click.option(
    "--experiment-ids",
    default=None,
    help="Comma-separated deleted experiments to purge, with all their runs.",
)
@click.option(
    "--tracking-uri",
    envvar="MLFLOW_TRACKING_URI",
    default=None,
    help="Tracking server that serves mlflow-artifacts: URIs.",
)
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
def gc(
    older_than: str | None,
    backend_store_uri: str | None,
    artifacts_destination: str | None,
    run_ids: str | None,
    experiment_ids: str | None,
    tracking_uri: str | None,
    dry_run: bool,
) -> None:
    """Permanently delete runs and experiments in the `deleted` stage, with their artifacts.

    Without ids, everything in the deleted stage (older than --older-than) is purged.
    """
    from mlharbor.cli.errors import run_or_exit
    from mlharbor.housekeeping import gc as collect

    is_http = bool(backend_store_uri is None and tracking_uri and tracking_uri.startswith("http"))
    result = run_or_exit(
        lambda: collect(
            older_than=older_than,
            run_ids=_ids(run_ids),
            experiment_ids=_ids(experiment_ids),
            backend_store_uri=backend_store_uri or (None if is_http else tracking_uri),
            tracking_uri=tracking_uri,
            artifacts_destination=artifacts_destination,
            dry_run=dry_run,
        )
    )
    verb = "would be" if dry_run else "has been"
    for run_id in result.run_ids:
        click.echo(f"Run with ID {run_id} {verb} permanently deleted.")
    for experiment_id in result.experiment_ids:
        click.echo(f"Experiment with ID {experiment_id} {verb} permanently deleted.")
    for owner, problem in result.artifact_failures.items():
        click.echo(f"Artifacts of {owner} were not deleted: {problem}", err=True)
