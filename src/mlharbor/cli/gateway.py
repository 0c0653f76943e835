"""``mlharbor gateway``: run the AI gateway. Parses and prints only; see mlharbor.gateway."""

from __future__ import annotations

import click

from mlharbor.exceptions import MlharborException


@click.group()
def gateway() -> None:
    """Serve the AI gateway in front of LLM providers and served models."""


@gateway.command()
@click.option(
    "--config-path",
    envvar="MLFLOW_GATEWAY_CONFIG",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The gateway YAML file (or $MLFLOW_GATEWAY_CONFIG); edits are applied while running.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to bind.")
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(min=1), help="Processes."
)
@click.option(
    "--reload-interval",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.05),
    help="Seconds between checks of the configuration file for changes.",
)
@click.option(
    "--app-name",
    default=None,
    type=click.Choice(["basic-auth"]),
    help="Require HTTP Basic sign-in with the tracking server's users (MLFLOW_AUTH_CONFIG_PATH).",
)
def start(
    config_path: str,
    host: str,
    port: int,
    workers: int,
    reload_interval: float,
    app_name: str | None,
) -> None:
    """Start the gateway serving the endpoints of CONFIG_PATH."""
    from mlharbor.gateway.server import start as run

    try:
        run(
            config_path,
            host=host,
            port=port,
            workers=workers,
            reload_interval_s=reload_interval,
            app_name=app_name,
        )
    except MlharborException as exc:
        raise click.ClickException(exc.message) from None
