"""``mlharbor models``: serve, batch-predict and package models. Parses and prints only.

The work lives in :mod:`mlharbor.serving` (``server``, ``batch``, ``docker``, ``kubernetes``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from mlharbor.exceptions import MlharborException

_MODEL_URI = click.option(
    "--model-uri",
    "-m",
    required=True,
    metavar="URI",
    help="Model to use: a local path, runs:/, models:/ or an artifact-store URI.",
)


def _fail(exc: MlharborException) -> None:
    click.echo(f"Error: {exc.message}", err=True)
    sys.exit(1)


# Import names whose pip distribution is called otherwise.
_DISTRIBUTIONS = {"sklearn": "scikit-learn", "yaml": "pyyaml", "PIL": "pillow"}


def _run(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except MlharborException as exc:
        _fail(exc)
    except ModuleNotFoundError as exc:
        # Unpickling a model imports its library: a missing one is the environment's fault.
        module = (exc.name or "").split(".")[0]
        if not module:
            raise
        package = _DISTRIBUTIONS.get(module, module)
        click.echo(
            f"Error: the model needs the Python package '{package}' (module '{module}'), "
            f"which is not installed here: pip install {package}",
            err=True,
        )
        sys.exit(1)
    return None


@click.group()
def models() -> None:
    """Serve models, score files with them, and package them as images."""


@models.command()
@_MODEL_URI
@click.option("--host", "-h", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", "-p", default=5000, show_default=True, type=int, help="Port to bind.")
@click.option(
    "--workers", "-w", default=1, show_default=True, type=click.IntRange(min=1), help="Processes."
)
@click.option("--timeout", "-t", default=None, type=float, help="Seconds per request (60).")
@click.option(
    "--env-manager",
    default="local",
    show_default=True,
    type=click.Choice(["local", "virtualenv", "uv", "conda"]),
    help="Only 'local' is supported: the model runs in this environment.",
)
@click.option("--no-conda", is_flag=True, help="Same as --env-manager local.")
@click.option(
    "--enable-predict-route/--no-predict-route",
    default=True,
    show_default=True,
    help="Also serve POST /predict with {'features': [...]}.",
)
@click.option(
    "--poll-interval",
    default=None,
    type=float,
    help="Seconds between registry checks when serving an alias, stage or latest (10).",
)
@click.option(
    "--monitor-reference",
    default=None,
    metavar="PATH",
    help="CSV or Parquet file of typical inputs: scored inputs are checked against it for "
    "drift, reported on /metrics.",
)
@click.option(
    "--monitor-window",
    default=None,
    type=click.IntRange(min=1),
    help="Rows kept and checked per drift check (1000); needs --monitor-reference.",
)
def serve(
    model_uri: str,
    host: str,
    port: int,
    workers: int,
    timeout: float | None,
    env_manager: str,
    no_conda: bool,
    enable_predict_route: bool,
    poll_interval: float | None,
    monitor_reference: str | None,
    monitor_window: int | None,
) -> None:
    """Serve a model over HTTP (MLflow's /invocations protocol, plus /predict and /metrics)."""
    from mlharbor.serving.server import serve as run

    _run(
        lambda: run(
            model_uri,
            host=host,
            port=port,
            workers=workers,
            timeout_s=timeout,
            env_manager="local" if no_conda else env_manager,
            enable_predict_route=enable_predict_route,
            poll_interval_s=poll_interval,
            monitor_reference=monitor_reference,
            monitor_window=monitor_window,
        )
    )


@models.command()
@_MODEL_URI
@click.option("--input-path", "-i", required=True, help="CSV (with header) or JSON input file.")
@click.option("--output-path", "-o", default=None, help="Output file; JSON on stdout if omitted.")
@click.option(
    "--content-type",
    "-t",
    default=None,
    type=click.Choice(["csv", "json"]),
    help="Input format (default: from the input's extension).",
)
@click.option(
    "--output-format",
    default=None,
    type=click.Choice(["csv", "json"]),
    help="Output format (default: csv for a .csv output path, else json).",
)
@click.option("--chunk-rows", default=10_000, show_default=True, type=click.IntRange(min=1))
@click.option("--env-manager", default="local", type=click.Choice(["local"]), hidden=True)
def predict(
    model_uri: str,
    input_path: str,
    output_path: str | None,
    content_type: str | None,
    output_format: str | None,
    chunk_rows: int,
    env_manager: str,
) -> None:
    """Score a CSV or JSON file in chunks and write the predictions."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from mlharbor.serving.batch import predict_batch

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_stderr_console(),
        transient=output_path is None,
    ) as bar:
        task = bar.add_task("Scoring rows", total=None)

        def advance(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        result = _run(
            lambda: predict_batch(
                model_uri,
                input_path,
                output_path,
                content_type=content_type,
                output_format=output_format,
                chunk_rows=chunk_rows,
                progress=advance,
                stdout=sys.stdout,
            )
        )
    if output_path is not None:
        click.echo(f"Wrote {result.rows} predictions to {output_path}", err=True)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


@models.command("generate-dockerfile")
@_MODEL_URI
@click.option("--output-directory", "-d", default="mlharbor-dockerfile", show_default=True)
@click.option("--base-image", default=None, help="Default: python:<model's version>-slim.")
def generate_dockerfile(model_uri: str, output_directory: str, base_image: str | None) -> None:
    """Write a Docker build context (Dockerfile, model, requirements) for serving a model."""
    from mlharbor.serving.docker import generate_dockerfile as generate

    context = _run(lambda: generate(model_uri, output_directory, base_image=base_image))
    click.echo(f"Wrote {context.dockerfile}")


@models.command("build-docker")
@_MODEL_URI
@click.option("--name", "-n", default="mlharbor-pyfunc-servable", show_default=True)
@click.option("--base-image", default=None, help="Default: python:<model's version>-slim.")
def build_docker(model_uri: str, name: str, base_image: str | None) -> None:
    """Build a Docker image serving a model (needs a running Docker engine)."""
    from mlharbor.serving.docker import build_docker as build

    _run(lambda: build(model_uri, name, base_image=base_image))
    click.echo(f"Built image {name}; run it with: docker run -p 8080:8080 {name}")


@models.command("k8s-manifest")
@click.option("--model-uri", "-m", default=None, metavar="URI", help="Recorded as an annotation.")
@click.option("--name", "-n", required=True, help="Name of the Deployment, Service and HPA.")
@click.option("--image", required=True, help="Image serving the model (see build-docker).")
@click.option("--replicas", default=2, show_default=True, type=click.IntRange(min=1))
@click.option("--max-replicas", default=None, type=click.IntRange(min=1))
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--cpu", "cpu_request", default="250m", show_default=True)
@click.option("--memory", "memory_request", default="512Mi", show_default=True)
@click.option("--cpu-limit", default="1", show_default=True)
@click.option("--memory-limit", default="1Gi", show_default=True)
@click.option("--output", "-o", default=None, help="Write to a file instead of stdout.")
def k8s_manifest(
    model_uri: str | None, name: str, image: str, output: str | None, **sizes: Any
) -> None:
    """Print a Deployment, Service and HorizontalPodAutoscaler for a model image."""
    from mlharbor.serving.kubernetes import k8s_manifest as render

    text = _run(lambda: render(name, image, model_uri=model_uri, **sizes))
    if output is None:
        click.echo(text, nl=False)
    else:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"Wrote {output}", err=True)
