"""``mlharbor recipes``: run, inspect and clean MLflow Recipes. Parses and prints only; see
:mod:`mlharbor.recipes`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mlharbor.exceptions import MlharborException

if TYPE_CHECKING:
    from mlharbor.recipes import Recipe

_PROFILE = click.option(
    "--profile",
    "-p",
    envvar=["MLHARBOR_RECIPES_PROFILE", "MLFLOW_RECIPES_PROFILE"],
    required=True,
    help="Profile to run with: profiles/<PROFILE>.yaml (env MLFLOW_RECIPES_PROFILE).",
)
_STEP = click.option("--step", "-s", default=None, help="Step name; all steps when omitted.")


def _recipe(profile: str) -> Recipe:
    from mlharbor.recipes import Recipe

    try:
        return Recipe(profile=profile)
    except MlharborException as exc:
        raise click.ClickException(f"{exc.error_code}: {exc.message}") from exc


@click.group("recipes")
def recipes() -> None:
    """Run MLflow Recipes (recipe.yaml in the current directory or a parent)."""


@recipes.command()
@_STEP
@_PROFILE
def run(step: str | None, profile: str) -> None:
    """Run the recipe up to STEP, reusing cached results of unchanged steps."""
    recipe = _recipe(profile)
    try:
        recipe.run(step)
    except MlharborException as exc:
        raise click.ClickException(f"{exc.error_code}: {exc.message}") from exc
    for name, outcome in recipe.last_execution.items():
        click.echo(f"{name}: {outcome}")


@recipes.command()
@_STEP
@_PROFILE
def inspect(step: str | None, profile: str) -> None:
    """Show the card of STEP, or the recipe's DAG and step statuses."""
    try:
        _recipe(profile).inspect(step)
    except MlharborException as exc:
        raise click.ClickException(f"{exc.error_code}: {exc.message}") from exc


@recipes.command()
@_STEP
@_PROFILE
def clean(step: str | None, profile: str) -> None:
    """Remove the cached results of STEP, or of all steps."""
    try:
        _recipe(profile).clean(step)
    except MlharborException as exc:
        raise click.ClickException(f"{exc.error_code}: {exc.message}") from exc


@recipes.command("get-artifact")
@click.option("--artifact", "-a", required=True, help="Artifact name, e.g. model or test_data.")
@_PROFILE
def get_artifact(artifact: str, profile: str) -> None:
    """Print where ARTIFACT of the last execution lies."""
    try:
        path = _recipe(profile).artifact_path(artifact)
    except MlharborException as exc:
        raise click.ClickException(f"{exc.error_code}: {exc.message}") from exc
    if path is None:
        raise click.ClickException(f"Artifact {artifact!r} is not available; run its step first")
    click.echo(str(path))
