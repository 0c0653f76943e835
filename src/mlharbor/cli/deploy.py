"""``mlharbor deploy``: manifests for running mlharbor itself on a cluster."""

from __future__ import annotations

import click


@click.group()
def deploy() -> None:
    """Generate deployment manifests for the tracking server and sweep agents."""


@deploy.command("tracking-server")
@click.option("--name", "-n", default="mlharbor", show_default=True, help="Name of the objects.")
@click.option("--image", required=True, help="Image with mlharbor[postgres,s3] installed.")
@click.option(
    "--database-secret", required=True, help="Secret holding the PostgreSQL URI (key: uri)."
)
@click.option("--database-secret-key", default="uri", show_default=True)
@click.option(
    "--artifacts-destination", required=True, metavar="S3_URI", help="s3://bucket/prefix."
)
@click.option("--s3-secret", default=None, help="Secret with AWS_* variables (optional).")
@click.option("--s3-endpoint-url", default=None, help="For S3-compatible stores.")
@click.option("--host", "hosts", multiple=True, help="Extra host name served (repeatable).")
@click.option("--replicas", default=2, show_default=True, type=int)
@click.option("--max-replicas", default=None, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="Processes per pod.")
@click.option("--app-name", default=None, type=click.Choice(["basic-auth"]))
@click.option("--output", "-o", default=None, help="Write to a file instead of stdout.")
def tracking_server(name: str, image: str, output: str | None, **options: object) -> None:
    """Print a Deployment (with a migration init container), Service, HorizontalPodAutoscaler
    and PodDisruptionBudget for tracking-server replicas sharing PostgreSQL and S3."""
    from mlharbor.exceptions import MlharborException
    from mlharbor.server.kubernetes import tracking_server_manifest

    try:
        text = tracking_server_manifest(name, image, **options)
    except MlharborException as exc:
        raise click.ClickException(exc.message) from None
    if output is None:
        click.echo(text, nl=False)
        return
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(f"Wrote {output}", err=True)


@deploy.command("sweep-agents")
@click.option("--sweep-id", required=True, help="The sweep the agents take trials from.")
@click.option("--image", required=True, help="Image with mlharbor and the training program.")
@click.option(
    "--tracking-uri",
    envvar="MLFLOW_TRACKING_URI",
    required=True,
    help="URL of the tracking server, as the pods reach it [env: MLFLOW_TRACKING_URI].",
)
@click.option("--replicas", default=1, show_default=True, type=int, help="Agents in parallel.")
@click.option("--count", default=None, type=int, help="Most trials per agent.")
@click.option("--name", "-n", default=None, help="Name of the Job.")
@click.option(
    "--credentials-secret", default=None, help="Secret with MLFLOW_TRACKING_USERNAME/PASSWORD."
)
@click.option("--workdir", default=None, help="Folder of the program inside the image.")
@click.option("--cpu", default="1", show_default=True)
@click.option("--memory", default="2Gi", show_default=True)
@click.option("--gpus", default=0, show_default=True, type=int)
@click.option("--output", "-o", default=None, help="Write to a file instead of stdout.")
def sweep_agents(
    sweep_id: str, image: str, tracking_uri: str, output: str | None, **options: object
) -> None:
    """Print a Job running --replicas sweep agents against the tracking server."""
    from mlharbor.exceptions import MlharborException
    from mlharbor.sweeps.kubernetes import sweep_agents_manifest

    try:
        text = sweep_agents_manifest(sweep_id, image, tracking_uri, **options)
    except MlharborException as exc:
        raise click.ClickException(exc.message) from None
    if output is None:
        click.echo(text, nl=False)
        return
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(f"Wrote {output}", err=True)
