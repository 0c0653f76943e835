"""``mlharbor server`` and ``mlharbor ui``: run the tracking server with uvicorn.

Only parses options; the application is built by :func:`mlharbor.server.app.create_app`.
With several workers each process builds its own application from the environment
(:func:`mlharbor.server.app.create_app_from_env`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from mlharbor.server.app import HarborApp

_ENV_PREFIX = "MLHARBOR_SERVER_"


def _options(default_backend: str) -> list[click.Parameter]:
    return [
        click.Option(
            ["--backend-store-uri"],
            default=default_backend,
            show_default=True,
            help="Database of experiments, runs and models (sqlite:///…, postgresql://…).",
        ),
        click.Option(
            ["--default-artifact-root"],
            default=None,
            help="Root of new experiments' artifact locations. Default: mlflow-artifacts: "
            "when serving artifacts, else ./mlruns.",
        ),
        click.Option(
            ["--artifacts-destination"],
            default="./mlartifacts",
            show_default=True,
            help="Where proxied artifacts are stored: a local directory or s3://bucket/prefix.",
        ),
        click.Option(
            ["--serve-artifacts/--no-serve-artifacts"],
            default=True,
            show_default=True,
            help="Proxy artifact uploads and downloads through /api/2.0/mlflow-artifacts.",
        ),
        click.Option(["--host", "-h"], default="127.0.0.1", show_default=True),
        click.Option(["--port", "-p"], default=5000, show_default=True, type=int),
        click.Option(
            ["--workers", "-w"],
            default=1,
            show_default=True,
            type=click.IntRange(min=1),
            help="Worker processes.",
        ),
        click.Option(["--static-prefix"], default="", help="Path prefix for every route."),
        click.Option(
            ["--allowed-hosts"],
            default=None,
            envvar=["MLHARBOR_SERVER_ALLOWED_HOSTS", "MLFLOW_SERVER_ALLOWED_HOSTS"],
            help="Comma-separated Host header names or patterns the server answers, '*' for "
            "any. Default: localhost, loopback and private addresses, and --host.",
        ),
        click.Option(
            ["--app-name"],
            default=None,
            type=click.Choice(["basic-auth"]),
            help="Serve behind this app: 'basic-auth' requires HTTP Basic credentials and "
            "checks per-experiment and per-model permissions (configured by the ini file "
            "named by MLFLOW_AUTH_CONFIG_PATH).",
        ),
    ]


def _sweep_partial_uploads(app: HarborApp) -> None:
    """Remove what uploads cut off by a crash of the previous run left behind."""
    if app.context.artifacts is not None:
        removed = app.context.artifacts.sweep_partial_uploads()
        if removed:
            click.echo(f"Removed {removed} partial upload(s) left by an earlier run.", err=True)


def _run(
    backend_store_uri: str,
    default_artifact_root: str | None,
    artifacts_destination: str,
    serve_artifacts: bool,
    host: str,
    port: int,
    workers: int,
    static_prefix: str,
    allowed_hosts: str | None,
    app_name: str | None,
) -> None:
    import uvicorn

    from mlharbor.exceptions import MlharborException
    from mlharbor.server.app import ASGIApp, create_app, with_app_name
    from mlharbor.server.hosts import HostPolicy

    def behind_app(app: HarborApp) -> ASGIApp:
        try:
            return with_app_name(app, app_name, static_prefix)
        except MlharborException as exc:
            raise click.ClickException(exc.message) from exc

    settings = {
        "BACKEND_STORE_URI": backend_store_uri,
        "DEFAULT_ARTIFACT_ROOT": default_artifact_root or "",
        "ARTIFACTS_DESTINATION": artifacts_destination,
        "SERVE_ARTIFACTS": "true" if serve_artifacts else "false",
        "STATIC_PREFIX": static_prefix,
        "ALLOWED_HOSTS": allowed_hosts or "",
        "HOST": host,
        "APP_NAME": app_name or "",
    }
    if static_prefix and not static_prefix.startswith("/"):
        raise click.BadParameter("must start with '/'", param_hint="--static-prefix")
    from mlharbor.utils.slow_clients import protocol_class

    common = {
        "host": host,
        "port": port,
        "access_log": False,
        "log_level": "info",
        "http": protocol_class(),
    }
    if workers == 1:
        app = create_app(
            backend_store_uri,
            default_artifact_root or None,
            artifacts_destination,
            serve_artifacts,
            static_prefix,
            HostPolicy.from_option(allowed_hosts, host),
        )
        _sweep_partial_uploads(app)
        uvicorn.run(behind_app(app), **common)  # type: ignore[arg-type]
        return
    # Build the stores (run migrations, create the admin user) once before the workers start.
    first = create_app(
        backend_store_uri,
        default_artifact_root or None,
        artifacts_destination,
        serve_artifacts,
        static_prefix,
    )
    behind_app(first)
    _sweep_partial_uploads(first)
    os.environ.update({_ENV_PREFIX + key: value for key, value in settings.items()})
    uvicorn.run(
        "mlharbor.server.app:create_app_from_env",
        factory=True,
        workers=workers,
        **common,  # type: ignore[arg-type]
    )


server = click.Command(
    "server",
    callback=_run,
    params=_options("sqlite:///mlflow.db"),
    help="Run the tracking server (MLflow's REST API and artifact proxy).",
)

ui = click.Command(
    "ui",
    callback=_run,
    params=_options("sqlite:///mlflow.db"),
    help="Run the tracking server for local use (same options as 'server').",
)
