"""``mlharbor sweep`` (create, get, stop, resume) and ``mlharbor agent``."""

from __future__ import annotations

from typing import Any

import click


def _fail(exc: Exception) -> click.ClickException:
    message = getattr(exc, "message", None) or str(exc)
    return click.ClickException(message)


@click.group()
def sweep() -> None:
    """Hyperparameter sweeps with a W&B-format configuration."""


@sweep.command("create")
@click.argument("config_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--experiment-name",
    envvar="MLFLOW_EXPERIMENT_NAME",
    default=None,
    help="Experiment of the sweep's runs (created when missing) [env: MLFLOW_EXPERIMENT_NAME].",
)
@click.option("--name", default=None, help="Name of the sweep (default: the config's name).")
def create(config_file: str, experiment_name: str | None, name: str | None) -> None:
    """Create a sweep from CONFIG_FILE (YAML or JSON); the last line printed is 'ID: <id>'."""
    import yaml

    from mlharbor.exceptions import MlharborException
    from mlharbor.sweeps.agent import sweep as create_sweep

    with open(config_file, encoding="utf-8") as handle:
        try:
            config: Any = yaml.safe_load(handle)
        except yaml.YAMLError as exc:
            raise click.ClickException(f"{config_file} is not valid YAML: {exc}") from None
    try:
        sweep_id = create_sweep(config, experiment_name, name=name)
    except MlharborException as exc:
        raise _fail(exc) from None
    click.echo(f"Created sweep from {config_file}")
    from mlharbor.tracking import get_tracking_uri

    uri = get_tracking_uri()
    if uri.startswith(("http://", "https://")):
        click.echo(f"View it at: {uri.rstrip('/')}/#/sweeps/{sweep_id}")
    click.echo(f"Run agents with: mlharbor agent {sweep_id}")
    click.echo(f"ID: {sweep_id}")


def _show(sweep_id: str, action: str) -> None:
    from mlharbor.exceptions import MlharborException
    from mlharbor.store.sweeps import get_sweep_store
    from mlharbor.tracking import get_tracking_uri

    store = get_sweep_store(get_tracking_uri())
    try:
        found = getattr(store, action)(sweep_id)
    except MlharborException as exc:
        raise _fail(exc) from None
    counts = ", ".join(f"{k.lower()} {v}" for k, v in sorted(found.trial_counts.items()))
    click.echo(f"Sweep {found.sweep_id} ({found.name}): {found.state.value}")
    click.echo(f"Trials: {counts or 'none yet'}")
    if found.best_value is not None:
        click.echo(f"Best {found.metric_name}: {found.best_value} (run {found.best_run_id})")


@sweep.command("get")
@click.argument("sweep_id")
def get(sweep_id: str) -> None:
    """Show a sweep's state, trial counts and best value."""
    _show(sweep_id, "get_sweep")


@sweep.command("stop")
@click.argument("sweep_id")
def stop(sweep_id: str) -> None:
    """Hand out no more trials; running trials finish."""
    _show(sweep_id, "stop_sweep")


@sweep.command("resume")
@click.argument("sweep_id")
def resume(sweep_id: str) -> None:
    """Hand out trials again after 'mlharbor sweep stop'."""
    _show(sweep_id, "resume_sweep")


@click.command()
@click.argument("sweep_id")
@click.option("--count", type=click.IntRange(min=1), default=None, help="Most trials to run.")
def agent(sweep_id: str, count: int | None) -> None:
    """Run trials of SWEEP_ID: the config's program in the current folder, once per trial,
    with the trial's parameters as ``--name=value`` arguments."""
    from mlharbor.exceptions import MlharborException
    from mlharbor.sweeps.program import run_program_agent

    try:
        done = run_program_agent(sweep_id, count)
    except MlharborException as exc:
        raise _fail(exc) from None
    click.echo(f"Ran {done} trial{'s' if done != 1 else ''} of sweep {sweep_id}.")
